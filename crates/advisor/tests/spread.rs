//! The bands `predicted` carries (issue 22: "about 42 tok/s (36-47)"): each backend's half-width
//! covers how far apart the published runs of one model on one machine land across builds,
//! drivers and stacks (`catalog/spread.toml`), and the advisor's answer carries the band.

use hearth_advisor::{advise, AdviceRequest, Catalog, KvCacheType, ModelShape, Use};
use serde::Deserialize;

#[derive(Deserialize)]
struct Groups {
    group: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    backend: String,
    what: String,
    tg: Vec<f64>,
    pp: Vec<f64>,
    source: String,
}

/// Half the distance between the fastest and the slowest run, relative to their middle.
fn half_width(xs: &[f64]) -> f64 {
    let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    (hi - lo) / (hi + lo)
}

#[test]
fn every_band_covers_the_published_spread_of_its_backend() {
    let groups = toml::from_str::<Groups>(include_str!("../catalog/spread.toml")).unwrap().group;
    let c = Catalog::builtin();
    for g in &groups {
        // A group without prompt runs (the pull requests published generation only) judges the
        // generation band alone.
        assert!(g.tg.len() >= 2 && (g.pp.is_empty() || g.tg.len() == g.pp.len()) && !g.source.is_empty(), "{}", g.what);
        let b = c.backend(&g.backend).unwrap();
        let (tg, pp) = (half_width(&g.tg), if g.pp.is_empty() { 0.0 } else { half_width(&g.pp) });
        println!(
            "{}: {} runs, generation ±{:.1} %, prompt ±{:.1} % (bands ±{:.0} %, ±{:.0} %)",
            g.what,
            g.tg.len(),
            tg * 100.0,
            pp * 100.0,
            b.tg_spread * 100.0,
            b.pp_spread * 100.0
        );
        assert!(b.tg_spread + 1e-9 >= tg, "{}: generation spread {tg:.3} beyond the band {}", g.what, b.tg_spread);
        assert!(b.pp_spread + 1e-9 >= pp, "{}: prompt spread {pp:.3} beyond the band {}", g.what, b.pp_spread);
    }
    for b in ["cuda", "vulkan", "rocm"] {
        assert!(groups.iter().any(|g| g.backend == b), "no published group for {b}");
    }
}

#[test]
fn the_answer_carries_its_band() {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model("gpt-oss-120b").unwrap());
    let hw = c.machine("strix-halo-395-128gb").unwrap();
    let a = advise(
        c,
        &AdviceRequest {
            shape: &shape,
            hardware: hw,
            backend: Some("vulkan"),
            ctx: 32768,
            depth: 0,
            kv_type: KvCacheType::F16,
            use_case: Use::Chat,
            quant: Some("MXFP4"),
        },
    )
    .unwrap();
    let p = a.selected.unwrap().predicted;
    assert!(p.tg_low < p.tg_tps && p.tg_tps < p.tg_high && p.pp_low < p.pp_tps && p.pp_tps < p.pp_high);
    // The published RADV run (56.61) falls inside; the band is Vulkan's ±5 % (RADV against AMDVLK).
    assert!(p.tg_low <= 56.61 && 56.61 <= p.tg_high, "{:.1}-{:.1}", p.tg_low, p.tg_high);
    assert!(((p.tg_high - p.tg_low) / (2.0 * p.tg_tps) - 0.05).abs() < 1e-9);
}
