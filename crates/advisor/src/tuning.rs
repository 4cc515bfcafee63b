//! Host tuning checks: the settings the Strix Halo and DGX Spark guides change (GTT size, BIOS
//! carve-out, IOMMU, power profile, CPU governor, NVIDIA driver), judged on a hardware snapshot
//! and the host's settings, optionally against what a model at a context needs. Each finding
//! says what was read, what it should be, the exact change and why, with the source of the
//! why from `catalog/tuning.toml`. Pure: the caller reads the machine (`hearth_hardware`).

use hearth_hardware::{GpuSnapshot, HardwareSnapshot, HostSettings, MemoryKind};
use hearth_protocol::{phrase, Phrase};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::Catalog;

const GIB: u64 = 1 << 30;
/// What the toolboxes' guide leaves to the OS when it raises the GTT (124 of 128 GiB).
const OS_RESERVE: u64 = 4 * GIB;
/// A carve-out above this is more than a Linux machine needs (the guide's is 512 MB).
const SMALL_CARVE_OUT: u64 = 2 * GIB;

/// A check's fixed text, from the catalog.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TuningFact {
    pub id: String,
    pub title: String,
    pub why: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the model from loading or running where it should.
    Problem,
    /// Costs speed or memory; worth changing.
    Advice,
    /// Checked and fine.
    Ok,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TuningFinding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// The value read, in words (with where it was read).
    pub observed: String,
    pub recommended: String,
    /// The exact change (kernel parameter, BIOS setting, command); none when nothing to change.
    pub fix: Option<String>,
    pub why: String,
    pub source: String,
    /// `observed`, `recommended` and `fix` for the UI to say in the user's language (the title
    /// and why are the catalog's, keyed by `id`).
    pub phrases: FindingPhrases,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FindingPhrases {
    pub observed: Phrase,
    pub recommended: Phrase,
    pub fix: Option<Phrase>,
}

/// What a model needs from the GPU, for the GTT check.
#[derive(Debug, Clone)]
pub struct ModelNeed {
    /// How the model is named to the user (`gpt-oss-120b at 32768 tokens`).
    pub label: Phrase,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TuningReport {
    pub kernel_release: Option<String>,
    /// The model and context the memory checks were made against, where one was given.
    pub model: Option<String>,
    pub model_phrase: Option<Phrase>,
    #[ts(type = "number | null")]
    pub model_need_bytes: Option<u64>,
    /// Problems first, then advice, then what is fine.
    pub findings: Vec<TuningFinding>,
}

/// The first kernel without the gfx1151 stability bug (the toolboxes' guide).
const STRIX_HALO_STABLE_KERNEL: (u32, u32, u32) = (6, 18, 4);

/// The linux-firmware release that breaks ROCm on Strix Halo (the toolboxes' guide).
const BROKEN_STRIX_HALO_FIRMWARE: &str = "20251125";

/// `6.18.9-200.fc43.x86_64` → (6, 18, 9); `6.8.0-31-generic` → (6, 8, 0).
fn kernel_version(release: &str) -> Option<(u32, u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0)))
}

/// The kernel parameters that let the GPU map `gtt_bytes` of RAM: ttm's page limit and pool
/// (4 KiB pages; kernels where amdgpu.gttsize is deprecated) and amdgpu.gttsize (MiB; older ones).
pub fn gtt_kernel_parameters(gtt_bytes: u64) -> String {
    let pages = gtt_bytes / 4096;
    format!("ttm.pages_limit={pages} ttm.page_pool_size={pages} amdgpu.gttsize={}", gtt_bytes >> 20)
}

/// How a kernel parameter is set for good on the distributions our users run.
fn kernel_parameter_fix(params: String) -> Phrase {
    phrase!(
        "said.tuning.kernelParameterFix",
        "add `{params}` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run `sudo update-grub` (Debian, Ubuntu) or `sudo grub2-mkconfig -o /boot/grub2/grub.cfg` (Fedora), then reboot",
        params = params
    )
}

/// Bytes as GiB, for a phrase's `{x:.1} GiB`.
fn gib(bytes: u64) -> f64 {
    bytes as f64 / GIB as f64
}

/// A value said as it was read (a version, a parameter, a profile name): the same in every language.
fn value(value: impl Into<String>) -> Phrase {
    phrase!("said.value", "{value}", value = value.into())
}

/// Checks the host read into `snapshot` and `host`, against `need` where given.
pub fn check_tuning(catalog: &Catalog, snapshot: &HardwareSnapshot, host: &HostSettings, need: Option<&ModelNeed>) -> TuningReport {
    let mut findings = Vec::new();
    let facts = Facts(catalog);
    let finding = |id, severity, observed, recommended, fix| facts.finding(id, severity, observed, recommended, fix);
    let apu = snapshot.gpus.iter().find(|g| g.vendor == "amd" && g.memory_kind == MemoryKind::Unified);
    if let Some(gpu) = apu {
        findings.push(gtt_size(gpu, snapshot.memory.total_bytes, need, &facts));
        if let (Some(gttsize), None) = (host.kernel_parameter("amdgpu.gttsize"), host.kernel_parameter("ttm.pages_limit")) {
            let gtt = gttsize.parse::<u64>().ok().map(|mib| mib << 20);
            let params = gtt.map(gtt_kernel_parameters).unwrap_or_else(|| "ttm.pages_limit=PAGES ttm.page_pool_size=PAGES".into());
            findings.push(finding(
                "gtt-parameter",
                Severity::Advice,
                phrase!(
                    "said.tuning.gttParameter.observed",
                    "amdgpu.gttsize={gttsize} on the kernel command line, no ttm.pages_limit",
                    gttsize = gttsize.to_string()
                ),
                phrase!("said.tuning.gttParameter.recommended", "ttm.pages_limit (and ttm.page_pool_size) set to the same size"),
                Some(kernel_parameter_fix(params)),
            ));
        }
        if let Some(carve_out) = gpu.dedicated_total_bytes {
            findings.push(if carve_out > SMALL_CARVE_OUT {
                finding(
                    "bios-carve-out",
                    Severity::Advice,
                    phrase!("said.tuning.carveOut.observed", "{reserved:.1} GiB reserved for the GPU in the BIOS (amdgpu mem_info_vram_total)", reserved = gib(carve_out)),
                    phrase!("said.tuning.carveOut.recommended", "512 MB, the GPU's memory coming from RAM through the GTT"),
                    Some(phrase!("said.tuning.carveOut.fix", "in the BIOS/UEFI setup, set the UMA frame buffer size (named \"iGPU Memory\", \"UMA Frame Buffer Size\" or \"VRAM Size\" by vendor) to its minimum (512M), then raise the GTT (see the GTT check)")),
                )
            } else {
                finding(
                    "bios-carve-out",
                    Severity::Ok,
                    phrase!("said.tuning.carveOut.observedSmall", "{reserved:.1} GiB reserved in the BIOS", reserved = gib(carve_out)),
                    value("512 MB"),
                    None,
                )
            });
        }
        if gpu.name.contains("Strix Halo") {
            if let Some(release) = &host.kernel_release {
                findings.push(match kernel_version(release) {
                    Some(v) if v < STRIX_HALO_STABLE_KERNEL => finding(
                        "kernel",
                        Severity::Advice,
                        phrase!("said.tuning.kernel.observed", "{release} (/proc/sys/kernel/osrelease)", release = release.clone()),
                        phrase!("said.tuning.kernel.recommended", "6.18.4 or newer"),
                        Some(phrase!(
                            "said.tuning.kernel.fix",
                            "install your distribution's newer kernel (Fedora 43's 6.18 line; Ubuntu's HWE or mainline 6.18+), then reboot"
                        )),
                    ),
                    _ => finding("kernel", Severity::Ok, value(release.clone()), phrase!("said.tuning.kernel.recommended", "6.18.4 or newer"), None),
                });
            }
            if let Some(package) = &host.firmware_package {
                findings.push(if package.version.starts_with(BROKEN_STRIX_HALO_FIRMWARE) {
                    finding(
                        "firmware",
                        Severity::Problem,
                        value(package.to_string()),
                        phrase!("said.tuning.firmware.recommended", "20260110 or newer, or back to 20251111"),
                        Some(phrase!("said.tuning.firmware.fix", "update the firmware package (`sudo dnf upgrade linux-firmware`, `sudo apt upgrade`, `sudo pacman -Syu`) to 20260110 or newer, or downgrade it to 20251111, then rebuild the initramfs (`sudo dracut -f`, `sudo update-initramfs -u` or `sudo mkinitcpio -P`) and reboot")),
                    )
                } else {
                    finding("firmware", Severity::Ok, value(package.to_string()), phrase!("said.tuning.firmware.recommendedOk", "not 20251125"), None)
                });
            }
        }
        if host.kernel_cmdline.is_some() {
            findings.push(if host.kernel_parameter("amd_iommu") == Some("off") {
                finding("iommu", Severity::Ok, value("amd_iommu=off"), value("amd_iommu=off"), None)
            } else {
                let now = match host.kernel_parameter("amd_iommu") {
                    Some(v) => value(format!("amd_iommu={v}")),
                    None => phrase!("said.tuning.iommu.observedDefault", "on (no amd_iommu= on the kernel command line)"),
                };
                finding(
                    "iommu",
                    Severity::Advice,
                    now,
                    phrase!("said.tuning.iommu.recommended", "amd_iommu=off, unless you need device passthrough or DMA protection"),
                    Some(kernel_parameter_fix("amd_iommu=off".into())),
                )
            });
        }
    }
    for gpu in &snapshot.gpus {
        if let Some(f) = power_limit(gpu, &facts) {
            findings.push(f);
        }
    }
    if let Some(profile) = &host.platform_profile {
        const FULL_POWER: [&str; 2] = ["performance", "max-power"];
        let best = FULL_POWER.into_iter().find(|p| host.platform_profile_choices.iter().any(|c| c == p)).unwrap_or("performance");
        findings.push(if FULL_POWER.contains(&profile.as_str()) {
            finding("platform-profile", Severity::Ok, value(profile.clone()), value(best), None)
        } else {
            finding(
                "platform-profile",
                Severity::Advice,
                phrase!("said.tuning.platformProfile.observed", "{profile} (/sys/firmware/acpi/platform_profile)", profile = profile.clone()),
                phrase!("said.tuning.platformProfile.recommended", "{best} while running models", best = best),
                Some(phrase!(
                    "said.tuning.platformProfile.fix",
                    "`powerprofilesctl set performance` (power-profiles-daemon), or `echo {best} | sudo tee /sys/firmware/acpi/platform_profile`",
                    best = best
                )),
            )
        });
    }
    if !host.cpu_governors.is_empty() {
        let all_performance = host.cpu_governors.iter().all(|g| g == "performance");
        let driver = host.cpu_scaling_driver.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        findings.push(if all_performance {
            finding("cpu-governor", Severity::Ok, value(format!("performance{driver}")), value("performance"), None)
        } else {
            finding(
                "cpu-governor",
                Severity::Advice,
                value(format!("{}{driver}", host.cpu_governors.join(", "))),
                phrase!("said.tuning.cpuGovernor.recommended", "performance while running models"),
                Some(phrase!("said.tuning.cpuGovernor.fix", "`sudo cpupower frequency-set -g performance` (package linux-cpupower or kernel-tools); for good, the tuned profile `accelerator-performance` or a systemd unit")),
            )
        });
    }
    if let Some(version) = &host.nvidia_driver {
        let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
        findings.push(match major {
            Some(m) if m < 525 => finding(
                "nvidia-driver",
                Severity::Problem,
                phrase!("said.tuning.nvidiaDriver.observed", "{version} (/proc/driver/nvidia/version)", version = version.clone()),
                phrase!("said.tuning.nvidiaDriver.recommended", "580 or newer (CUDA 13.x; 525 at least for CUDA 12.x)"),
                Some(phrase!(
                    "said.tuning.nvidiaDriver.fix",
                    "install a newer driver from your distribution (e.g. `sudo apt install nvidia-driver`) or NVIDIA's repository, then reboot"
                )),
            ),
            Some(m) if m < 580 => finding(
                "nvidia-driver",
                Severity::Ok,
                phrase!(
                    "said.tuning.nvidiaDriver.observedCuda12",
                    "{version}: runs CUDA 12.x backends; CUDA 13.x needs 580",
                    version = version.clone()
                ),
                phrase!("said.tuning.nvidiaDriver.recommendedCuda13", "580 or newer for CUDA 13.x"),
                None,
            ),
            _ => finding(
                "nvidia-driver",
                Severity::Ok,
                value(version.clone()),
                phrase!("said.tuning.nvidiaDriver.recommendedOk", "580 or newer"),
                None,
            ),
        });
    }
    findings.sort_by_key(|f| match f.severity {
        Severity::Problem => 0,
        Severity::Advice => 1,
        Severity::Ok => 2,
    });
    TuningReport {
        kernel_release: host.kernel_release.clone(),
        model: need.map(|n| n.label.text.clone()),
        model_phrase: need.map(|n| n.label.clone()),
        model_need_bytes: need.map(|n| n.total_bytes),
        findings,
    }
}

/// The catalog's text for each check.
struct Facts<'a>(&'a Catalog);

impl Facts<'_> {
    fn finding(&self, id: &str, severity: Severity, observed: Phrase, recommended: Phrase, fix: Option<Phrase>) -> TuningFinding {
        let fact = self.0.tuning.iter().find(|f| f.id == id).expect("every check has its catalog entry (tested)");
        TuningFinding {
            id: id.into(),
            title: fact.title.clone(),
            severity,
            observed: observed.text.clone(),
            recommended: recommended.text.clone(),
            fix: fix.as_ref().map(|f| f.text.clone()),
            why: fact.why.clone(),
            source: fact.source.clone(),
            phrases: FindingPhrases { observed, recommended, fix },
        }
    }
}

/// A GPU whose power cap was set below its default (amdgpu hwmon `power1_cap`, NVML's enforced
/// limit): clocks, and with them prompt processing, are held back. Nothing when the GPU does not
/// say both numbers.
fn power_limit(gpu: &GpuSnapshot, facts: &Facts) -> Option<TuningFinding> {
    let cap = gpu.power_cap.as_ref()?;
    let (limit, default) = (cap.limit_w, cap.default_w);
    if limit >= default * 0.95 {
        return Some(facts.finding(
            "power-limit",
            Severity::Ok,
            phrase!("said.tuning.powerLimit.observedOk", "{gpu}: {limit:.0} W, its default", gpu = gpu.name.clone(), limit = limit),
            phrase!("said.tuning.powerLimit.recommended", "the default, {default:.0} W", default = default),
            None,
        ));
    }
    let fix = match (gpu.vendor.as_str(), &cap.path) {
        ("nvidia", _) => phrase!(
            "said.tuning.powerLimit.fixNvidia",
            "`sudo nvidia-smi -pl {default:.0}` (until reboot; a systemd unit keeps it)",
            default = default
        ),
        (_, Some(path)) => phrase!(
            "said.tuning.powerLimit.fixSysfs",
            "`echo {microwatts} | sudo tee {path}` (until reboot; a udev rule or systemd unit keeps it)",
            microwatts = format!("{:.0}", default * 1e6),
            path = path.clone()
        ),
        _ => phrase!("said.tuning.powerLimit.fixTool", "raise the GPU's power cap back to its default in the tool that lowered it"),
    };
    Some(facts.finding(
        "power-limit",
        Severity::Advice,
        phrase!(
            "said.tuning.powerLimit.observed",
            "{gpu}: capped at {limit:.0} W of its default {default:.0} W",
            gpu = gpu.name.clone(),
            limit = limit,
            default = default
        ),
        phrase!("said.tuning.powerLimit.recommended", "the default, {default:.0} W", default = default),
        Some(fix),
    ))
}

/// The GTT against the model's need, or against the kernel default when no model is given.
fn gtt_size(gpu: &GpuSnapshot, ram_total: Option<u64>, need: Option<&ModelNeed>, facts: &Facts) -> TuningFinding {
    let vram = gpu.dedicated_total_bytes.unwrap_or(0);
    let gtt = gpu.shared_total_bytes.unwrap_or(0);
    let ram = ram_total.unwrap_or(0);
    // The guide's ceiling: all of RAM but what the OS keeps, whole GiB.
    let most = ram.saturating_sub(OS_RESERVE) / GIB * GIB;
    let pool = phrase!(
        "said.tuning.gttSize.pool",
        "{gtt:.1} GiB GTT + {vram:.1} GiB VRAM = {total:.1} GiB the GPU can address (mem_info_gtt_total, ttm pages_limit)",
        gtt = gib(gtt),
        vram = gib(vram),
        total = gib(gtt + vram)
    );
    let raise = Some(kernel_parameter_fix(gtt_kernel_parameters(most)));
    let Some(n) = need else {
        // ttm's default is half of RAM; a GTT near it was never raised.
        return if ram > 0 && gtt * 10 <= ram * 6 {
            facts.finding(
                "gtt-size",
                Severity::Advice,
                phrase!("said.tuning.gttSize.observedDefault", "{pool}: the kernel's default, half of RAM", pool = pool),
                phrase!(
                    "said.tuning.gttSize.recommendedMost",
                    "{most:.1} GiB (all of RAM but 4 GiB), so that models up to that size load on the GPU",
                    most = gib(most)
                ),
                raise,
            )
        } else {
            facts.finding(
                "gtt-size",
                Severity::Ok,
                pool,
                phrase!("said.tuning.gttSize.recommendedUpTo", "up to {most:.1} GiB", most = gib(most)),
                None,
            )
        };
    };
    let observed = phrase!(
        "said.tuning.gttSize.observedNeed",
        "{pool}; {model} needs {need:.1} GiB",
        pool = pool,
        model = n.label.clone(),
        need = gib(n.total_bytes)
    );
    if n.total_bytes <= vram + gtt {
        let least = phrase!("said.tuning.gttSize.recommendedAtLeast", "at least {least:.1} GiB", least = gib(n.total_bytes.saturating_sub(vram)));
        return facts.finding("gtt-size", Severity::Ok, observed, least, None);
    }
    let least = n.total_bytes.saturating_sub(vram).div_ceil(GIB) * GIB;
    let recommended = if least > most {
        phrase!(
            "said.tuning.gttSize.recommendedBeyond",
            "more than this machine can give the GPU ({most:.1} GiB at most): a smaller quant or context (`hearth advise`)",
            most = gib(most + vram)
        )
    } else {
        phrase!(
            "said.tuning.gttSize.recommendedRaise",
            "GTT of at least {least:.1} GiB for this model; {most:.1} GiB leaves 4 GiB to the OS",
            least = gib(least),
            most = gib(most)
        )
    };
    facts.finding("gtt-size", Severity::Problem, observed, recommended, raise)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_its_why_and_source() {
        let c = Catalog::builtin();
        for id in [
            "gtt-size",
            "gtt-parameter",
            "bios-carve-out",
            "iommu",
            "platform-profile",
            "cpu-governor",
            "nvidia-driver",
            "kernel",
            "firmware",
            "power-limit",
        ] {
            let f = c.tuning.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("{id} in tuning.toml"));
            assert!(!f.why.is_empty() && !f.source.is_empty(), "{id}");
        }
    }

    #[test]
    fn kernel_releases_are_read_as_versions() {
        assert_eq!(kernel_version("6.18.9-200.fc43.x86_64"), Some((6, 18, 9)));
        assert_eq!(kernel_version("6.8.0-31-generic"), Some((6, 8, 0)));
        assert_eq!(kernel_version("6.19"), Some((6, 19, 0)));
        assert!(kernel_version("6.8.0-31-generic").unwrap() < STRIX_HALO_STABLE_KERNEL);
        assert!(kernel_version("6.18.4-arch1").unwrap() >= STRIX_HALO_STABLE_KERNEL);
        assert_eq!(kernel_version("garbage"), None);
    }

    #[test]
    fn gtt_parameters_are_pages_and_mib_of_the_same_size() {
        // The toolboxes' guide: 124 GiB = 32505856 pages of 4 KiB = 126976 MiB.
        assert_eq!(gtt_kernel_parameters(124 * GIB), "ttm.pages_limit=32505856 ttm.page_pool_size=32505856 amdgpu.gttsize=126976");
    }
}
