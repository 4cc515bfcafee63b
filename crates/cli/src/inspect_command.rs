//! `hearth inspect MODEL.gguf [--json]`.

use std::path::Path;

use hearth_gguf::GgufFile;

pub fn run(path: &Path, json: bool) -> anyhow::Result<()> {
    let gguf = GgufFile::open_model(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let s = gguf.summary();
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    let opt = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    println!("file          {}", path.display());
    println!("name          {}", s.name.as_deref().unwrap_or("-"));
    println!("architecture  {}", s.architecture.as_deref().unwrap_or("-"));
    println!("file type     {}", s.file_type.as_deref().unwrap_or("-"));
    let shards = if s.shards > 1 { format!(", {} shards", s.shards) } else { String::new() };
    println!("size          {:.1} MiB (GGUF v{}{shards})", s.file_size_bytes as f64 / 1048576.0, s.gguf_version);
    println!("parameters    {:.1} M", s.parameters as f64 / 1e6);
    println!("layers        {}", opt(s.layers));
    println!("heads         {} (KV heads {})", opt(s.heads), opt(s.kv_heads));
    println!("embedding     {}", opt(s.embedding_length));
    println!("context       {}", opt(s.context_length));
    if s.experts.is_some() {
        println!("experts       {} ({} used)", opt(s.experts), opt(s.experts_used));
    }
    println!("vocabulary    {}", opt(s.vocab_size));
    println!("chat template {}", if s.chat_template_present { "present" } else { "absent" });
    println!("tensor types:");
    for q in &s.quant_types {
        println!("  {:<8} {:>4} tensors {:>10.1} MiB {:>5.1}%", q.ggml_type, q.tensors, q.bytes as f64 / 1048576.0, q.share * 100.0);
    }
    Ok(())
}
