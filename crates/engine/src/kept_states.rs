//! Sequence states kept between answers (issue 21). After an answer the conversation's KV cache
//! and the token ids it covers are copied out of llama.cpp: into memory (the last few
//! conversations) and, on a writer thread off the answer's path, to disk. A prompt that starts
//! with a kept state's tokens restores that state and decodes only the rest, after a switch to
//! another conversation, a reload or a restart.
//!
//! The same goes for the API's requests, which carry no conversation: when a request takes a
//! sequence (one of `slots.rs`'s slots, or the lone one) whose cells it would mostly throw away,
//! those cells are copied into memory first, and a request that shares more with a copy than
//! with the sequence's own cells has it restored into that sequence, whichever sequence the copy
//! came from (as llama-server's host-memory prompt cache, `--cache-ram`, does). Clients that ask
//! the same questions, or about the same document, then read it once between them.
//!
//! A state is valid only for what shaped it: the model file (size and a hash of its header), the
//! settings that shape the cache (context, KV type, flash attention, ubatch, devices), llama.cpp's
//! build, and the template (`model_key`, and each state's `template`); its token ids are compared
//! one by one with the new prompt's. Anything that differs means the prompt is read again, never
//! a wrong answer. A file that fails its checks is deleted with a log line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, OnceLock};

use hearth_gguf::GgufFile;
use hearth_prompt_cache::StateHeader;
use hearth_protocol::{ModelSettings, PromptCacheSettings, ReusedFrom, TemplateChoice};
use llama_cpp_2::context::session::LlamaStateSeqFlags;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::token::LlamaToken;
use sha2::{Digest, Sha256};

/// States kept in memory. A few conversations at once: each holds its whole KV cache (about
/// 90 MB for 4,000 tokens of SmolLM2, 1.2 GB for 32K of gpt-oss-120b).
const MEMORY_STATES: usize = 4;
/// Besides those, the API's requests' states (they have no file to fall back on): the oldest go
/// first, before any conversation's when memory runs over.
const UNTAGGED_STATES: usize = 32;
const MEMORY_BYTES: usize = 4 << 30;
/// Nobody's state larger than this is not copied out (the copy would take most of the memory
/// kept, and its time would hold every running answer); llama-server likewise skips a state over
/// its limit.
const UNTAGGED_MAX_BYTES: usize = MEMORY_BYTES / 4;
/// A kept state is restored only when it saves at least one token for every this many tokens it
/// holds, and at least `MIN_GAIN`: copying a token's cells in costs microseconds (tens of KB: about
/// 22 KB for SmolLM2, as the 90 MB per 4,000 tokens above; 36 KB for gpt-oss-120b, 2 KB in each of
/// its 18 full-attention layers, ../shared/reference/models.tsv), reading it again a share of a
/// forward pass (gpt-oss-120b's prompt speed: 1,938 tok/s on a DGX Spark, 720 on a Strix Halo,
/// ../shared/reference/calibration_benchmarks.tsv; 0.5 and 1.4 ms a token).
const RESTORE_TOKENS_PER_GAINED: usize = 32;
const MIN_GAIN: usize = 4;
/// An untagged sequence (an API request's) is copied out before it is overwritten when that
/// loses at least half of it, and at least this many tokens (llama-server keeps a slot's prompt
/// on the same condition).
const KEEP_MIN_LOST: usize = 16;

struct Kept {
    tag: Option<String>,
    template: String,
    tokens: Vec<LlamaToken>,
    bytes: Arc<Vec<u8>>,
}

struct OnDisk {
    tag: String,
    template: String,
    tokens: Vec<LlamaToken>,
    path: PathBuf,
}

/// Who a sequence's cells belong to, and whether a copy of them is already kept.
struct Live {
    tag: Option<String>,
    template: String,
    kept: bool,
}

impl Default for Live {
    /// Nobody's, with nothing to copy out (an empty sequence, or one whose cells were lost).
    fn default() -> Live {
        Live { tag: None, template: String::new(), kept: true }
    }
}

enum WriterJob {
    Write {
        dir: PathBuf,
        header: StateHeader,
        bytes: Arc<Vec<u8>>,
        budget: u64,
    },
    Forget {
        dir: PathBuf,
        tag: String,
    },
    /// Answered when every job before it is done.
    Flush(mpsc::Sender<()>),
}

static WRITER: OnceLock<mpsc::Sender<WriterJob>> = OnceLock::new();

pub(crate) struct KeptStates {
    model_key: String,
    disk: Option<PromptCacheSettings>,
    memory: Vec<Kept>,
    on_disk: Vec<OnDisk>,
    /// By sequence: 0 is the lone answer's and the app's slot; 1.. the other slots.
    live: Vec<Live>,
}

/// A state chosen to restore, by index.
enum Source {
    Memory(usize),
    Disk(usize),
}

/// A state chosen to restore, taken out of its list.
enum Chosen {
    Memory(Kept),
    Disk(OnDisk),
}

/// What the template choice is, as a state records it.
pub(crate) fn template_id(template: &TemplateChoice) -> String {
    serde_json::to_string(template).unwrap_or_default()
}

/// The number of leading tokens two sequences share.
pub(crate) fn common_prefix(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The key a state is valid under: this model file with these cache-shaping settings, in this
/// build of llama.cpp.
pub(crate) fn model_key(path: &Path, gguf: &GgufFile, settings: &ModelSettings, n_ctx: u32, n_ubatch: u32, placement: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hearth-state-1\0");
    h.update(llama_build().as_bytes());
    h.update(gguf.file_size.to_le_bytes());
    h.update(u64::from(gguf.shard_count).to_le_bytes());
    // The header: metadata (vocabulary, template, shapes) and the tensor table with its types
    // and offsets. Weights changed in place without a new header are not looked for.
    let mut header = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(gguf.data_offset.min(256 << 20)).read_to_end(&mut header);
    }
    h.update(&header);
    let shape = serde_json::json!({
        "n_ctx": n_ctx,
        "n_ubatch": n_ubatch,
        "kv": settings.kv_cache_type,
        "flash_attention": settings.flash_attention,
        "swa_full": false,
        "devices": settings.devices,
        "placement": placement,
    });
    let mut shape = shape;
    if let Some(slots) = settings.parallel.filter(|&p| p > 1) {
        // Each slot's share of the cache: a state must fit the one it goes back into.
        shape["parallel"] = slots.into();
    }
    h.update(shape.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The ggml this engine runs (a state's byte layout is llama.cpp's own), and this Hearth.
fn llama_build() -> String {
    let text =
        |p: *const std::ffi::c_char| if p.is_null() { String::new() } else { unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned() };
    // SAFETY: both return static strings.
    let (version, commit) = unsafe { (text(llama_cpp_sys_2::ggml_version()), text(llama_cpp_sys_2::ggml_commit())) };
    format!("ggml {version} {commit}, hearth {}", env!("CARGO_PKG_VERSION"))
}

/// Waits (at most `limit`) for the states being written: before the engine exits, so that the
/// last answer's state is on disk for the next start.
pub fn flush(limit: std::time::Duration) {
    let Some(writer) = WRITER.get() else { return };
    let (tx, rx) = mpsc::channel();
    if writer.send(WriterJob::Flush(tx)).is_ok() {
        let _ = rx.recv_timeout(limit);
    }
}

fn writer() -> &'static mpsc::Sender<WriterJob> {
    WRITER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<WriterJob>();
        std::thread::Builder::new()
            .name("state-writer".into())
            .spawn(move || {
                for job in rx {
                    match job {
                        WriterJob::Write { dir, header, bytes, budget } => match hearth_prompt_cache::write(&dir, header, &bytes) {
                            Ok(path) => {
                                for gone in hearth_prompt_cache::evict_to(&dir, budget, Some(&path)) {
                                    eprintln!("hearth: kept state {} dropped for the disk budget", gone.display());
                                }
                            }
                            Err(e) => eprintln!("hearth: a state could not be saved in {}: {e}", dir.display()),
                        },
                        WriterJob::Forget { dir, tag } => {
                            hearth_prompt_cache::remove_tag(&dir, &tag);
                        }
                        WriterJob::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })
            .expect("a thread starts");
        tx
    })
}

impl KeptStates {
    /// The states for a newly loaded model: none in memory, the disk's indexed by their headers.
    pub(crate) fn new(model_key: String, disk: Option<PromptCacheSettings>) -> KeptStates {
        let mut on_disk = Vec::new();
        if let Some(d) = &disk {
            for file in hearth_prompt_cache::list(&d.dir) {
                if !file.path.to_string_lossy().ends_with(&format!("-{}.state", &model_key[..16])) {
                    continue;
                }
                match hearth_prompt_cache::read_header(&file.path) {
                    Ok(h) if h.model_key == model_key => on_disk.push(OnDisk {
                        tag: h.tag,
                        template: h.template,
                        tokens: h.tokens.into_iter().map(LlamaToken).collect(),
                        path: file.path,
                    }),
                    Ok(_) => {}
                    Err(e) => discard(&file.path, &e.to_string()),
                }
            }
        }
        KeptStates { model_key, disk, memory: Vec::new(), on_disk, live: Vec::new() }
    }

    /// Sequence `seq`'s owner (nobody's, nothing to copy, until an answer there says otherwise).
    fn live(&mut self, seq: usize) -> &mut Live {
        if self.live.len() <= seq {
            self.live.resize_with(seq + 1, Live::default);
        }
        &mut self.live[seq]
    }

    /// Before the prompt is evaluated in sequence `seq`: restores the kept state that shares
    /// the longest prefix with `tokens`, when it saves enough over what the sequence's own cells
    /// hold. `cached` is the sequence's token list and is replaced by the restored state's.
    /// Returns where the reusable prefix now comes from (the live cache unless a state was
    /// restored).
    pub(crate) fn prepare(
        &mut self,
        ctx: &mut LlamaContext<'static>,
        seq: usize,
        cached: &mut Vec<LlamaToken>,
        tokens: &[LlamaToken],
        template: &str,
    ) -> ReusedFrom {
        let live_common = common_prefix(cached, tokens);
        let Some((source, _)) = self.best(tokens, template, live_common) else {
            if worth_keeping(cached.len(), live_common) {
                self.keep_live(ctx, seq, cached);
            }
            return ReusedFrom::Live;
        };
        // Taken out first: copying the live cells out below may reorder the kept states.
        let chosen = match source {
            Source::Memory(i) => Chosen::Memory(self.memory.remove(i)),
            Source::Disk(i) => Chosen::Disk(self.on_disk.remove(i)),
        };
        if worth_keeping(cached.len(), 0) {
            self.keep_live(ctx, seq, cached);
        }
        let _ = ctx.clear_kv_cache_seq(Some(seq as u32), None, None);
        cached.clear();
        let restored = match chosen {
            Chosen::Memory(kept) => {
                let ok = set_state(ctx, seq, &kept.bytes);
                let result = ok.then(|| (kept.tokens.clone(), kept.tag.clone(), kept.template.clone()));
                // Most recently used last.
                self.memory.push(kept);
                result.map(|r| (r, ReusedFrom::Memory)).ok_or_else(|| "llama.cpp refused a state kept in memory".to_string())
            }
            Chosen::Disk(entry) => self.restore_from_disk(ctx, seq, entry, template).map(|r| (r, ReusedFrom::Disk)),
        };
        match restored {
            Ok(((state_tokens, tag, template), from)) => {
                *cached = state_tokens;
                // The sequence now holds that state, and a copy of it is kept.
                *self.live(seq) = Live { tag, template, kept: true };
                from
            }
            Err(why) => {
                eprintln!("hearth: a kept state was not used: {why}; the prompt is read again");
                // Only this sequence: other answers may be running in theirs (`slots.rs`).
                let _ = ctx.clear_kv_cache_seq(Some(seq as u32), None, None);
                *self.live(seq) = Live::default();
                ReusedFrom::Nothing
            }
        }
    }

    /// A changed directory or budget, for states kept from now on.
    pub(crate) fn set_disk(&mut self, disk: Option<PromptCacheSettings>) {
        if self.disk.as_ref().map(|d| &d.dir) != disk.as_ref().map(|d| &d.dir) {
            self.on_disk.clear();
        }
        self.disk = disk;
    }

    fn best(&self, tokens: &[LlamaToken], template: &str, live_common: usize) -> Option<(Source, usize)> {
        let mut best: Option<(Source, usize)> = None;
        let mut consider = |source: Source, state_tokens: usize, common: usize| {
            let gain = common.saturating_sub(live_common);
            if gain >= restore_gain_needed(state_tokens) && best.as_ref().is_none_or(|(_, c)| common > *c) {
                best = Some((source, common));
            }
        };
        for (i, k) in self.memory.iter().enumerate() {
            if k.template == template {
                consider(Source::Memory(i), k.tokens.len(), common_prefix(&k.tokens, tokens));
            }
        }
        for (i, d) in self.on_disk.iter().enumerate() {
            // A conversation's state in memory is as new as its file, or newer.
            let in_memory = self.memory.iter().any(|k| k.tag.as_deref() == Some(d.tag.as_str()));
            if !in_memory && d.template == template {
                consider(Source::Disk(i), d.tokens.len(), common_prefix(&d.tokens, tokens));
            }
        }
        best
    }

    fn restore_from_disk(
        &mut self,
        ctx: &mut LlamaContext<'static>,
        seq: usize,
        entry: OnDisk,
        template: &str,
    ) -> Result<(Vec<LlamaToken>, Option<String>, String), String> {
        let (header, payload) = match hearth_prompt_cache::read(&entry.path) {
            Ok(read) => read,
            Err(e) => {
                discard(&entry.path, &e.to_string());
                return Err(format!("{}: {e}", entry.path.display()));
            }
        };
        // The file may have been rewritten since it was indexed: its own header is what counts.
        if header.model_key != self.model_key || header.template != template {
            return Err(format!("{} was saved for another model, setting or template", entry.path.display()));
        }
        if !set_state(ctx, seq, &payload) {
            discard(&entry.path, "llama.cpp refused it");
            return Err(format!("llama.cpp refused {}", entry.path.display()));
        }
        hearth_prompt_cache::touch(&entry.path);
        let tokens: Vec<LlamaToken> = header.tokens.into_iter().map(LlamaToken).collect();
        self.on_disk.push(OnDisk { tokens: tokens.clone(), ..entry });
        self.remember(Kept { tag: Some(header.tag.clone()), template: header.template.clone(), tokens: tokens.clone(), bytes: Arc::new(payload) });
        Ok((tokens, Some(header.tag), header.template))
    }

    /// After an answer in sequence `seq`: its cells are `tag`'s (a conversation's) or nobody's
    /// (an API request's), not yet copied out.
    pub(crate) fn answered(&mut self, seq: usize, tag: Option<&str>, template: &str) {
        *self.live(seq) = Live { tag: tag.map(str::to_string), template: template.to_string(), kept: false };
    }

    /// Once the answer is out: a conversation's state is copied into memory, and written to
    /// disk on the writer thread. Nobody's is copied only when something is about to overwrite it.
    pub(crate) fn keep_answered(&mut self, ctx: &LlamaContext<'static>, seq: usize, cached: &[LlamaToken]) {
        if self.live(seq).tag.is_some() {
            self.keep_live(ctx, seq, cached);
        }
    }

    /// The whole cache was cleared (a failed decode): nothing in it is worth keeping.
    pub(crate) fn live_lost(&mut self) {
        for live in &mut self.live {
            live.kept = true;
        }
    }

    /// Sequence `seq`'s cells were dropped.
    pub(crate) fn seq_lost(&mut self, seq: usize) {
        self.live(seq).kept = true;
    }

    fn keep_live(&mut self, ctx: &LlamaContext<'static>, seq: usize, cached: &[LlamaToken]) {
        let live = self.live(seq);
        if live.kept || cached.is_empty() {
            return;
        }
        live.kept = true;
        let (tag, template) = (live.tag.clone(), live.template.clone());
        let size = ctx.state_seq_get_size_ext(seq as i32, LlamaStateSeqFlags::empty());
        // Nobody's cells already held whole by a kept copy need no second one.
        if tag.is_none()
            && (size > UNTAGGED_MAX_BYTES || self.memory.iter().any(|k| k.template == template && common_prefix(&k.tokens, cached) == cached.len()))
        {
            return;
        }
        let Some(bytes) = get_state(ctx, seq, size) else {
            eprintln!("hearth: the state after this answer could not be copied out of llama.cpp");
            return;
        };
        let bytes = Arc::new(bytes);
        if let (Some(tag), Some(disk)) = (&tag, &self.disk) {
            if disk.disk_budget_bytes > 0 && hearth_prompt_cache::tag_is_valid(tag) {
                let header = StateHeader {
                    model_key: self.model_key.clone(),
                    tag: tag.clone(),
                    template: template.clone(),
                    tokens: cached.iter().map(|t| t.0).collect(),
                    payload_len: 0,
                    payload_crc32: 0,
                };
                let path = hearth_prompt_cache::path_for(&disk.dir, tag, &self.model_key);
                self.on_disk.retain(|d| d.path != path);
                self.on_disk.push(OnDisk { tag: tag.clone(), template: template.clone(), tokens: cached.to_vec(), path });
                let _ = writer().send(WriterJob::Write { dir: disk.dir.clone(), header, bytes: bytes.clone(), budget: disk.disk_budget_bytes });
            }
        }
        self.remember(Kept { tag, template, tokens: cached.to_vec(), bytes });
    }

    fn remember(&mut self, kept: Kept) {
        if kept.tag.is_some() {
            // One state per conversation: its newest.
            self.memory.retain(|k| k.tag != kept.tag);
        } else {
            // Nobody's states that this one holds whole are not needed any more.
            self.memory.retain(|k| k.tag.is_some() || k.template != kept.template || common_prefix(&k.tokens, &kept.tokens) < k.tokens.len());
        }
        self.memory.push(kept);
        evict(&mut self.memory, MEMORY_BYTES);
    }

    /// Forgets `tag`'s states (a deleted conversation), in memory and on disk.
    pub(crate) fn forget(&mut self, tag: &str) {
        self.memory.retain(|k| k.tag.as_deref() != Some(tag));
        self.on_disk.retain(|d| d.tag != tag);
        for live in &mut self.live {
            if live.tag.as_deref() == Some(tag) {
                // Not copied out again under any name.
                *live = Live::default();
            }
        }
        if let Some(disk) = &self.disk {
            let _ = writer().send(WriterJob::Forget { dir: disk.dir.clone(), tag: tag.to_string() });
        }
    }
}

/// Forgets `tag`'s files when no model is loaded (nothing in memory then).
pub(crate) fn forget_on_disk(disk: &PromptCacheSettings, tag: &str) {
    let _ = writer().send(WriterJob::Forget { dir: disk.dir.clone(), tag: tag.to_string() });
}

fn discard(path: &Path, why: &str) {
    eprintln!("hearth: kept state {} discarded: {why}", path.display());
    let _ = std::fs::remove_file(path);
}

/// Drops kept states beyond the limits, oldest first (`memory` is in order of use): conversations
/// beyond `MEMORY_STATES`, nobody's beyond `UNTAGGED_STATES`, then nobody's before a
/// conversation's until they fit in `budget` bytes (the newest stays even if it alone does not).
fn evict(memory: &mut Vec<Kept>, budget: usize) {
    let count = |memory: &[Kept], tagged: bool| memory.iter().filter(|k| k.tag.is_some() == tagged).count();
    let bytes = |memory: &[Kept]| memory.iter().map(|k| k.bytes.len()).sum::<usize>();
    while count(memory, true) > MEMORY_STATES {
        let oldest = memory.iter().position(|k| k.tag.is_some()).expect("counted");
        memory.remove(oldest);
    }
    while count(memory, false) > UNTAGGED_STATES {
        let oldest = memory.iter().position(|k| k.tag.is_none()).expect("counted");
        memory.remove(oldest);
    }
    while memory.len() > 1 && bytes(memory) > budget {
        let oldest = memory.iter().position(|k| k.tag.is_none()).filter(|&i| i + 1 < memory.len()).unwrap_or(0);
        memory.remove(oldest);
    }
}

/// Whether a sequence of `cached` tokens, of which a new prompt keeps `kept`, is worth copying
/// out before it is overwritten: it loses at least half, and more than a few tokens.
fn worth_keeping(cached: usize, kept: usize) -> bool {
    let lost = cached.saturating_sub(kept);
    lost >= KEEP_MIN_LOST && lost * 2 >= cached
}

/// The tokens a kept state of `state_tokens` tokens must save to be restored.
fn restore_gain_needed(state_tokens: usize) -> usize {
    (state_tokens / RESTORE_TOKENS_PER_GAINED).max(MIN_GAIN)
}

/// A sequence's cells, in llama.cpp's format, which holds no sequence id: they can be restored
/// into any sequence of a context with the same shape. `size` is what llama.cpp reported for it.
fn get_state(ctx: &LlamaContext<'static>, seq: usize, size: usize) -> Option<Vec<u8>> {
    let mut bytes = vec![0u8; size];
    // SAFETY: `bytes` holds the size llama.cpp reported for this sequence, unchanged since.
    let written = unsafe { ctx.state_seq_get_data_ext(bytes.as_mut_ptr(), seq as i32, LlamaStateSeqFlags::empty()) };
    (written == size && size > 0).then_some(bytes)
}

/// Only bytes this engine's llama.cpp wrote for a context of the same key reach here: from
/// memory, or from a file whose checksum matched.
fn set_state(ctx: &mut LlamaContext<'static>, seq: usize, bytes: &[u8]) -> bool {
    // SAFETY: see above; llama.cpp checks the shapes again and refuses (returns 0) on a mismatch.
    unsafe { ctx.state_seq_set_data_ext(bytes, seq as i32, LlamaStateSeqFlags::empty()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(tag: Option<&str>, tokens: usize, bytes: usize) -> Kept {
        Kept { tag: tag.map(str::to_string), template: String::new(), tokens: vec![LlamaToken(1); tokens], bytes: Arc::new(vec![0; bytes]) }
    }

    #[test]
    fn an_api_sequence_is_copied_out_only_when_a_prompt_would_lose_half_of_it() {
        assert!(worth_keeping(107, 24), "a question asked by another client");
        assert!(!worth_keeping(107, 60), "most of it stays live");
        assert!(!worth_keeping(12, 0), "too few tokens to be worth a copy");
        assert!(worth_keeping(5000, 2400));
    }

    #[test]
    fn a_copy_is_restored_only_when_it_saves_a_token_for_every_32_it_holds() {
        // The 2-client bench: 10 tokens more than the system prompt, from a 107-token state.
        assert!(10 >= restore_gain_needed(107));
        assert_eq!(restore_gain_needed(10), MIN_GAIN);
        // A 32K-token state is not copied in to save 40 tokens.
        assert!(40 < restore_gain_needed(32_768));
    }

    #[test]
    fn nobodys_copies_go_before_a_conversations_and_the_oldest_first() {
        let mut memory = vec![kept(Some("a"), 10, 400), kept(None, 10, 300), kept(None, 10, 300), kept(Some("b"), 10, 400)];
        evict(&mut memory, 1200);
        let left: Vec<_> = memory.iter().map(|k| (k.tag.clone(), k.bytes.len())).collect();
        assert_eq!(left, [(Some("a".into()), 400), (None, 300), (Some("b".into()), 400)]);
        evict(&mut memory, 800);
        assert_eq!(memory.iter().map(|k| k.tag.clone()).collect::<Vec<_>>(), [Some("a".into()), Some("b".into())]);

        let mut memory: Vec<Kept> =
            (0..UNTAGGED_STATES + 3).map(|_| kept(None, 10, 1)).chain((0..MEMORY_STATES + 2).map(|i| kept(Some(&i.to_string()), 10, 1))).collect();
        evict(&mut memory, usize::MAX);
        assert_eq!(memory.iter().filter(|k| k.tag.is_none()).count(), UNTAGGED_STATES);
        assert_eq!(memory.iter().filter_map(|k| k.tag.clone()).collect::<Vec<_>>(), ["2", "3", "4", "5"]);

        // The newest stays even where it alone is over the budget.
        let mut memory = vec![kept(None, 10, 100), kept(None, 10, 5000)];
        evict(&mut memory, 1000);
        assert_eq!(memory.len(), 1);
        assert_eq!(memory[0].bytes.len(), 5000);
    }
}
