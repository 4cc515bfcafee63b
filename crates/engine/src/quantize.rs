//! Making a quant of a GGUF with llama.cpp's quantize API (`llama_model_quantize`). The input is
//! validated first; an already-quantized source needs the caller's consent (each requantization
//! loses quality on top of the last); free disk space is checked against the advisor's size
//! estimate; the output is written under a temporary name and moved into place only when it is
//! a valid GGUF, so a failed or interrupted run never leaves a broken model in the library.
//! Progress comes from llama.cpp's own per-tensor log lines ("[ 12/ 272] blk.0.attn_q.weight …").

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth_gguf::{file_type_id, GgufFile};
use serde::Serialize;

use crate::loaded_model::backend;
use crate::memory_check::size_text;
use crate::{llama_log, EngineError};

#[derive(Debug, Clone)]
pub struct QuantizeRequest {
    pub input: PathBuf,
    /// The file type to make, as llama.cpp names it (`Q4_K_M`, `IQ4_XS`, `MXFP4` …).
    pub quant: String,
    /// Where to write; beside the input, named after the quant, when `None`.
    pub output: Option<PathBuf>,
    /// The user agreed to quantize an already-quantized file.
    pub allow_requantize: bool,
    pub threads: Option<u32>,
}

/// What a running quantization reports.
pub enum QuantizeStep<'a> {
    /// Checks passed; the result is being written to `output` + `.part`.
    Started { output: &'a Path, warning: Option<&'a str> },
    /// Share of the tensors done.
    Progress(f32),
}

#[derive(Debug, Clone, Serialize)]
pub struct QuantizeReport {
    pub output: PathBuf,
    pub size_bytes: u64,
    pub seconds: f64,
    /// The source's own type, e.g. `F16` or `Q4_1`.
    pub source_type: String,
    /// Set when the source was already quantized.
    pub warning: Option<String>,
}

/// Types a quant can be made from without compounding a previous quantization's loss.
const FLOAT_TYPES: [&str; 3] = ["F32", "F16", "BF16"];

/// The source's dominant type and, when it is already quantized, the warning the user must accept.
pub fn source_check(gguf: &GgufFile, target: &str) -> (String, Option<String>) {
    let summary = gguf.summary();
    let source = summary.file_type.clone().or_else(|| summary.quant_types.first().map(|q| q.ggml_type.clone())).unwrap_or_else(|| "unknown".into());
    let dominant = summary.quant_types.first().map_or("F32", |q| q.ggml_type.as_str());
    if FLOAT_TYPES.contains(&dominant) {
        return (source, None);
    }
    let warning = if source == "Q8_0" {
        format!("the source is Q8_0, already quantized: a {target} made from it loses a little more quality than one made from F16/BF16")
    } else {
        format!("the source is {source}, already quantized: a {target} made from it compounds two quantizations and loses noticeably more quality than one made from F16/BF16")
    };
    (source, Some(warning))
}

/// `model-Q4_K_M.gguf` beside `model-F16.gguf` (the source's quant suffix replaced, if it has one).
pub fn default_output(input: &Path, quant: &str, source_type: &str) -> PathBuf {
    let stem = input.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let base = [format!("-{source_type}"), format!(".{source_type}"), format!("_{source_type}")]
        .iter()
        .find_map(|suffix| stem.strip_suffix(suffix.as_str()).or_else(|| stem.strip_suffix(suffix.to_lowercase().as_str())))
        .unwrap_or(&stem)
        .to_string();
    input.with_file_name(format!("{base}-{quant}.gguf"))
}

/// Expected size of the result: the advisor's estimate for catalog quants, else the source's size.
fn expected_bytes(gguf: &GgufFile, input: &Path, quant: &str) -> u64 {
    let catalog = hearth_advisor::Catalog::builtin();
    match (hearth_advisor::ModelShape::from_gguf(gguf, input), catalog.quant(quant)) {
        (Ok(shape), Ok(q)) => shape.weights_bytes(Some(q)).map_or(gguf.file_size, |b| b as u64 + gguf.data_offset),
        _ => gguf.file_size,
    }
}

#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    let c = CString::new(dir.as_os_str().as_encoded_bytes()).ok()?;
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    (unsafe { libc::statvfs(c.as_ptr(), &mut s) } == 0).then(|| s.f_bavail as u64 * s.f_frsize as u64)
}

/// Not known on Windows (no `statvfs`): the space check is skipped there and a full disk ends
/// the quantization with llama.cpp's write error.
#[cfg(not(unix))]
fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

/// "[  12/ 272] blk.0.attn_q.weight …" → 12/272.
fn tensor_progress(line: &str) -> Option<f32> {
    let inner = line.trim_start().strip_prefix('[')?.split(']').next()?;
    let (done, total) = inner.split_once('/')?;
    let (done, total): (f32, f32) = (done.trim().parse().ok()?, total.trim().parse().ok()?);
    (total > 0.0).then(|| (done / total).clamp(0.0, 1.0))
}

pub fn quantize(req: &QuantizeRequest, mut report: impl FnMut(QuantizeStep)) -> Result<QuantizeReport, EngineError> {
    backend()?;
    let started = Instant::now();
    let name = req.input.display().to_string();
    let gguf = GgufFile::open_model(&req.input).map_err(|e| EngineError::InvalidModel(format!("{name} is not a usable GGUF model: {e}")))?;
    let ftype = file_type_id(&req.quant).ok_or_else(|| {
        let known: Vec<&str> = (0..64).filter_map(hearth_gguf::file_type_name).collect();
        EngineError::QuantizeFailed(format!("unknown quant type '{}'; llama.cpp makes {}", req.quant, known.join(", ")))
    })?;
    let (source_type, warning) = source_check(&gguf, &req.quant);
    if let Some(w) = &warning {
        if !req.allow_requantize {
            return Err(EngineError::RequantizeNeedsConsent(format!("{w}. Allow requantizing to go on anyway.")));
        }
    }
    let output = req.output.clone().unwrap_or_else(|| default_output(&req.input, &req.quant, &source_type));
    if output.exists() {
        return Err(EngineError::QuantizeFailed(format!("{} already exists; remove it or choose another name", output.display())));
    }
    let dir = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let need = expected_bytes(&gguf, &req.input, &req.quant);
    if let Some(free) = free_bytes(dir) {
        // 5% more than the estimate: the estimate of a mixed quant is not exact.
        if free < need + need / 20 {
            return Err(EngineError::DiskFull(format!(
                "{} needs about {} in {} but only {} is free",
                output.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                size_text(need),
                dir.display(),
                size_text(free)
            )));
        }
    }
    let part = output.with_extension("gguf.part");
    report(QuantizeStep::Started { output: &output, warning: warning.as_deref() });
    let c_in =
        CString::new(req.input.as_os_str().as_encoded_bytes()).map_err(|_| EngineError::QuantizeFailed("the input path has a NUL byte".into()))?;
    let c_out =
        CString::new(part.as_os_str().as_encoded_bytes()).map_err(|_| EngineError::QuantizeFailed("the output path has a NUL byte".into()))?;
    let (allow_requantize, nthread) = (req.allow_requantize, req.threads.map_or(0, |t| t as i32));

    // llama.cpp reports each tensor in its log; a watcher turns the newest report into progress.
    let mark = llama_log::mark();
    let done = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel::<f32>();
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut last = -1.0f32;
            while !done.load(Ordering::SeqCst) {
                if let Some(f) = llama_log::latest_since(mark, tensor_progress) {
                    if f > last {
                        last = f;
                        let _ = tx.send(f);
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let run = std::thread::spawn(move || unsafe {
        let mut params = llama_cpp_sys_2::llama_model_quantize_default_params();
        params.ftype = ftype as _;
        params.allow_requantize = allow_requantize;
        params.nthread = nthread;
        llama_cpp_sys_2::llama_model_quantize(c_in.as_ptr(), c_out.as_ptr(), &params)
    });
    let mut reported = 0.0f32;
    while !run.is_finished() {
        if let Ok(f) = rx.recv_timeout(Duration::from_millis(100)) {
            reported = f;
            report(QuantizeStep::Progress(f));
        }
    }
    let rc = run.join().map_err(|_| EngineError::QuantizeFailed("llama.cpp's quantizer panicked".into()))?;
    done.store(true, Ordering::SeqCst);
    let _ = watcher.join();
    if rc != 0 {
        let _ = std::fs::remove_file(&part);
        let (_, why) = llama_log::failure_since(mark, "llama.cpp reported a failure");
        return Err(EngineError::QuantizeFailed(why));
    }
    // Only a complete, valid GGUF takes the final name.
    if let Err(e) = GgufFile::open(&part) {
        let _ = std::fs::remove_file(&part);
        return Err(EngineError::QuantizeFailed(format!("the result is not a valid GGUF ({e}); it was removed")));
    }
    std::fs::rename(&part, &output).map_err(|e| EngineError::QuantizeFailed(format!("could not move the result into place: {e}")))?;
    if reported < 1.0 {
        report(QuantizeStep::Progress(1.0));
    }
    let size_bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    Ok(QuantizeReport { output, size_bytes, seconds: started.elapsed().as_secs_f64(), source_type, warning })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_cpp_tensor_lines_become_progress() {
        assert_eq!(tensor_progress("[  68/ 272]                   blk.7.attn_q.weight - [  576,   576], type = q4_1"), Some(0.25));
        assert_eq!(tensor_progress("llama_model_quantize_impl: model size = 92 MiB"), None);
    }

    #[test]
    fn the_output_is_named_after_the_quant() {
        assert_eq!(
            default_output(Path::new("/m/SmolLM2-135M-Instruct.Q4_1.gguf"), "Q8_0", "Q4_1"),
            PathBuf::from("/m/SmolLM2-135M-Instruct-Q8_0.gguf")
        );
        assert_eq!(default_output(Path::new("/m/gpt-oss-20b-F16.gguf"), "MXFP4", "F16"), PathBuf::from("/m/gpt-oss-20b-MXFP4.gguf"));
        assert_eq!(default_output(Path::new("/m/model.gguf"), "Q4_K_M", "BF16"), PathBuf::from("/m/model-Q4_K_M.gguf"));
    }
}
