//! `hearth ask DOC [DOC...] QUESTION [--model M] [--json] [--retrieve-only]`: questions about
//! documents, answered with page citations. Documents are indexed into Hearth's database (once
//! per file content; read by `hearth extract` children), the passages that match are retrieved,
//! and the model answers from them. A document small enough for the context is given whole.
//! Also `hearth extract FILE`, the child that reads a document's pages.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context};
use clap::Args;
use hearth_documents::hybrid::fuse;
use hearth_documents::{cited_pages, index_file, question_prompt, whole_documents, Extractor, TokenCounter};
use hearth_engine::embeddings::Embedder;
use hearth_engine::{Engine, GenerationRequest};

use crate::chat_command::Printer;
use hearth_protocol::{ChatMessage, Role, SamplingSettings, TemplateChoice};
use hearth_store::{HearthHome, Passage, Store};

#[derive(Args)]
pub struct AskArgs {
    /// The documents (PDF, text, Markdown), then the question.
    #[arg(required = true, num_args = 2.., value_name = "DOC... QUESTION")]
    items: Vec<String>,
    /// The GGUF model that answers (and whose tokenizer sizes the chunks).
    #[arg(long)]
    model: Option<PathBuf>,
    /// An embedding model (GGUF): retrieval then fuses BM25 with embedding similarity (reciprocal
    /// rank fusion). Chunks are embedded once per model and kept in the database.
    #[arg(long = "embedding-model")]
    embedding_model: Option<PathBuf>,
    /// Print the retrieved passages, best first, without running a model.
    #[arg(long = "retrieve-only")]
    retrieve_only: bool,
    /// Passages to retrieve.
    #[arg(long, default_value_t = 5)]
    top: usize,
    #[arg(long, value_parser = crate::placement_args::context_length())]
    ctx: Option<u32>,
    #[arg(long = "max-tokens", default_value_t = 384)]
    max_tokens: u32,
    /// Temperature; answers are greedy (0) unless asked.
    #[arg(long, default_value_t = 0.0)]
    temp: f32,
    #[arg(long, default_value_t = 1)]
    seed: u32,
    #[arg(long)]
    threads: Option<u32>,
    #[command(flatten)]
    placement: crate::placement_args::PlacementArgs,
    /// How hard a reasoning model thinks (gpt-oss: low, medium, high).
    #[arg(long = "reasoning-effort")]
    reasoning_effort: Option<hearth_protocol::ReasoningEffort>,
    /// Speculative decoding: `ngram` drafts from the passages in the prompt, which answers
    /// quote (greedy answers only; the text is the same), `none` decodes one token at a time.
    /// (Without it: the model's saved setting, else none.)
    /// A draft model: the path of a smaller GGUF with this model's vocabulary (loaded beside
    /// it; refused with the reason when its vocabulary differs).
    #[arg(long, value_parser = crate::placement_args::parse_draft, value_name = "none|ngram|FILE")]
    draft: Option<crate::placement_args::DraftArg>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ExtractArgs {
    file: PathBuf,
    #[arg(long = "first-page", default_value_t = 1)]
    first_page: u32,
}

pub fn extract(a: ExtractArgs) -> anyhow::Result<()> {
    Ok(hearth_documents::serve_extraction(&a.file, a.first_page, std::io::stdout().lock())?)
}

/// The child extractor: this very binary.
pub fn extractor() -> anyhow::Result<Extractor> {
    Ok(Extractor::new(std::env::current_exe().context("cannot find the hearth binary")?, &["extract"]))
}

fn passage_json(p: &Passage) -> serde_json::Value {
    serde_json::json!({"document": p.document, "page": p.page, "text": p.text, "score": p.score})
}

pub fn run(a: AskArgs) -> anyhow::Result<()> {
    let (question, docs) = a.items.split_last().expect("clap requires two items");
    let store = Store::open(&HearthHome::from_env().database())?;
    let counter = match &a.model {
        Some(m) => TokenCounter::for_model(m)?,
        None => TokenCounter::Estimate,
    };
    let extractor = extractor()?;
    let never = AtomicBool::new(false);
    let mut records = Vec::new();
    for doc in docs {
        let path = Path::new(doc);
        let record = index_file(
            || &store,
            path,
            &extractor,
            &counter,
            &never,
            |p| {
                if p.stage == "reading" && (p.page == p.pages || p.page % 50 == 0) {
                    eprintln!("[{}: page {} of {}]", p.document, p.page, p.pages);
                }
            },
        )
        .map_err(|e| anyhow::anyhow!("{}", e.payload().message))?;
        if !record.unreadable_pages.is_empty() {
            eprintln!("[{}: pages {:?} could not be read]", record.name, record.unreadable_pages);
        }
        records.push(record);
    }
    let ids: Vec<i64> = records.iter().map(|d| d.id).collect();
    let retrieve = |limit: usize| -> anyhow::Result<Vec<Passage>> {
        let Some(embedding_model) = &a.embedding_model else { return Ok(store.search_chunks(question, &ids, limit)?) };
        let embedder = Embedder::load(embedding_model, a.threads)?;
        let key = embedding_model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let missing = store.chunks_without_embedding(&ids, &key)?;
        if !missing.is_empty() {
            eprintln!("[embedding {} chunks with {key}]", missing.len());
            for batch in missing.chunks(32) {
                let texts: Vec<String> = batch.iter().map(|p| p.text.clone()).collect();
                let vectors = embedder.embed(&texts)?;
                store.put_embeddings(&key, &batch.iter().map(|p| p.chunk_id).zip(vectors).collect::<Vec<_>>())?;
            }
        }
        let query = embedder.embed(&[question.to_string()])?.remove(0);
        let pool = limit.max(20);
        let dense = store.nearest_chunks(&ids, &key, &query, pool)?;
        let bm25 = store.search_chunks(question, &ids, pool)?;
        Ok(fuse(&[&bm25, &dense], limit))
    };

    if a.retrieve_only {
        let passages = retrieve(a.top)?;
        if a.json {
            println!("{}", serde_json::Value::Array(passages.iter().map(passage_json).collect()));
        } else {
            for p in &passages {
                println!("[{} p. {}] ({:.2})\n{}\n", p.document, p.page, p.score, p.text);
            }
        }
        return Ok(());
    }

    let Some(model) = &a.model else { bail!("--model is needed to answer (or --retrieve-only to print the passages)") };
    let mut engine = Engine::new()?;
    let settings = crate::placement_args::launch_settings_for(
        model,
        &hearth_core::settings::SettingsOverrides {
            draft: a.draft.as_ref().map(|d| d.kind),
            draft_model: a.draft.as_ref().and_then(|d| d.model.clone()),
            ..a.placement.overrides(a.ctx, a.threads)
        },
    )?;
    let info = engine.load(model, &settings, |_| true)?;
    // Room for the answer and the chat template's own tokens.
    let budget = info.context_length.saturating_sub(a.max_tokens + 96);
    let total: u32 = records.iter().map(|d| d.tokens).sum();
    let whole = total + total / 10 < budget;
    let candidates: Vec<Passage> = if whole { whole_documents(&store, &records, &counter)? } else { retrieve(a.top.max(12))? };
    let prompt = question_prompt(question, &candidates, budget, &counter);
    let req = GenerationRequest {
        messages: vec![ChatMessage::new(Role::User, prompt.message.clone())],
        sampling: SamplingSettings {
            temperature: Some(a.temp),
            seed: Some(a.seed),
            max_tokens: Some(a.max_tokens),
            reasoning_effort: a.reasoning_effort,
            ..Default::default()
        },
        template: TemplateChoice::Model,
        keep_state_as: None,
    };
    let mut answer = Printer::new(!a.json);
    let stats = engine.generate(&req, &mut answer)?;
    answer.finish();
    let citations = cited_pages(&answer.text, &prompt.sources);
    if a.json {
        let out = serde_json::json!({
            "answer": answer.text,
            "reasoning": answer.reasoning,
            "citations": citations,
            "passages": prompt.sources.iter().map(passage_json).collect::<Vec<_>>(),
            "whole_documents": whole,
            "model": info.name,
            "prompt_tokens": stats.prompt_tokens,
            "gen_tokens": stats.gen_tokens,
            "ttft_ms": stats.ttft_ms,
            "tg_tps": stats.tg_tps,
            "draft": stats.draft,
            "tokenizer": counter.describe(),
        });
        println!("{out}");
    } else {
        println!();
        for c in &citations {
            let how = if c.inferred { " (inferred: the passage this answer draws on)" } else { "" };
            println!("[{}] {}, page {}{how}", c.label, c.document, c.page);
        }
    }
    Ok(())
}
