//! What the advisor's judging tests share.

/// The `p` quantile (0..=1) of `xs`, nearest rank.
pub fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() as f64 * p).ceil() as usize).clamp(1, xs.len()) - 1]
}
