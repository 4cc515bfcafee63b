//! What `hearth inspect` prints: the facts a user needs about a GGUF before loading it.

use serde::Serialize;

use crate::{file_type_name, GgufFile, MetaValue};

/// Bytes of one tensor type and their share of all tensor data.
#[derive(Debug, Clone, Serialize)]
pub struct QuantShare {
    pub ggml_type: String,
    pub tensors: u32,
    pub bytes: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    pub name: Option<String>,
    pub architecture: Option<String>,
    pub file_type: Option<String>,
    pub gguf_version: u32,
    pub file_size_bytes: u64,
    /// 1, or how many files a split model is.
    pub shards: u32,
    pub parameters: u64,
    pub tensor_count: usize,
    pub quant_types: Vec<QuantShare>,
    pub layers: Option<u64>,
    pub heads: Option<u64>,
    pub kv_heads: Option<u64>,
    pub embedding_length: Option<u64>,
    pub context_length: Option<u64>,
    pub experts: Option<u64>,
    pub experts_used: Option<u64>,
    pub vocab_size: Option<u64>,
    pub chat_template_present: bool,
}

impl GgufFile {
    pub fn summary(&self) -> ModelSummary {
        let mut by_type: Vec<QuantShare> = Vec::new();
        for t in &self.tensors {
            match by_type.iter_mut().find(|q| q.ggml_type == t.ggml_type.name) {
                Some(q) => {
                    q.tensors += 1;
                    q.bytes += t.bytes;
                }
                None => by_type.push(QuantShare { ggml_type: t.ggml_type.name.to_string(), tensors: 1, bytes: t.bytes, share: 0.0 }),
            }
        }
        let total: u64 = by_type.iter().map(|q| q.bytes).sum();
        for q in &mut by_type {
            q.share = if total == 0 { 0.0 } else { q.bytes as f64 / total as f64 };
        }
        by_type.sort_by_key(|q| std::cmp::Reverse(q.bytes));

        let str_of = |k: &str| self.get(k).and_then(MetaValue::as_str).map(str::to_string);
        let vocab_size = match self.get("tokenizer.ggml.tokens") {
            Some(MetaValue::LongArray { len, .. }) => Some(*len),
            Some(MetaValue::Array(items)) => Some(items.len() as u64),
            _ => None,
        };
        ModelSummary {
            name: str_of("general.name"),
            architecture: self.architecture().map(str::to_string),
            file_type: self
                .get("general.file_type")
                .and_then(MetaValue::as_u64)
                .map(|f| file_type_name(f as u32).map_or_else(|| format!("unknown ({f})"), str::to_string)),
            gguf_version: self.version,
            file_size_bytes: self.file_size,
            shards: self.shard_count,
            parameters: self.tensors.iter().map(|t| t.elements).sum(),
            tensor_count: self.tensors.len(),
            quant_types: by_type,
            layers: self.arch_u64("block_count"),
            heads: self.arch_u64("attention.head_count"),
            kv_heads: self.arch_u64("attention.head_count_kv").or_else(|| self.arch_u64("attention.head_count")),
            embedding_length: self.arch_u64("embedding_length"),
            context_length: self.arch_u64("context_length"),
            experts: self.arch_u64("expert_count"),
            experts_used: self.arch_u64("expert_used_count"),
            vocab_size,
            chat_template_present: self.get("tokenizer.chat_template").is_some(),
        }
    }
}
