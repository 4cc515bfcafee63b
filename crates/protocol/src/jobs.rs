//! The typed JSON-lines protocol of work done in a child `hearth` process (quantize, bench,
//! embed, dry run, pull): any number of `progress` lines, then one `done` with the job's report or
//! one `error`. The CLI writes these lines (`--json` / `--events`), the app reads them back with
//! the same types, so neither side spells an event by hand.

use std::io::Write;

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use ts_rs::TS;

use crate::ErrorPayload;

/// One line of a job's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JobLine<P, R> {
    Progress { progress: P },
    Done { report: R },
    Error { error: ErrorPayload },
}

/// A kind of job: what its progress and its report look like.
pub trait Job {
    type Progress: Serialize + DeserializeOwned + Send + 'static;
    type Report: Serialize + DeserializeOwned + Send + 'static;
    /// Named in messages ("quantizing stopped unexpectedly").
    const WHAT: &'static str;
}

/// Writes one line to stdout and flushes it, so the parent sees progress as it happens. A parent
/// that went away is not an error here: the job finishes (its result is kept where it keeps it).
pub fn write_line<J: Job>(line: &JobLine<J::Progress, J::Report>) {
    let Ok(text) = serde_json::to_string(line) else { return };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Reads one line; `None` for a line that is not this job's protocol (a stray print).
pub fn read_line<J: Job>(text: &str) -> Option<JobLine<J::Progress, J::Report>> {
    serde_json::from_str(text).ok()
}

/// `hearth quantize --json`.
pub struct QuantizeJob;
impl Job for QuantizeJob {
    type Progress = QuantizeEvent;
    type Report = QuantizeDone;
    const WHAT: &'static str = "quantizing";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuantizeEvent {
    /// Writing `output`; `warning` when the source was already quantized.
    Started {
        output: String,
        warning: Option<String>,
    },
    Progress {
        fraction: f32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuantizeDone {
    pub output: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub seconds: f64,
    pub source_type: String,
    pub warning: Option<String>,
}

/// `hearth bench --events`: each step as it starts ("loading", "pp512 1/5", …).
pub struct BenchJob;
impl Job for BenchJob {
    type Progress = BenchStep;
    type Report = crate::BenchReport;
    const WHAT: &'static str = "the benchmark";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchStep {
    pub step: crate::Phrase,
}

/// `hearth embed`: chunks embedded so far, then the query's vector.
pub struct EmbedJob;
impl Job for EmbedJob {
    type Progress = EmbedProgress;
    type Report = EmbedReport;
    const WHAT: &'static str = "embedding";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedProgress {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedReport {
    /// The name vectors are kept under (the model's file name).
    pub model: String,
    pub vector: Option<Vec<f32>>,
}

/// `hearth dry-run --events`: llama.cpp's own allocation figures, no progress.
pub struct DryRunJob;
impl Job for DryRunJob {
    type Progress = ();
    type Report = crate::AllocatedMemory;
    const WHAT: &'static str = "the dry run";
}

/// `hearth models pull --json`.
pub struct PullJob;
impl Job for PullJob {
    type Progress = PullProgressLine;
    type Report = PullDone;
    const WHAT: &'static str = "the download";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullProgressLine {
    pub file: String,
    pub done_bytes: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullDone {
    pub paths: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn lines_round_trip_through_their_types() {
        let lines: Vec<JobLine<QuantizeEvent, QuantizeDone>> = vec![
            JobLine::Progress { progress: QuantizeEvent::Started { output: "/m/x.gguf".into(), warning: None } },
            JobLine::Progress { progress: QuantizeEvent::Progress { fraction: 0.5 } },
            JobLine::Done {
                report: QuantizeDone { output: "/m/x.gguf".into(), size_bytes: 3, seconds: 1.5, source_type: "F16".into(), warning: None },
            },
            JobLine::Error { error: ErrorPayload::new(ErrorCode::DiskFull, "no room") },
        ];
        for line in lines {
            let text = serde_json::to_string(&line).unwrap();
            assert_eq!(read_line::<QuantizeJob>(&text), Some(line), "{text}");
        }
    }

    #[test]
    fn an_error_line_keeps_its_code() {
        let text = r#"{"event":"error","error":{"code":"DISK_FULL","message":"no room"}}"#;
        match read_line::<DryRunJob>(text) {
            Some(JobLine::Error { error }) => assert_eq!(error.code, ErrorCode::DiskFull),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_stray_line_is_not_a_job_line() {
        assert_eq!(read_line::<BenchJob>("loading the model…"), None);
        assert_eq!(read_line::<BenchJob>(r#"{"event":"mystery"}"#), None);
    }
}
