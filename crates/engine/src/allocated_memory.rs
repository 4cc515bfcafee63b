//! What llama.cpp really allocated for a load, read from the buffer sizes it logs while loading
//! the weights and creating the context ("CPU_Mapped model buffer size = 93.85 MiB", "CUDA0 KV
//! buffer size = …", "CPU compute buffer size = …", "CPU  output buffer size = …"). The log is
//! llama.cpp's only per-buffer report that covers every backend; the advisor's estimates are
//! checked against these figures.

use hearth_protocol::AllocatedMemory;

/// Sums the buffer sizes in these log lines, by kind. Lines that are not buffer reports are skipped.
/// In a dry run (`no_alloc`) the KV buffers are dummies of 0 bytes; the cache's own size report
/// ("llama_kv_cache: size = 45.00 MiB (2048 cells, …)") gives the KV figure then.
pub fn from_log(lines: &[String]) -> AllocatedMemory {
    let mut memory = AllocatedMemory::default();
    let mut kv_reported = 0;
    for line in lines {
        if let Some(rest) = line.strip_prefix("llama_kv_cache: size =") {
            kv_reported += rest.split('(').next().and_then(parse_size).unwrap_or(0);
            continue;
        }
        let Some((label, size)) = line.split_once(" buffer size =") else { continue };
        let Some(bytes) = parse_size(size) else { continue };
        let kind = label.split_whitespace().last().unwrap_or("");
        if kind == "model" {
            memory.weights_bytes += bytes;
            let buffer = label.split_whitespace().rev().nth(1).unwrap_or("?").trim_end_matches(':').to_string();
            *memory.weights_by_buffer.entry(buffer).or_default() += bytes;
        } else if kind == "KV" {
            memory.kv_bytes += bytes;
        } else if kind == "compute" || kind == "output" {
            memory.compute_bytes += bytes;
        }
    }
    if memory.kv_bytes == 0 {
        memory.kv_bytes = kv_reported;
    }
    memory
}

/// "   93.85 MiB" → bytes.
fn parse_size(text: &str) -> Option<u64> {
    let mut parts = text.split_whitespace();
    let value: f64 = parts.next()?.parse().ok()?;
    let unit = match parts.next()? {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((value * unit).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_the_buffers_llama_cpp_reports_by_kind() {
        let lines: Vec<String> = [
            "load_tensors:   CPU_Mapped model buffer size =    93.85 MiB",
            "load_tensors:        CUDA0 model buffer size =  1024.00 MiB",
            "llama_kv_cache:        CPU KV buffer size =    45.00 MiB",
            "llama_context:        CPU  output buffer size =     0.19 MiB",
            "llama_context:        CPU compute buffer size =   100.50 MiB",
            "llama_context: graph nodes  = 966",
            "print_info: file size   = 93.85 MiB (5.81 BPW)",
        ]
        .map(String::from)
        .to_vec();
        let m = from_log(&lines);
        assert_eq!(m.weights_bytes, ((93.85 + 1024.0) * 1048576.0f64).round() as u64);
        assert_eq!(m.kv_bytes, 45 * 1048576);
        assert_eq!(m.compute_bytes, ((100.50 + 0.19) * 1048576.0f64).round() as u64);
        assert_eq!(m.weights_by_buffer["CPU_Mapped"], (93.85 * 1048576.0f64).round() as u64);
        assert_eq!(m.weights_by_buffer["CUDA0"], 1024 * 1048576);
    }

    #[test]
    fn a_dry_run_takes_the_kv_size_from_the_cache_report() {
        let lines: Vec<String> = [
            "llama_kv_cache:        CPU KV buffer size =     0.00 MiB",
            "llama_kv_cache: size =    6.00 MiB (  2048 cells,   3 layers,  1/1 seqs), K (f16):    3.00 MiB, V (f16):    3.00 MiB",
            "llama_kv_cache:        CPU KV buffer size =     0.00 MiB",
            "llama_kv_cache: size =   15.00 MiB (  1024 cells,  15 layers,  1/1 seqs), K (f16):    7.50 MiB, V (f16):    7.50 MiB",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(from_log(&lines).kv_bytes, 21 * 1048576);
        // In a real load the buffers are what counts (the report describes the same bytes).
        let real: Vec<String> =
            ["llama_kv_cache:        CPU KV buffer size =    45.00 MiB", "llama_kv_cache: size =   45.00 MiB (  2048 cells,  30 layers,  1/1 seqs)"]
                .map(String::from)
                .to_vec();
        assert_eq!(from_log(&real).kv_bytes, 45 * 1048576);
    }
}
