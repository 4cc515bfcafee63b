//! Host tuning checks: the settings the Strix Halo and DGX Spark guides change (GTT size, BIOS
//! carve-out, IOMMU, power profile, CPU governor, NVIDIA driver), judged on a hardware snapshot
//! and the host's settings, optionally against what a model at a context needs. Each finding
//! says what was read, what it should be, the exact change and why, with the source of the
//! why from `catalog/tuning.toml`. Pure: the caller reads the machine (`hearth_hardware`).

use hearth_hardware::{GpuSnapshot, HardwareSnapshot, HostSettings, MemoryKind};
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
}

/// What a model needs from the GPU, for the GTT check.
#[derive(Debug, Clone)]
pub struct ModelNeed {
    /// How the model is named to the user (`gpt-oss-120b at 32768 tokens`).
    pub label: String,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TuningReport {
    pub kernel_release: Option<String>,
    /// The model and context the memory checks were made against, where one was given.
    pub model: Option<String>,
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
fn kernel_parameter_fix(params: &str) -> String {
    format!(
        "add `{params}` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run `sudo update-grub` (Debian, Ubuntu) or `sudo grub2-mkconfig -o /boot/grub2/grub.cfg` (Fedora), then reboot"
    )
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / GIB as f64)
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
                format!("amdgpu.gttsize={gttsize} on the kernel command line, no ttm.pages_limit"),
                "ttm.pages_limit (and ttm.page_pool_size) set to the same size".into(),
                Some(kernel_parameter_fix(&params)),
            ));
        }
        if let Some(carve_out) = gpu.dedicated_total_bytes {
            findings.push(if carve_out > SMALL_CARVE_OUT {
                finding(
                    "bios-carve-out",
                    Severity::Advice,
                    format!("{} reserved for the GPU in the BIOS (amdgpu mem_info_vram_total)", gib(carve_out)),
                    "512 MB, the GPU's memory coming from RAM through the GTT".into(),
                    Some("in the BIOS/UEFI setup, set the UMA frame buffer size (named \"iGPU Memory\", \"UMA Frame Buffer Size\" or \"VRAM Size\" by vendor) to its minimum (512M), then raise the GTT (see the GTT check)".into()),
                )
            } else {
                finding("bios-carve-out", Severity::Ok, format!("{} reserved in the BIOS", gib(carve_out)), "512 MB".into(), None)
            });
        }
        if gpu.name.contains("Strix Halo") {
            if let Some(release) = &host.kernel_release {
                findings.push(match kernel_version(release) {
                    Some(v) if v < STRIX_HALO_STABLE_KERNEL => finding(
                        "kernel",
                        Severity::Advice,
                        format!("{release} (/proc/sys/kernel/osrelease)"),
                        "6.18.4 or newer".into(),
                        Some("install your distribution's newer kernel (Fedora 43's 6.18 line; Ubuntu's HWE or mainline 6.18+), then reboot".into()),
                    ),
                    _ => finding("kernel", Severity::Ok, release.clone(), "6.18.4 or newer".into(), None),
                });
            }
            if let Some(package) = &host.firmware_package {
                findings.push(if package.version.starts_with(BROKEN_STRIX_HALO_FIRMWARE) {
                    finding(
                        "firmware",
                        Severity::Problem,
                        package.to_string(),
                        "20260110 or newer, or back to 20251111".into(),
                        Some("update the firmware package (`sudo dnf upgrade linux-firmware`, `sudo apt upgrade`) to 20260110 or newer, or downgrade it to 20251111, then rebuild the initramfs (`sudo dracut -f` or `sudo update-initramfs -u`) and reboot".into()),
                    )
                } else {
                    finding("firmware", Severity::Ok, package.to_string(), "not 20251125".into(), None)
                });
            }
        }
        if host.kernel_cmdline.is_some() {
            findings.push(if host.kernel_parameter("amd_iommu") == Some("off") {
                finding("iommu", Severity::Ok, "amd_iommu=off".into(), "amd_iommu=off".into(), None)
            } else {
                let now = host
                    .kernel_parameter("amd_iommu")
                    .map_or_else(|| "on (no amd_iommu= on the kernel command line)".to_string(), |v| format!("amd_iommu={v}"));
                finding(
                    "iommu",
                    Severity::Advice,
                    now,
                    "amd_iommu=off, unless you need device passthrough or DMA protection".into(),
                    Some(kernel_parameter_fix("amd_iommu=off")),
                )
            });
        }
    }
    if let Some(profile) = &host.platform_profile {
        const FULL_POWER: [&str; 2] = ["performance", "max-power"];
        let best = FULL_POWER.into_iter().find(|p| host.platform_profile_choices.iter().any(|c| c == p)).unwrap_or("performance");
        findings.push(if FULL_POWER.contains(&profile.as_str()) {
            finding("platform-profile", Severity::Ok, profile.clone(), best.into(), None)
        } else {
            finding(
                "platform-profile",
                Severity::Advice,
                format!("{profile} (/sys/firmware/acpi/platform_profile)"),
                format!("{best} while running models"),
                Some(format!(
                    "`powerprofilesctl set performance` (power-profiles-daemon), or `echo {best} | sudo tee /sys/firmware/acpi/platform_profile`"
                )),
            )
        });
    }
    if !host.cpu_governors.is_empty() {
        let all_performance = host.cpu_governors.iter().all(|g| g == "performance");
        let driver = host.cpu_scaling_driver.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        findings.push(if all_performance {
            finding("cpu-governor", Severity::Ok, format!("performance{driver}"), "performance".into(), None)
        } else {
            finding(
                "cpu-governor",
                Severity::Advice,
                format!("{}{driver}", host.cpu_governors.join(", ")),
                "performance while running models".into(),
                Some("`sudo cpupower frequency-set -g performance` (package linux-cpupower or kernel-tools); for good, the tuned profile `accelerator-performance` or a systemd unit".into()),
            )
        });
    }
    if let Some(version) = &host.nvidia_driver {
        let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
        findings.push(match major {
            Some(m) if m < 525 => finding(
                "nvidia-driver",
                Severity::Problem,
                format!("{version} (/proc/driver/nvidia/version)"),
                "580 or newer (CUDA 13.x; 525 at least for CUDA 12.x)".into(),
                Some(
                    "install a newer driver from your distribution (e.g. `sudo apt install nvidia-driver`) or NVIDIA's repository, then reboot"
                        .into(),
                ),
            ),
            Some(m) if m < 580 => finding(
                "nvidia-driver",
                Severity::Ok,
                format!("{version}: runs CUDA 12.x backends; CUDA 13.x needs 580"),
                "580 or newer for CUDA 13.x".into(),
                None,
            ),
            _ => finding("nvidia-driver", Severity::Ok, version.clone(), "580 or newer".into(), None),
        });
    }
    findings.sort_by_key(|f| match f.severity {
        Severity::Problem => 0,
        Severity::Advice => 1,
        Severity::Ok => 2,
    });
    TuningReport {
        kernel_release: host.kernel_release.clone(),
        model: need.map(|n| n.label.clone()),
        model_need_bytes: need.map(|n| n.total_bytes),
        findings,
    }
}

/// The catalog's text for each check.
struct Facts<'a>(&'a Catalog);

impl Facts<'_> {
    fn finding(&self, id: &str, severity: Severity, observed: String, recommended: String, fix: Option<String>) -> TuningFinding {
        let fact = self.0.tuning.iter().find(|f| f.id == id).expect("every check has its catalog entry (tested)");
        TuningFinding {
            id: id.into(),
            title: fact.title.clone(),
            severity,
            observed,
            recommended,
            fix,
            why: fact.why.clone(),
            source: fact.source.clone(),
        }
    }
}

/// The GTT against the model's need, or against the kernel default when no model is given.
fn gtt_size(gpu: &GpuSnapshot, ram_total: Option<u64>, need: Option<&ModelNeed>, facts: &Facts) -> TuningFinding {
    let vram = gpu.dedicated_total_bytes.unwrap_or(0);
    let gtt = gpu.shared_total_bytes.unwrap_or(0);
    let ram = ram_total.unwrap_or(0);
    // The guide's ceiling: all of RAM but what the OS keeps, whole GiB.
    let most = ram.saturating_sub(OS_RESERVE) / GIB * GIB;
    let observed = format!("{} GTT + {} VRAM = {} the GPU can address (mem_info_gtt_total, ttm pages_limit)", gib(gtt), gib(vram), gib(gtt + vram));
    let raise = Some(kernel_parameter_fix(&gtt_kernel_parameters(most)));
    let Some(n) = need else {
        // ttm's default is half of RAM; a GTT near it was never raised.
        return if ram > 0 && gtt * 10 <= ram * 6 {
            facts.finding(
                "gtt-size",
                Severity::Advice,
                format!("{observed}: the kernel's default, half of RAM"),
                format!("{} (all of RAM but 4 GiB), so that models up to that size load on the GPU", gib(most)),
                raise,
            )
        } else {
            facts.finding("gtt-size", Severity::Ok, observed, format!("up to {}", gib(most)), None)
        };
    };
    let observed = format!("{observed}; {} needs {}", n.label, gib(n.total_bytes));
    if n.total_bytes <= vram + gtt {
        return facts.finding("gtt-size", Severity::Ok, observed, format!("at least {}", gib(n.total_bytes.saturating_sub(vram))), None);
    }
    let least = n.total_bytes.saturating_sub(vram).div_ceil(GIB) * GIB;
    let recommended = if least > most {
        format!("more than this machine can give the GPU ({} at most): a smaller quant or context (`hearth advise`)", gib(most + vram))
    } else {
        format!("GTT of at least {} for this model; {} leaves 4 GiB to the OS", gib(least), gib(most))
    };
    facts.finding("gtt-size", Severity::Problem, observed, recommended, raise)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_its_why_and_source() {
        let c = Catalog::builtin();
        for id in ["gtt-size", "gtt-parameter", "bios-carve-out", "iommu", "platform-profile", "cpu-governor", "nvidia-driver", "kernel", "firmware"]
        {
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
