//! How much Hearth reads, and what a reader child may use (issue 17). A file over its kind's size
//! is refused before it is hashed or read, with the limit named, so a 3 GB log dropped on a
//! conversation costs nothing; the child that reads an accepted file runs under an address-space
//! and CPU-time limit (rlimits on Unix, a Job Object on Windows); and the parent reads the child's lines under a length cap, so no file can
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
    // Before opening: a pipe would block the open for ever, and a folder's error read "Is a
    // directory (os error 21)".
    let file_type = std::fs::metadata(path).map_err(io)?.file_type();
    if !file_type.is_file() {
        let message =
            if file_type.is_dir() { "it is a folder: add the documents in it" } else { "it is a special file (a pipe or a device), not a document" };
        return Err(DocumentError::Io { path: path.display().to_string(), message: message.into() });
    }
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
    // Windows has no rlimits: the limits come after the start (`limit_spawned`).
}

/// What keeps a started child's limits (on Windows its Job Object; nothing elsewhere, the limits
/// were set before exec). Dropped after the child ended.
pub(crate) struct ChildLimits {
    #[cfg(windows)]
    job: Option<windows_sys::Win32::Foundation::HANDLE>,
}

/// Puts a started child under the same limits on Windows: a Job Object with a per-process memory
/// and user-time limit, killing the child when the job is closed (so it dies with its owner).
/// The child runs a moment before it is assigned; it has read nothing of the file by then.
#[cfg(windows)]
pub(crate) fn limit_spawned(child: &std::process::Child) -> ChildLimits {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Foundation::CloseHandle;
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation, SetInformationJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JOB_OBJECT_LIMIT_PROCESS_MEMORY, JOB_OBJECT_LIMIT_PROCESS_TIME,
    };
    // SAFETY: plain Win32 calls on a job handle this function owns and on the child's live
    // process handle; the limit structure is zeroed (valid for it) and its size is passed.
    unsafe {
        let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
        if job.is_null() {
            return ChildLimits { job: None };
        }
        let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY | JOB_OBJECT_LIMIT_PROCESS_TIME | JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        info.ProcessMemoryLimit = CHILD_ADDRESS_SPACE_BYTES as usize;
        // In 100-nanosecond units.
        info.BasicLimitInformation.PerProcessUserTimeLimit = (CHILD_CPU_SECONDS * 10_000_000) as i64;
        let set = SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            &info as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION as *const std::ffi::c_void,
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        );
        if set == 0 || AssignProcessToJobObject(job, child.as_raw_handle() as _) == 0 {
            CloseHandle(job);
            return ChildLimits { job: None };
        }
        ChildLimits { job: Some(job) }
    }
}

#[cfg(not(windows))]
pub(crate) fn limit_spawned(_child: &std::process::Child) -> ChildLimits {
    ChildLimits {}
}

#[cfg(windows)]
impl Drop for ChildLimits {
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            // SAFETY: the handle came from CreateJobObjectW and is closed once.
            unsafe { windows_sys::Win32::Foundation::CloseHandle(job) };
        }
    }
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
