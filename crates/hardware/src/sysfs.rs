//! Reading small sysfs and procfs files: trimmed text, or a number, or nothing.

use std::path::Path;

pub fn text(path: &Path) -> Option<String> {
    let s = std::fs::read_to_string(path).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub fn number<T: std::str::FromStr>(path: &Path) -> Option<T> {
    text(path)?.parse().ok()
}

/// A hexadecimal value such as sysfs's `0x1002`.
pub fn hex(path: &Path) -> Option<u32> {
    let t = text(path)?;
    u32::from_str_radix(t.trim_start_matches("0x"), 16).ok()
}

/// Entries of `dir` whose name starts with `prefix`, sorted.
pub fn entries(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<_> = rd.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().starts_with(prefix)).map(|e| e.path()).collect();
    v.sort();
    v
}
