//! A fatal check inside llama.cpp (GGML_ASSERT, GGML_ABORT) ends the process with one readable
//! line and exit code 1: no SIGABRT, no debugger backtrace on the user's terminal. Regression
//! (issue 15): a gpt-oss fixture whose vocabulary listed a token twice made `hearth chat` print a
//! gdb backtrace and die by SIGABRT. The test runs itself as a child that calls ggml_abort.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

const CHILD: &str = "HEARTH_TEST_ABORT_CHILD";

#[test]
fn a_llama_cpp_abort_is_one_line_and_exit_code_1() {
    if std::env::var_os(CHILD).is_some() {
        hearth_engine::Engine::new().unwrap();
        // SAFETY: a plain C call with NUL-terminated strings; it never returns.
        unsafe { llama_cpp_sys_2::ggml_abort(c"ggml/src/ggml.c".as_ptr(), 42, c"GGML_ASSERT(%s) failed".as_ptr(), c"n_tokens > 0".as_ptr()) };
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_llama_cpp_abort_is_one_line_and_exit_code_1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), None, "died by a signal: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Error: llama.cpp stopped on an internal check: GGML_ASSERT(n_tokens > 0) failed (ggml.c:42)"), "{stderr}");
    assert!(!stderr.contains("#0 ") && !stderr.contains("backtrace"), "a backtrace was printed: {stderr}");
}
