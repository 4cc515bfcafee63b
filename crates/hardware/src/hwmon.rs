//! Temperatures from hwmon (`/sys/class/hwmon/hwmonN/temp*_input`, millidegrees Celsius).

use crate::{sysfs, Roots, SensorReading};

/// What a hwmon driver measures, by its `name`.
fn kind_of(driver: &str) -> &'static str {
    match driver {
        "k10temp" | "coretemp" | "zenpower" | "cpu_thermal" => "cpu",
        "amdgpu" | "nouveau" | "radeon" => "gpu",
        "spd5118" | "jc42" => "memory",
        "nvme" | "drivetemp" => "storage",
        _ => "other",
    }
}

pub fn read_all(roots: &Roots) -> Vec<SensorReading> {
    let mut out = Vec::new();
    for dir in sysfs::entries(&roots.sysfs.join("class/hwmon"), "hwmon") {
        let Some(driver) = sysfs::text(&dir.join("name")) else { continue };
        let hwmon = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for input in sysfs::entries(&dir, "temp").into_iter().filter(|p| p.to_string_lossy().ends_with("_input")) {
            let Some(milli) = sysfs::number::<i64>(&input) else { continue };
            let celsius = milli as f64 / 1000.0;
            // Readings outside what any sensor reports are errors (e.g. -273 or 255 °C placeholders).
            if !(-40.0..=150.0).contains(&celsius) {
                continue;
            }
            let stem = input.file_name().unwrap().to_string_lossy().trim_end_matches("_input").to_string();
            let label = sysfs::text(&dir.join(format!("{stem}_label"))).unwrap_or_else(|| stem.clone());
            out.push(SensorReading {
                label: format!("{driver} {label}"),
                kind: kind_of(&driver).to_string(),
                temperature_c: celsius,
                source: format!("hwmon {hwmon} ({driver})"),
            });
        }
    }
    out
}

/// The CPU's temperature: k10temp's Tctl/Tdie or coretemp's package sensor, else the hottest CPU sensor.
pub fn cpu_temperature(sensors: &[SensorReading]) -> Option<f64> {
    let cpu: Vec<&SensorReading> = sensors.iter().filter(|s| s.kind == "cpu").collect();
    cpu.iter()
        .find(|s| s.label.ends_with("Tctl") || s.label.ends_with("Tdie") || s.label.contains("Package id 0"))
        .or_else(|| cpu.iter().max_by(|a, b| a.temperature_c.total_cmp(&b.temperature_c)))
        .map(|s| s.temperature_c)
}
