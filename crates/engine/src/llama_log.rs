//! llama.cpp's log, captured. llama.cpp reports many failures only as a null pointer and explains
//! them in its log (e.g. "V cache quantization requires flash_attn"). We keep the recent lines in
//! memory, pass warnings and errors to stderr (which the app keeps for crash reports), and turn
//! the relevant lines into the text of our errors.

use std::collections::VecDeque;
use std::ffi::{c_char, c_void, CStr};
use std::sync::{Mutex, Once};

const KEPT_LINES: usize = 400;

/// (sequence number, level, text). Sequence numbers keep counting when old lines rotate out, so
/// a mark taken before a call still finds that call's lines in a full ring.
static LINES: Mutex<VecDeque<(u64, u32, String)>> = Mutex::new(VecDeque::new());
static NEXT_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static BUFFER_REPORTS: Mutex<VecDeque<(u64, String)>> = Mutex::new(VecDeque::new());
const KEPT_BUFFER_REPORTS: usize = 64;
static INSTALL: Once = Once::new();

unsafe extern "C" fn on_log(level: llama_cpp_sys_2::ggml_log_level, text: *const c_char, _: *mut c_void) {
    if text.is_null() {
        return;
    }
    let text = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    let Ok(mut lines) = LINES.lock() else { return };
    if level == llama_cpp_sys_2::GGML_LOG_LEVEL_CONT {
        if let Some(last) = lines.back_mut() {
            last.2.push_str(&text);
            return;
        }
    }
    if is_problem(level) {
        eprint!("llama.cpp: {text}");
    }
    if lines.len() == KEPT_LINES {
        lines.pop_front();
    }
    let seq = NEXT_SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if text.contains(" buffer size =") || text.starts_with("llama_kv_cache: size =") {
        if let Ok(mut reports) = BUFFER_REPORTS.lock() {
            if reports.len() == KEPT_BUFFER_REPORTS {
                reports.pop_front();
            }
            reports.push_back((seq, text.to_string()));
        }
    }
    lines.push_back((seq, level, text.into_owned()));
}

/// Warnings and errors (not debug, info or continuation lines, whose level numbers are higher).
fn is_problem(level: u32) -> bool {
    level == llama_cpp_sys_2::GGML_LOG_LEVEL_WARN || level == llama_cpp_sys_2::GGML_LOG_LEVEL_ERROR
}

/// Routes llama.cpp's and ggml's log into the capture. Idempotent.
pub fn install() {
    INSTALL.call_once(|| unsafe {
        llama_cpp_sys_2::llama_log_set(Some(on_log), std::ptr::null_mut());
        llama_cpp_sys_2::ggml_set_abort_callback(Some(on_abort));
    });
}

/// llama.cpp's fatal checks (GGML_ASSERT, GGML_ABORT) end the process: by default with SIGABRT
/// after ggml attaches a debugger to print a backtrace on the user's terminal. Here they end it
/// with one line naming the check and exit code 1 (the engine's parent shows that line; the CLI
/// stops as it does for any error). Called with ggml's message; never returns.
unsafe extern "C" fn on_abort(message: *const c_char) {
    let text = if message.is_null() { "an internal check failed".into() } else { CStr::from_ptr(message).to_string_lossy() };
    // "…/src/llama-vocab.cpp:2578: GGML_ASSERT(x) failed" → "GGML_ASSERT(x) failed (llama-vocab.cpp:2578)"
    let (place, what) = text.split_once(": ").unwrap_or(("", &text));
    let place = place.rsplit('/').next().unwrap_or(place);
    let line = format!("Error: llama.cpp stopped on an internal check: {what} ({place}); the model file is probably malformed\n");
    libc::write(2, line.as_ptr().cast(), line.len() as _);
    libc::_exit(1);
}

/// A marker for "lines logged after this point".
pub fn mark() -> u64 {
    NEXT_SEQ.load(std::sync::atomic::Ordering::SeqCst)
}

/// Warnings and errors logged since `mark` (best effort: the ring may have rotated).
pub fn problems_since(mark: u64) -> Vec<String> {
    let Ok(lines) = LINES.lock() else { return Vec::new() };
    lines
        .iter()
        .filter(|(seq, level, _)| *seq >= mark && is_problem(*level))
        .map(|(_, _, t)| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The newest line logged since `mark` that `read` makes something of.
pub fn latest_since<T>(mark: u64, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    let lines = LINES.lock().ok()?;
    lines.iter().rev().take_while(|(seq, _, _)| *seq >= mark).find_map(|(_, _, t)| read(t))
}

/// Buffer-size reports ("CPU KV buffer size = 45.00 MiB") logged since `mark`. They are kept
/// apart because one load logs more debug lines than the ring holds.
pub fn buffer_reports_since(mark: u64) -> Vec<String> {
    let Ok(lines) = BUFFER_REPORTS.lock() else { return Vec::new() };
    lines.iter().filter(|(seq, _)| *seq >= mark).map(|(_, t)| t.trim().to_string()).collect()
}

/// Why a llama.cpp call failed, from what it logged since `mark`: (ran out of memory, reason).
/// `api_error` is what the API itself said, used when the log says nothing.
pub fn failure_since(mark: u64, api_error: &str) -> (bool, String) {
    let lines = problems_since(mark);
    (mentions_out_of_memory(&lines), explain(&lines, api_error))
}

/// Whether these log lines say memory ran out.
fn mentions_out_of_memory(lines: &[String]) -> bool {
    lines.iter().any(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("out of memory")
            || l.contains("failed to allocate")
            || l.contains("unable to allocate")
            || l.contains("cudamalloc failed")
            || l.contains("erroroutofdevicememory")
    })
}

/// The log lines joined for an error message, or a fallback when llama.cpp said nothing.
fn explain(lines: &[String], fallback: &str) -> String {
    if lines.is_empty() {
        fallback.to_string()
    } else {
        lines.join("; ")
    }
}
