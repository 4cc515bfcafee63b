//! `hearth embed --model E.gguf [--documents ID,ID] [--query TEXT]`: the embedding child the app
//! runs for hybrid retrieval (llama.cpp stays out of the app's process). Embeds the chunks of the
//! given documents that have no vector from this model yet (into Hearth's database), then the
//! query; JSON lines: `{"event":"progress","done":N,"total":M}`…, then
//! `{"event":"done","report":{"model":KEY,"vector":[…]|null}}` or `{"event":"error","error":{code,message}}`.

use std::path::PathBuf;

use clap::Args;
use hearth_engine::embeddings::Embedder;
use hearth_protocol::{ErrorCode, ErrorPayload};
use hearth_store::{HearthHome, Store};

use hearth_protocol::jobs::{write_line, EmbedJob, EmbedProgress, EmbedReport, JobLine};

#[derive(Args)]
pub struct EmbedArgs {
    #[arg(long)]
    model: PathBuf,
    /// Documents (ids in Hearth's database) whose chunks to embed.
    #[arg(long, value_delimiter = ',')]
    documents: Vec<i64>,
    #[arg(long)]
    query: Option<String>,
    #[arg(long)]
    threads: Option<u32>,
}

/// The name vectors are kept under: the model's file name.
pub fn model_key(model: &std::path::Path) -> String {
    model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

pub fn run(a: EmbedArgs) -> anyhow::Result<()> {
    if let Err(error) = embed(&a) {
        write_line::<EmbedJob>(&JobLine::Error { error });
        std::process::exit(1);
    }
    Ok(())
}

fn embed(a: &EmbedArgs) -> Result<(), ErrorPayload> {
    let embedder = Embedder::load(&a.model, a.threads).map_err(|e| e.payload())?;
    let key = model_key(&a.model);
    let store = Store::open(&HearthHome::from_env().database()).map_err(|e| e.payload())?;
    if !a.documents.is_empty() {
        let missing = store.chunks_without_embedding(&a.documents, &key).map_err(|e| e.payload())?;
        let total = missing.len();
        for (i, batch) in missing.chunks(16).enumerate() {
            let progress = EmbedProgress { done: (i * 16) as u64, total: total as u64 };
            write_line::<EmbedJob>(&JobLine::Progress { progress });
            let texts: Vec<String> = batch.iter().map(|p| p.text.clone()).collect();
            let vectors = embedder.embed(&texts).map_err(|e| e.payload())?;
            store.put_embeddings(&key, &batch.iter().map(|p| p.chunk_id).zip(vectors).collect::<Vec<_>>()).map_err(|e| e.payload())?;
        }
    }
    let vector = match &a.query {
        Some(q) => Some(embedder.embed(std::slice::from_ref(q)).map_err(|e| e.payload())?.remove(0)),
        None => None,
    };
    if vector.as_ref().is_some_and(|v| v.iter().all(|x| *x == 0.0)) {
        return Err(ErrorPayload::new(ErrorCode::BadRequest, "the query has no tokens to embed"));
    }
    write_line::<EmbedJob>(&JobLine::Done { report: EmbedReport { model: key, vector } });
    Ok(())
}
