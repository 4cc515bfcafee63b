//! Issue 17: a job child (quantize, benchmark, embed) that goes silent — no progress, no verdict —
//! is stopped after the silence limit with the reason, instead of holding the job for good. A
//! stand-in child (a shell script that says nothing) makes the silence exact; its own test
//! binary, because it points `HEARTH_ENGINE` at that script.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use hearth_core::jobs::{run_job_within, CancelSlot};
use hearth_protocol::jobs::QuantizeJob;
use hearth_protocol::ErrorCode;

#[tokio::test]
async fn a_silent_job_child_is_stopped_after_the_silence_limit() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("silent.sh");
    std::fs::write(&script, "#!/bin/sh\nsleep 120\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("HEARTH_ENGINE", &script);
    let started = Instant::now();
    let err = run_job_within::<QuantizeJob>(&[], &[], dir.path(), &CancelSlot::default(), ErrorCode::QuantizeFailed, Duration::from_secs(1), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::QuantizeFailed, "{err}");
    assert!(err.to_string().contains("made no progress for 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}
