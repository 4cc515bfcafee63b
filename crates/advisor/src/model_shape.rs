//! The shape of a model as the estimator needs it: its tensors grouped by role (embedding,
//! output, repeating layers, routed experts) with parameter counts, and its attention layout
//! (full and sliding-window layers, values cached per token). Built from a catalog row
//! (architecture numbers) or from a GGUF header (the real tensors, exact types and sizes).

use std::path::Path;

use hearth_gguf::{GgmlType, GgufFile, MetaValue};
use serde::Serialize;

use crate::{AdvisorError, ModelSpec, QuantSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TensorClass {
    TokenEmbd,
    Output,
    /// Attention, dense FFN, shared experts, norms: everything per layer but the routed experts.
    Layer,
    /// Routed experts (`*_exps`).
    Experts,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct TensorGroup {
    pub class: TensorClass,
    pub params: f64,
    /// Parameters of tensors whose rows are not a whole number of 256-blocks: llama.cpp
    /// quantizes those with a 32-block fallback type (Q4_K → Q5_0, Q6_K → Q8_0, IQ4_XS → IQ4_NL …).
    pub unaligned_params: f64,
    /// Bytes as stored in the file this shape was read from (local files only).
    pub file_bytes: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelShape {
    pub name: String,
    /// The catalog id, or the file's path.
    pub id: String,
    pub architecture: String,
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    pub vocab: u32,
    /// FFN width used for activation buffers (the expert FFN for MoE models).
    pub ffn: u32,
    /// Values cached per token per layer (K and V together; the latent for MLA).
    pub kv_values_per_token: f64,
    /// Each attention head's query/key width: with the heads and the depth, what attention
    /// computes per prompt token.
    pub head_dim: f64,
    pub full_layers: u32,
    pub swa_layers: u32,
    pub swa_window: u32,
    pub experts: u32,
    pub experts_used: u32,
    pub tied_embeddings: bool,
    pub native_ctx: u32,
    /// A type the experts keep whatever the quant (gpt-oss: MXFP4).
    pub native_expert_type: Option<String>,
    /// The file's own quant (local files).
    pub file_quant: Option<String>,
    pub groups: Vec<TensorGroup>,
    pub source: String,
}

fn bpw(type_name: &str) -> Result<f64, AdvisorError> {
    GgmlType::from_name(type_name).map(|t| t.bits_per_weight()).ok_or_else(|| AdvisorError::Catalog(format!("unknown ggml type {type_name}")))
}

impl ModelShape {
    pub fn from_catalog(m: &ModelSpec) -> ModelShape {
        let b = 1e9;
        let embd = m.vocab as f64 * m.hidden as f64;
        let output = if m.tied_embeddings { 0.0 } else { embd };
        let experts = match (m.experts, m.expert_ffn, m.experts_layers) {
            (Some(e), Some(f), Some(l)) => l as f64 * e as f64 * 3.0 * m.hidden as f64 * f as f64,
            _ => 0.0,
        };
        let layer = (m.params_total * b - embd - output - experts).max(0.0);
        // Rows are `hidden` long for the embeddings, the output and most layer weights (Q, K, V,
        // gate, up: about two thirds of them); only gpt-oss's 2880 is not a multiple of 256.
        let unaligned = |params: f64, share: f64| if m.hidden.is_multiple_of(256) { 0.0 } else { params * share };
        let group = |class, params: f64, share: f64| TensorGroup { class, params, unaligned_params: unaligned(params, share), file_bytes: None };
        let mut groups = vec![group(TensorClass::TokenEmbd, embd, 1.0), group(TensorClass::Layer, layer, 2.0 / 3.0)];
        if output > 0.0 {
            groups.push(group(TensorClass::Output, output, 1.0));
        }
        if experts > 0.0 {
            groups.push(group(TensorClass::Experts, experts, 2.0 / 3.0));
        }
        let swa_layers = m.swa_layers.unwrap_or(0);
        ModelShape {
            name: m.name.clone(),
            id: m.id.clone(),
            architecture: m.id.clone(),
            layers: m.layers,
            hidden: m.hidden,
            heads: m.heads,
            vocab: m.vocab,
            ffn: m.expert_ffn.unwrap_or(4 * m.hidden),
            kv_values_per_token: m.mla_kv_dim.map_or(2.0 * m.kv_heads as f64 * m.head_dim as f64, f64::from),
            head_dim: m.head_dim as f64,
            full_layers: m.layers - swa_layers,
            swa_layers,
            swa_window: m.swa_window.unwrap_or(0),
            experts: m.experts.unwrap_or(0),
            experts_used: m.experts_used.unwrap_or(0),
            tied_embeddings: m.tied_embeddings,
            native_ctx: m.native_ctx,
            native_expert_type: m.native_expert_type.clone(),
            file_quant: None,
            groups,
            source: m.source.clone(),
        }
    }

    pub fn from_gguf_file(path: &Path) -> Result<ModelShape, AdvisorError> {
        let gguf = GgufFile::open_model(path).map_err(|e| AdvisorError::BadModelFile(path.display().to_string(), e.to_string()))?;
        ModelShape::from_gguf(&gguf, path)
    }

    /// The shape of a GGUF already parsed (from `path`).
    pub fn from_gguf(gguf: &GgufFile, path: &Path) -> Result<ModelShape, AdvisorError> {
        let bad = |e: String| AdvisorError::BadModelFile(path.display().to_string(), e);
        let arch = gguf.architecture().ok_or_else(|| bad("it names no architecture".into()))?.to_string();
        let layers = gguf.arch_u64("block_count").ok_or_else(|| bad("it has no block_count".into()))? as u32;
        let hidden = gguf.arch_u64("embedding_length").unwrap_or(0) as u32;
        let heads = gguf.arch_u64("attention.head_count").unwrap_or(1).max(1) as u32;
        let kv_heads = gguf.arch_u64("attention.head_count_kv").unwrap_or(heads as u64) as f64;
        let key_len = gguf.arch_u64("attention.key_length").map_or(hidden as f64 / heads as f64, |v| v as f64);
        let value_len = gguf.arch_u64("attention.value_length").map_or(key_len, |v| v as f64);
        let kv_values_per_token = match gguf.arch_u64("attention.kv_lora_rank") {
            // MLA (DeepSeek 2/3): the latent plus the rope part is what llama.cpp caches.
            Some(rank) => (rank + gguf.arch_u64("rope.dimension_count").unwrap_or(64)) as f64,
            None => kv_heads * (key_len + value_len),
        };
        let swa_window = gguf.arch_u64("attention.sliding_window").unwrap_or(0) as u32;
        let swa_layers = if swa_window == 0 { 0 } else { swa_layer_count(gguf, &arch, layers) };
        let vocab = match gguf.get("tokenizer.ggml.tokens") {
            Some(MetaValue::LongArray { len, .. }) => *len as u32,
            Some(MetaValue::Array(items)) => items.len() as u32,
            _ => gguf.arch_u64("vocab_size").unwrap_or(0) as u32,
        };
        let experts = gguf.arch_u64("expert_count").unwrap_or(0) as u32;
        let ffn = gguf.arch_u64("expert_feed_forward_length").or_else(|| gguf.arch_u64("feed_forward_length")).unwrap_or(4 * hidden as u64) as u32;

        let mut groups: Vec<TensorGroup> = Vec::new();
        let mut has_output = false;
        for t in &gguf.tensors {
            let class = if t.name == "token_embd.weight" {
                TensorClass::TokenEmbd
            } else if t.name == "output.weight" {
                has_output = true;
                TensorClass::Output
            } else if t.name.contains("_exps") {
                TensorClass::Experts
            } else if t.name.starts_with("blk.") {
                TensorClass::Layer
            } else {
                TensorClass::Other
            };
            // 1-D tensors (norms) stay F32 whatever the quant: they are never "unaligned".
            let unaligned = if t.dims.len() > 1 && !t.dims[0].is_multiple_of(256) { t.elements as f64 } else { 0.0 };
            match groups.iter_mut().find(|g| g.class == class) {
                Some(g) => {
                    g.params += t.elements as f64;
                    g.unaligned_params += unaligned;
                    *g.file_bytes.get_or_insert(0.0) += t.bytes as f64;
                }
                None => groups.push(TensorGroup { class, params: t.elements as f64, unaligned_params: unaligned, file_bytes: Some(t.bytes as f64) }),
            }
        }
        let summary = gguf.summary();
        let native_expert_type =
            gguf.tensors.iter().find(|t| t.name.contains("_exps")).filter(|t| t.ggml_type.name == "MXFP4").map(|t| t.ggml_type.name.to_string());
        Ok(ModelShape {
            name: summary.name.clone().unwrap_or_else(|| path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())),
            id: path.display().to_string(),
            architecture: arch,
            layers,
            hidden,
            heads,
            vocab,
            ffn,
            kv_values_per_token,
            head_dim: key_len,
            full_layers: layers - swa_layers.min(layers),
            swa_layers: swa_layers.min(layers),
            swa_window,
            experts,
            experts_used: gguf.arch_u64("expert_used_count").unwrap_or(0) as u32,
            tied_embeddings: !has_output,
            native_ctx: gguf.arch_u64("context_length").unwrap_or(4096) as u32,
            native_expert_type,
            file_quant: summary.file_type.clone(),
            groups,
            source: format!("GGUF header of {}", path.display()),
        })
    }

    pub fn params(&self, class: TensorClass) -> f64 {
        self.groups.iter().filter(|g| g.class == class).map(|g| g.params).sum()
    }

    pub fn params_total(&self) -> f64 {
        self.groups.iter().map(|g| g.params).sum()
    }

    /// Parameters used per token: everything but the unused experts (and the embedding table, of
    /// which one row is read — unless it doubles as the output matrix).
    pub fn params_active(&self) -> f64 {
        let embd = if self.tied_embeddings { self.params(TensorClass::TokenEmbd) } else { 0.0 };
        self.params(TensorClass::Layer)
            + self.params(TensorClass::Output)
            + embd
            + self.params(TensorClass::Other)
            + self.params(TensorClass::Experts) * self.expert_share()
    }

    /// The share of routed experts one token uses.
    pub fn expert_share(&self) -> f64 {
        if self.experts == 0 {
            1.0
        } else {
            self.experts_used as f64 / self.experts as f64
        }
    }

    pub fn is_moe(&self) -> bool {
        self.experts > 1 && self.params(TensorClass::Experts) > 0.0
    }

    /// Bytes of each tensor group in `quant`, or as stored in the file when `quant` is `None`.
    pub fn group_bytes(&self, class: TensorClass, quant: Option<&QuantSpec>) -> Result<f64, AdvisorError> {
        let mut total = 0.0;
        for g in self.groups.iter().filter(|g| g.class == class) {
            total += match (quant, g.file_bytes) {
                (None, Some(bytes)) => bytes,
                (None, None) => return Err(AdvisorError::InvalidInput(format!("{} has no file to size from; choose a quant", self.name))),
                (Some(q), _) => {
                    let aligned = g.params - g.unaligned_params;
                    (aligned * self.bits_for(class, q)? + g.unaligned_params * self.fallback_bits_for(class, q)?) / 8.0
                }
            };
        }
        Ok(total)
    }

    fn bits_for(&self, class: TensorClass, q: &QuantSpec) -> Result<f64, AdvisorError> {
        Ok(match class {
            // llama.cpp quantizes a tied embedding with the output tensor's type.
            TensorClass::TokenEmbd if self.tied_embeddings => bpw(&q.output_type)?,
            TensorClass::TokenEmbd => bpw(&q.embd_type)?,
            TensorClass::Output => bpw(&q.output_type)?,
            TensorClass::Layer => q.body_bpw,
            TensorClass::Experts => match (&self.native_expert_type, q.id.as_str()) {
                (Some(native), _) => bpw(native)?,
                (None, "MXFP4") => bpw("MXFP4")?,
                _ => q.body_bpw,
            },
            TensorClass::Other => 32.0,
        })
    }

    /// Bits of the tensors whose rows do not fit the type's 256-blocks (llama.cpp's
    /// `tensor_type_fallback`).
    fn fallback_bits_for(&self, class: TensorClass, q: &QuantSpec) -> Result<f64, AdvisorError> {
        let type_name = match class {
            TensorClass::TokenEmbd if self.tied_embeddings => q.output_type.as_str(),
            TensorClass::TokenEmbd => q.embd_type.as_str(),
            TensorClass::Output => q.output_type.as_str(),
            TensorClass::Layer => q.embd_type.as_str(),
            TensorClass::Experts if self.native_expert_type.is_some() || q.id == "MXFP4" => return self.bits_for(class, q),
            TensorClass::Experts => q.embd_type.as_str(),
            TensorClass::Other => return Ok(32.0),
        };
        let fallback = match type_name.to_ascii_uppercase().as_str() {
            "IQ1_S" | "IQ1_M" | "IQ2_XXS" | "IQ2_XS" | "IQ2_S" | "IQ3_XXS" | "IQ3_S" | "IQ4_XS" => "IQ4_NL",
            "Q2_K" | "Q3_K" => "Q4_0",
            "Q4_K" => "Q5_0",
            "Q5_K" => "Q5_1",
            "Q6_K" => "Q8_0",
            // 32-block and float types fit any row llama.cpp can load.
            _ => return self.bits_for(class, q),
        };
        bpw(fallback)
    }

    /// All weights in `quant` (or as stored).
    pub fn weights_bytes(&self, quant: Option<&QuantSpec>) -> Result<f64, AdvisorError> {
        let mut total = 0.0;
        for class in [TensorClass::TokenEmbd, TensorClass::Output, TensorClass::Layer, TensorClass::Experts, TensorClass::Other] {
            total += self.group_bytes(class, quant)?;
        }
        Ok(total)
    }

    /// Weight bytes read to generate one token.
    pub fn active_weight_bytes(&self, quant: Option<&QuantSpec>) -> Result<f64, AdvisorError> {
        let embd = if self.tied_embeddings { self.group_bytes(TensorClass::TokenEmbd, quant)? } else { 0.0 };
        Ok(self.group_bytes(TensorClass::Layer, quant)?
            + self.group_bytes(TensorClass::Output, quant)?
            + embd
            + self.group_bytes(TensorClass::Experts, quant)? * self.expert_share())
    }
}

/// How many layers use sliding-window attention, by llama.cpp's layout for the architecture.
fn swa_layer_count(gguf: &GgufFile, arch: &str, layers: u32) -> u32 {
    if let Some(pattern) = gguf.arch_u64("attention.sliding_window_pattern").filter(|p| *p > 0) {
        // Every `pattern`-th layer is full attention.
        return layers - layers / pattern as u32;
    }
    match arch {
        // llama.cpp: gemma3 uses a 5:1 pattern (every sixth layer full).
        "gemma3" | "gemma3n" => layers - layers / 6,
        // Alternating sliding / full.
        "gemma2" | "gpt-oss" | "cohere2" => layers / 2,
        _ => 0,
    }
}
