//! How much Hearth reads, and what a reader child may use (issue 17). A file over its kind's size
//! is refused before it is hashed or read, with the limit named, so a 3 GB log dropped on a
//! conversation costs nothing; the child that reads an accepted file runs under an address-space
//! and CPU-time limit; and the parent reads the child's lines under a length cap, so no file can
//! make the app (or `hearth ask`) hold more than one page's worth of text from it at a time.

use std::io::Read;
use std::path::Path;

use crate::pages::{file_name, kind_of, DocumentKind};
use crate::DocumentError;

/// PDFs: the largest manuals and books are a few hundred MiB.
pub const MAX_PDF_BYTES: u64 = 1 << 30;
/// Text and Markdown: 32 MiB is some 8 million tokens, far past what retrieval serves well.
pub const MAX_TEXT_BYTES: u64 = 32 << 20;
/// One line from the reader child (a page as JSON); a longer one costs that page.
pub const MAX_LINE_BYTES: u64 = 64 << 20;
/// The reader child's address space: a 1 GiB PDF parses in well under this.
pub const CHILD_ADDRESS_SPACE_BYTES: u64 = 8 << 30;
/// The reader child's CPU time; beyond it the kernel stops it and the page it was on is given up.
pub const CHILD_CPU_SECONDS: u64 = 600;

pub fn max_bytes(kind: DocumentKind) -> u64 {
    match kind {
        DocumentKind::Pdf => MAX_PDF_BYTES,
        DocumentKind::Text | DocumentKind::Markdown => MAX_TEXT_BYTES,
    }
}

/// Refuses a file bigger than its kind allows (the kind from its first bytes, as the reader
/// decides it), reading only those bytes.
pub fn check_size(path: &Path) -> Result<(), DocumentError> {
    let io = |e: std::io::Error| DocumentError::Io { path: path.display().to_string(), message: e.to_string() };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut head = Vec::with_capacity(1024);
    file.by_ref().take(1024).read_to_end(&mut head).map_err(io)?;
    let kind = kind_of(path, &head)?;
    let limit = max_bytes(kind);
    if size > limit {
        return Err(DocumentError::TooLarge { name: file_name(path), size, limit, kind: label(kind).into() });
    }
    Ok(())
}

fn label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Pdf => "PDF",
        DocumentKind::Text => "text",
        DocumentKind::Markdown => "Markdown",
    }
}

/// Applies the child's limits in the child, between fork and exec.
#[cfg(unix)]
pub(crate) fn limit_child(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let limit = |value: u64| libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
    let (address_space, cpu) = (limit(CHILD_ADDRESS_SPACE_BYTES), limit(CHILD_CPU_SECONDS));
    // SAFETY: between fork and exec the closure only calls setrlimit, which is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_AS, &address_space) != 0 || libc::setrlimit(libc::RLIMIT_CPU, &cpu) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
pub(crate) fn limit_child(_command: &mut std::process::Command) {
    // Windows has no rlimits; a Job Object would be the counterpart. The size cap and the page
    // timeout still hold there.
}

/// Human sizes for the refusal.
pub(crate) fn mib(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", (bytes as f64 / (1u64 << 20) as f64).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_its_kinds_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("huge.txt");
        std::fs::write(&big, "2026-12-02 a log line\n").unwrap();
        // Sparse: 3 GiB without the disk.
        std::fs::OpenOptions::new().write(true).open(&big).unwrap().set_len(3 << 30).unwrap();
        let err = check_size(&big).unwrap_err();
        assert!(matches!(err, DocumentError::TooLarge { size, .. } if size == 3 << 30), "{err}");
        let message = err.to_string();
        assert!(message.contains("huge.txt is 3.0 GiB") && message.contains("32 MiB"), "{message}");

        let small = dir.path().join("notes.txt");
        std::fs::write(&small, "a few words").unwrap();
        check_size(&small).unwrap();
    }
}
