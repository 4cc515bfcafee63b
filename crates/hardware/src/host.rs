//! Host settings the community's tuning guides change, read as they are: the kernel command
//! line (`/proc/cmdline`), the kernel release (`/proc/sys/kernel/osrelease`), ttm's page limit,
//! the CPU frequency governors, the ACPI platform (power) profile and the NVIDIA kernel driver's
//! version (`/proc/driver/nvidia/version`). Judging them is the advisor's job (`tuning`); this
//! only reads, from [`Roots`], so a machine can be replayed.

use crate::{sysfs, Roots};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSettings {
    pub kernel_cmdline: Option<String>,
    pub kernel_release: Option<String>,
    /// Each scaling governor in use, once (e.g. `["powersave"]`).
    pub cpu_governors: Vec<String>,
    /// The scaling driver (`amd-pstate-epp`, `intel_pstate`, `acpi-cpufreq` …), where there is one.
    pub cpu_scaling_driver: Option<String>,
    /// `/sys/firmware/acpi/platform_profile` (`low-power`, `balanced`, `performance` …).
    pub platform_profile: Option<String>,
    /// The profiles this machine offers (`platform_profile_choices`).
    pub platform_profile_choices: Vec<String>,
    /// The NVIDIA kernel module's version (e.g. `580.95.05`).
    pub nvidia_driver: Option<String>,
    /// The GPU firmware package and its version (`linux-firmware 20251125-1.fc43`), from dpkg's
    /// status file or pacman's local database (in a replayed tree: under `var/lib` beside its
    /// `proc`) or, on this machine, `rpm -q`.
    pub firmware_package: Option<FirmwarePackage>,
}

/// An installed package and its version, as the package manager says.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmwarePackage {
    pub name: String,
    pub version: String,
}

impl std::fmt::Display for FirmwarePackage {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} {}", self.name, self.version)
    }
}

impl HostSettings {
    /// The value of `name=` on the kernel command line, where it is set (the last one wins, as
    /// the kernel reads it).
    pub fn kernel_parameter(&self, name: &str) -> Option<&str> {
        let cmdline = self.kernel_cmdline.as_deref()?;
        cmdline.split_whitespace().rev().find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
    }
}

pub fn read(roots: &Roots) -> HostSettings {
    let cpus = sysfs::entries(&roots.sysfs.join("devices/system/cpu"), "cpu");
    let mut cpu_governors: Vec<String> = Vec::new();
    let mut cpu_scaling_driver = None;
    // cpu0, cpu1 … (not cpufreq, cpuidle).
    let numbered = |p: &&std::path::PathBuf| p.file_name().is_some_and(|n| n.to_string_lossy()[3..].parse::<u32>().is_ok());
    for cpu in cpus.iter().filter(numbered) {
        if let Some(g) = sysfs::text(&cpu.join("cpufreq/scaling_governor")) {
            if !cpu_governors.contains(&g) {
                cpu_governors.push(g);
            }
        }
        cpu_scaling_driver = cpu_scaling_driver.or_else(|| sysfs::text(&cpu.join("cpufreq/scaling_driver")));
    }
    HostSettings {
        kernel_cmdline: sysfs::text(&roots.proc.join("cmdline")),
        kernel_release: sysfs::text(&roots.proc.join("sys/kernel/osrelease")),
        cpu_governors,
        cpu_scaling_driver,
        platform_profile: sysfs::text(&roots.sysfs.join("firmware/acpi/platform_profile")),
        platform_profile_choices: sysfs::text(&roots.sysfs.join("firmware/acpi/platform_profile_choices"))
            .map(|c| c.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        nvidia_driver: sysfs::text(&roots.proc.join("driver/nvidia/version")).and_then(|v| nvidia_version(&v)),
        firmware_package: firmware_package(roots),
    }
}

/// Packages that carry amdgpu's firmware: Ubuntu's and Fedora's `linux-firmware` (Fedora splits
/// out `amd-gpu-firmware`, Arch `linux-firmware-amdgpu` since its vendor split of 20250613, per
/// the arch-dev-public announcement), Debian's `firmware-amd-graphics`.
const FIRMWARE_PACKAGES: &[&str] = &["linux-firmware-amdgpu", "linux-firmware", "amd-gpu-firmware", "firmware-amd-graphics"];

fn firmware_package(roots: &Roots) -> Option<FirmwarePackage> {
    let system = roots.proc == std::path::Path::new("/proc");
    let root = if system { std::path::PathBuf::from("/") } else { roots.proc.parent()?.to_path_buf() };
    if let Ok(text) = std::fs::read_to_string(root.join("var/lib/dpkg/status")) {
        return dpkg_installed(&text, FIRMWARE_PACKAGES);
    }
    if let Some(found) = pacman_installed(&root.join("var/lib/pacman/local"), FIRMWARE_PACKAGES) {
        return Some(found);
    }
    if !system {
        return None;
    }
    // rpm's database is not plain text: ask rpm, where there is one.
    FIRMWARE_PACKAGES.iter().find_map(|name| {
        let out = std::process::Command::new("rpm").args(["-q", "--qf", "%{VERSION}-%{RELEASE}", name]).output().ok()?;
        let version = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !version.trim().is_empty()).then(|| FirmwarePackage { name: name.to_string(), version: version.trim().to_string() })
    })
}

/// The first of `names` installed according to a dpkg status file.
fn dpkg_installed(status: &str, names: &[&str]) -> Option<FirmwarePackage> {
    let installed = status.split("\n\n").filter_map(|stanza| {
        let field = |key: &str| stanza.lines().find_map(|l| l.strip_prefix(key).map(str::trim));
        let (name, version) = (field("Package:")?, field("Version:")?);
        field("Status:")?.ends_with(" installed").then(|| FirmwarePackage { name: name.to_string(), version: version.to_string() })
    });
    first_of(names, installed)
}

/// Of the `installed` packages, the one earliest in `names`.
fn first_of(names: &[&str], installed: impl Iterator<Item = FirmwarePackage>) -> Option<FirmwarePackage> {
    installed.filter_map(|p| Some((names.iter().position(|n| *n == p.name)?, p))).min_by_key(|(rank, _)| *rank).map(|(_, p)| p)
}

/// The first of `names` in pacman's local database (Arch, Manjaro, CachyOS): one directory per
/// installed package, its `desc` holding `%NAME%` and `%VERSION%`.
fn pacman_installed(local: &std::path::Path, names: &[&str]) -> Option<FirmwarePackage> {
    let installed = std::fs::read_dir(local).ok()?.flatten().filter_map(|entry| {
        let desc = std::fs::read_to_string(entry.path().join("desc")).ok()?;
        let field = |key: &str| {
            let mut lines = desc.lines();
            lines.find(|l| l.trim() == key)?;
            lines.next().map(|v| v.trim().to_string())
        };
        Some(FirmwarePackage { name: field("%NAME%")?, version: field("%VERSION%")? })
    });
    first_of(names, installed)
}

/// `NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build …` → `580.95.05`.
fn nvidia_version(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("NVRM version:"))?;
    line.split_whitespace()
        .find(|w| w.contains('.') && w.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_firmware_package_is_read_from_pacmans_local_database() {
        let local = std::env::temp_dir().join(format!("hearth-pacman-{}", std::process::id()));
        let add = |dir: &str, desc: &str| {
            std::fs::create_dir_all(local.join(dir)).unwrap();
            std::fs::write(local.join(dir).join("desc"), desc).unwrap();
        };
        add("bash-5.3.3-2", "%NAME%\nbash\n\n%VERSION%\n5.3.3-2\n");
        add(
            "linux-firmware-20251125.b4a7c1f-1",
            "%FILENAME%\nlinux-firmware-20251125.b4a7c1f-1-any.pkg.tar.zst\n\n%NAME%\nlinux-firmware\n\n%VERSION%\n20251125.b4a7c1f-1\n",
        );
        add("linux-firmware-amdgpu-20251125.b4a7c1f-1", "%NAME%\nlinux-firmware-amdgpu\n\n%VERSION%\n20251125.b4a7c1f-1\n");
        let found = pacman_installed(&local, FIRMWARE_PACKAGES).map(|p| p.to_string());
        std::fs::remove_dir_all(&local).unwrap();
        // The amdgpu split package first: it is the one holding the GPU's firmware.
        assert_eq!(found.as_deref(), Some("linux-firmware-amdgpu 20251125.b4a7c1f-1"));
        assert_eq!(pacman_installed(std::path::Path::new("/nonexistent"), FIRMWARE_PACKAGES), None);
    }

    #[test]
    fn the_firmware_package_is_read_from_dpkg_status() {
        let status = "Package: bash\nStatus: install ok installed\nVersion: 5.2\n\nPackage: firmware-amd-graphics\nStatus: deinstall ok config-files\nVersion: 20230210-5\n\nPackage: linux-firmware\nStatus: install ok installed\nVersion: 20240318.git3b128b60-0ubuntu2.11\n";
        assert_eq!(
            dpkg_installed(status, FIRMWARE_PACKAGES).map(|p| p.to_string()).as_deref(),
            Some("linux-firmware 20240318.git3b128b60-0ubuntu2.11")
        );
        assert_eq!(dpkg_installed("Package: bash\nStatus: install ok installed\nVersion: 5.2\n", FIRMWARE_PACKAGES), None);
    }

    #[test]
    fn the_driver_version_and_kernel_parameters_are_read_as_written() {
        let v = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build  (dvs-builder@U22-I3-AF03-09-1)  Tue Sep 23 09:32:11 UTC 2025\nGCC version:  gcc version 12.2.0";
        assert_eq!(nvidia_version(v).as_deref(), Some("580.95.05"));
        assert_eq!(nvidia_version("GCC version: 12.2.0"), None);
        let h = HostSettings {
            kernel_cmdline: Some("BOOT_IMAGE=/vmlinuz ro amd_iommu=off ttm.pages_limit=1 ttm.pages_limit=32505856 quiet".into()),
            ..Default::default()
        };
        assert_eq!(h.kernel_parameter("ttm.pages_limit"), Some("32505856"));
        assert_eq!(h.kernel_parameter("amd_iommu"), Some("off"));
        assert_eq!(h.kernel_parameter("iommu"), None, "not a prefix match");
    }
}
