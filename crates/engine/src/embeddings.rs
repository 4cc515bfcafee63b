//! Text embeddings with a GGUF model, in this process: an embedding model (nomic-embed, bge,
//! e5 …) with its own pooling, or any other model averaged over its tokens. Vectors come back
//! normalized, so that a dot product is the cosine similarity. Used for hybrid retrieval over
//! documents (`hearth ask --embedding-model`), and `/v1/embeddings` of `hearth serve` with the
//! loaded chat model (`Engine::embed`).

use std::num::NonZeroU32;
use std::path::Path;

use llama_cpp_2::context::params::{LlamaContextParams, LlamaPoolingType};
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;

use crate::loaded_model::{backend, default_threads};
use crate::{llama_log, EngineError};

/// Tokens of a text that are embedded (longer texts are cut; chunks are ~256 tokens).
const MAX_TOKENS: usize = 512;

pub struct Embedder {
    model: LlamaModel,
    threads: u32,
}

impl Embedder {
    pub fn load(path: &Path, threads: Option<u32>) -> Result<Embedder, EngineError> {
        if !path.is_file() {
            return Err(EngineError::ModelNotFound(path.display().to_string()));
        }
        let mark = llama_log::mark();
        let model = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
            .map_err(|e| EngineError::LoadFailed(llama_log::failure_since(mark, &e.to_string()).1))?;
        Ok(Embedder { model, threads: threads.unwrap_or_else(default_threads).max(1) })
    }

    pub fn dimensions(&self) -> usize {
        self.model.n_embd() as usize
    }

    /// How many tokens llama.cpp makes of `text` with this model's vocabulary (no BOS).
    pub fn token_count(&self, text: &str) -> usize {
        self.model.vocab().tokenize(text.as_bytes(), false, false).len()
    }

    /// One normalized vector per text, in order.
    pub fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EngineError> {
        Ok(embed_texts(&self.model, self.threads, texts)?.0)
    }
}

/// One normalized vector per text with `model`, in order, and the tokens they took; a context
/// of its own (the chat context stays as it is, KV cache included).
pub(crate) fn embed_texts(model: &LlamaModel, threads: u32, texts: &[String]) -> Result<(Vec<Vec<f32>>, u32), EngineError> {
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(MAX_TOKENS as u32 + 8))
        .with_n_batch(MAX_TOKENS as u32 + 8)
        .with_n_ubatch(MAX_TOKENS as u32 + 8)
        .with_n_threads(threads as i32)
        .with_n_threads_batch(threads as i32)
        .with_embeddings(true)
        // The model's own pooling when it is an embedding model; Mean for the others.
        .with_pooling_type(LlamaPoolingType::Mean);
    let mark = llama_log::mark();
    let mut ctx = model.new_context(backend()?, params).map_err(|e| EngineError::ContextFailed(llama_log::failure_since(mark, &e.to_string()).1))?;
    let vocab = model.vocab();
    let dimensions = model.n_embd() as usize;
    let mut batch = LlamaBatch::new(MAX_TOKENS + 8, 1);
    let mut out = Vec::with_capacity(texts.len());
    let mut used = 0u32;
    for text in texts {
        let mut tokens = vocab.tokenize(text.as_bytes(), true, false);
        tokens.truncate(MAX_TOKENS);
        if tokens.is_empty() {
            out.push(vec![0.0; dimensions]);
            continue;
        }
        used += tokens.len() as u32;
        ctx.clear_kv_cache();
        batch.clear();
        // Pooling reads every token's output: all are marked as outputs.
        for (i, t) in tokens.into_iter().enumerate() {
            batch.add(t, i as i32, &[0], true).map_err(|e| EngineError::Internal(e.to_string()))?;
        }
        let mark = llama_log::mark();
        ctx.decode(&mut batch).map_err(|e| EngineError::DecodeFailed(llama_log::failure_since(mark, &e.to_string()).1))?;
        let v = ctx.embeddings_seq_ith(0).map_err(|e| EngineError::Internal(format!("no embedding: {e}")))?;
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
        out.push(v.iter().map(|x| x / norm).collect());
    }
    Ok((out, used))
}

impl crate::Engine {
    /// Vectors from the loaded model (`hearth serve`'s `/v1/embeddings`), and the tokens used.
    pub fn embed(&self, texts: &[String]) -> Result<(Vec<Vec<f32>>, u32), EngineError> {
        let loaded = self.loaded.as_ref().ok_or(EngineError::NoModel)?;
        embed_texts(&loaded.model, loaded.info.threads, texts)
    }
}
