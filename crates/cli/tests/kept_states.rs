//! Conversations that resume instantly (issue 21), through the real engine process and the demo
//! model: a conversation's state kept after its answer is restored after a restart (from disk)
//! and after a switch to another conversation (from memory), with the same greedy answer as a
//! full prefill; a state is never used for another model file, context setting or template; a
//! damaged or cut state file is discarded with a log line; the disk budget drops the least
//! recently used state. The engine is driven over its stdio protocol by hand, so that its stderr
//! (the log lines) can be read.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{demo_model, hearth, notebook};
use hearth_protocol::{
    ChatMessage, Event, GenerationStats, ModelSettings, PromptCacheSettings, Request, ReusedFrom, Role, SamplingSettings, TemplateChoice,
};

struct Engine {
    child: Child,
    stdin: ChildStdin,
    events: Receiver<Event>,
    stderr: Arc<Mutex<String>>,
    next_id: u64,
}

impl Engine {
    fn start() -> Engine {
        let mut child = Command::new(hearth())
            .arg("engine")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the engine starts");
        let stdin = child.stdin.take().unwrap();
        let (tx, events) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(serde_json::from_str::<Event>(&line).expect("an event"));
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let log = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let mut engine = Engine { child, stdin, events, stderr, next_id: 1 };
        assert!(matches!(engine.next(), Event::Ready { .. }));
        engine
    }

    fn next(&mut self) -> Event {
        self.events.recv_timeout(Duration::from_secs(300)).expect("the engine answers")
    }

    fn send(&mut self, build: impl FnOnce(u64) -> Request) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        writeln!(self.stdin, "{}", serde_json::to_string(&build(id)).unwrap()).unwrap();
        id
    }

    fn load(&mut self, model: &Path, context: u32, cache: &Cache) {
        let settings = ModelSettings { context_length: Some(context), ..Default::default() };
        let prompt_cache = Some(cache.settings());
        let path = model.to_path_buf();
        self.send(|id| Request::Load { id, path, settings, prompt_cache });
        loop {
            match self.next() {
                Event::Loaded { .. } => return,
                Event::Error { error, .. } => panic!("load failed: {}", error.message),
                _ => {}
            }
        }
    }

    /// A greedy answer of a few tokens, kept under `tag`.
    fn ask(&mut self, messages: &[ChatMessage], template: TemplateChoice, tag: &str) -> (String, GenerationStats) {
        let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(12), ..Default::default() };
        let messages = messages.to_vec();
        let keep_state_as = Some(tag.to_string());
        self.send(|id| Request::Generate { id, messages, sampling, template, keep_state_as });
        let mut text = String::new();
        loop {
            match self.next() {
                Event::Token { text: t, .. } => text.push_str(&t),
                Event::Done { stats, .. } => return (text, stats),
                Event::Error { error, .. } => panic!("generation failed: {}", error.message),
                _ => {}
            }
        }
    }

    /// Shuts down the way the app does, which lets the last state reach the disk.
    fn stop(mut self) -> String {
        writeln!(self.stdin, "{}", serde_json::to_string(&Request::Shutdown).unwrap()).unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the engine exited with {status}");
        let log = self.stderr.lock().unwrap().clone();
        log
    }
}

struct Cache {
    dir: tempfile::TempDir,
    budget: u64,
}

impl Cache {
    fn new() -> Cache {
        Cache { dir: tempfile::tempdir().unwrap(), budget: 1 << 30 }
    }
    fn settings(&self) -> PromptCacheSettings {
        PromptCacheSettings { dir: self.dir.path().to_path_buf(), disk_budget_bytes: self.budget }
    }
    fn files(&self) -> Vec<PathBuf> {
        hearth_prompt_cache::list(self.dir.path()).into_iter().map(|f| f.path).collect()
    }
}

fn user(text: &str) -> ChatMessage {
    ChatMessage::new(Role::User, text)
}

fn assistant(text: &str) -> ChatMessage {
    ChatMessage::new(Role::Assistant, text)
}

/// A document of about 700 tokens, different for each seed.
fn document(seed: u64) -> String {
    notebook(seed, 600)
}

fn first_turn(seed: u64) -> Vec<ChatMessage> {
    vec![user(&format!("{}\n\nWhat does the notebook talk about?", document(seed)))]
}

fn follow_up(seed: u64, answer: &str) -> Vec<ChatMessage> {
    let mut m = first_turn(seed);
    m.push(assistant(answer));
    m.push(user("Name one thing from it in one word."));
    m
}

#[test]
fn a_conversation_resumes_from_its_state_after_a_restart_with_the_answer_a_full_prefill_gives() {
    let cache = Cache::new();
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (first, stats) = engine.ask(&first_turn(1), TemplateChoice::Model, "conversation-1");
    assert_eq!(stats.reused_from, ReusedFrom::Nothing);
    engine.stop();
    assert_eq!(cache.files().len(), 1, "the answer's state was not written");

    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (restored, stats) = engine.ask(&follow_up(1, &first), TemplateChoice::Model, "conversation-1");
    assert_eq!(stats.reused_from, ReusedFrom::Disk, "{stats:?}");
    assert!(stats.cached_tokens > 600 && stats.prompt_evaluated < 60, "{stats:?}");
    engine.stop();

    // The same question read whole by an engine with nothing kept.
    let empty = Cache::new();
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &empty);
    let (full, stats) = engine.ask(&follow_up(1, &first), TemplateChoice::Model, "conversation-1");
    assert_eq!((stats.reused_from, stats.cached_tokens), (ReusedFrom::Nothing, 0));
    engine.stop();
    assert_eq!(restored, full, "restoring changed the answer");
}

#[test]
fn switching_between_conversations_restores_each_from_memory() {
    let cache = Cache::new();
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (a, _) = engine.ask(&first_turn(1), TemplateChoice::Model, "conversation-1");
    let (b, stats) = engine.ask(&first_turn(2), TemplateChoice::Model, "conversation-2");
    assert!(stats.cached_tokens < 40, "the other document was reused: {stats:?}");
    let (_, stats) = engine.ask(&follow_up(1, &a), TemplateChoice::Model, "conversation-1");
    assert_eq!(stats.reused_from, ReusedFrom::Memory, "{stats:?}");
    assert!(stats.cached_tokens > 600, "{stats:?}");
    let (_, stats) = engine.ask(&follow_up(2, &b), TemplateChoice::Model, "conversation-2");
    assert_eq!(stats.reused_from, ReusedFrom::Memory, "{stats:?}");
    assert!(stats.cached_tokens > 600, "{stats:?}");
    // And the continuation of the conversation just answered comes from the live cache.
    let mut more = follow_up(2, &b);
    more.push(assistant("Bread."));
    more.push(user("Another?"));
    let (_, stats) = engine.ask(&more, TemplateChoice::Model, "conversation-2");
    assert_eq!(stats.reused_from, ReusedFrom::Live, "{stats:?}");
    engine.stop();
}

/// The demo model with one byte of its name changed: another model file as far as a kept
/// state can tell, though llama.cpp loads it the same.
fn renamed_copy_of_the_demo(dir: &Path) -> PathBuf {
    let mut bytes = std::fs::read(demo_model()).unwrap();
    let at = bytes.windows(7).position(|w| w == b"Smollm2").expect("the name is in the header");
    bytes[at + 6] = b'9';
    let path = dir.join("renamed.gguf");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_state_is_not_used_for_another_model_file_context_or_template() {
    let cache = Cache::new();
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (first, _) = engine.ask(&first_turn(3), TemplateChoice::Model, "conversation-3");
    engine.stop();
    let question = follow_up(3, &first);

    let others = tempfile::tempdir().unwrap();
    let cases: [(&str, PathBuf, u32, TemplateChoice); 3] = [
        ("another model file", renamed_copy_of_the_demo(others.path()), 4096, TemplateChoice::Model),
        ("another context length", demo_model(), 2048, TemplateChoice::Model),
        ("another template", demo_model(), 4096, TemplateChoice::Builtin("chatml".into())),
    ];
    for (what, model, context, template) in cases {
        let mut engine = Engine::start();
        engine.load(&model, context, &cache);
        // Tagged differently, so that this run's own state does not replace the original.
        let (_, stats) = engine.ask(&question, template, "conversation-other");
        assert_eq!((stats.reused_from, stats.cached_tokens), (ReusedFrom::Nothing, 0), "{what}: {stats:?}");
        engine.stop();
    }

    // The same model, context and template still restore it.
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (_, stats) = engine.ask(&question, TemplateChoice::Model, "conversation-3");
    assert_eq!(stats.reused_from, ReusedFrom::Disk, "{stats:?}");
    engine.stop();
}

#[test]
fn a_damaged_or_cut_state_file_is_discarded_with_a_log_line_and_the_answer_is_unchanged() {
    let cache = Cache::new();
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (first, _) = engine.ask(&first_turn(4), TemplateChoice::Model, "conversation-4");
    engine.stop();
    let question = follow_up(4, &first);
    let file = cache.files().pop().expect("a state file");
    let good = std::fs::read(&file).unwrap();

    let mut answers = Vec::new();
    let damaged = {
        let mut b = good.clone();
        let n = b.len();
        b[n / 2] ^= 0x5a;
        b
    };
    let cut = good[..good.len() * 2 / 3].to_vec();
    for (what, bytes, why) in [("damaged", damaged, "checksum"), ("cut short", cut, "cut short")] {
        std::fs::write(&file, &bytes).unwrap();
        let mut engine = Engine::start();
        engine.load(&demo_model(), 4096, &cache);
        let (answer, stats) = engine.ask(&question, TemplateChoice::Model, "conversation-4");
        assert_eq!(stats.reused_from, ReusedFrom::Nothing, "{what}: {stats:?}");
        let log = engine.stop();
        assert!(log.contains("discarded") && log.contains(why), "{what}: no log line: {log}");
        answers.push(answer);
    }
    // The file written after those answers is whole again and restores.
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    let (answer, stats) = engine.ask(&question, TemplateChoice::Model, "conversation-4");
    assert_eq!(stats.reused_from, ReusedFrom::Disk, "{stats:?}");
    engine.stop();
    assert_eq!(answers, [answer.clone(), answer]);
}

#[test]
fn the_disk_budget_drops_the_least_recently_used_state() {
    let mut cache = Cache::new();
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    engine.ask(&first_turn(5), TemplateChoice::Model, "conversation-5");
    engine.stop();
    let one = hearth_prompt_cache::usage(cache.dir.path());

    // Room for one and a half: the next conversation's state pushes the older one out.
    cache.budget = one * 3 / 2;
    let mut engine = Engine::start();
    engine.load(&demo_model(), 4096, &cache);
    engine.ask(&first_turn(6), TemplateChoice::Model, "conversation-6");
    engine.stop();
    let tags: Vec<String> = hearth_prompt_cache::list(cache.dir.path()).into_iter().map(|f| f.tag).collect();
    assert_eq!(tags, ["conversation-6"]);
    assert!(hearth_prompt_cache::usage(cache.dir.path()) <= cache.budget);
}

/// `hearth send` (the app's flow in a new process each time) with a document attached: the
/// follow-up restores the conversation's state from disk and says so in its JSON.
#[test]
fn hearth_send_resumes_a_document_conversation_and_reports_its_cached_tokens() {
    let home = tempfile::tempdir().unwrap();
    let doc = home.path().join("notebook.txt");
    std::fs::write(&doc, document(7)).unwrap();
    let send = |args: &[&str]| -> serde_json::Value {
        let out = Command::new(hearth()).env("HEARTH_HOME", home.path()).arg("send").arg("--json").args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let model = demo_model().display().to_string();
    let first = send(&["--model", &model, "--temp", "0", "--max-tokens", "8", "--attach", doc.to_str().unwrap(), "What is the notebook about?"]);
    assert!(first["prompt_tokens"].as_u64().unwrap() > 600, "the document was not read: {first}");
    assert_eq!(first["cached_tokens"], 0, "{first}");
    assert!(first["ttft_ms"].as_f64().unwrap() > 0.0);
    let conversation = first["conversation_id"].to_string();
    let next = send(&["--conversation", &conversation, "Which word comes first?"]);
    assert_eq!(next["reused_from"], "disk", "{next}");
    assert!(next["cached_tokens"].as_u64().unwrap() > 600, "{next}");
}

/// Gemma 3 270M (sliding window 512, fetched by `scripts/fetch-models.sh`).
fn gemma() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_GEMMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/gemma-3-270m-Q4_K_M.gguf"));
    assert!(path.is_file(), "Gemma 3 270M is missing at {}: run scripts/fetch-models.sh", path.display());
    path
}

/// A sliding-window model keeps only about window + ubatch cells in its SWA layers; its state
/// holds both caches and a restored follow-up answers as a full prefill does.
#[test]
fn a_sliding_window_model_resumes_after_a_restart_with_the_same_answer() {
    let cache = Cache::new();
    let gemma_template = || TemplateChoice::Builtin("gemma".into());
    let mut engine = Engine::start();
    engine.load(&gemma(), 4096, &cache);
    let (first, _) = engine.ask(&first_turn(8), gemma_template(), "conversation-8");
    engine.stop();
    let question = follow_up(8, &first);

    let mut engine = Engine::start();
    engine.load(&gemma(), 4096, &cache);
    let (restored, stats) = engine.ask(&question, gemma_template(), "conversation-8");
    assert_eq!(stats.reused_from, ReusedFrom::Disk, "{stats:?}");
    assert!(stats.cached_tokens > 600, "{stats:?}");
    engine.stop();

    let empty = Cache::new();
    let mut engine = Engine::start();
    engine.load(&gemma(), 4096, &empty);
    let (full, _) = engine.ask(&question, gemma_template(), "conversation-8");
    engine.stop();
    assert_eq!(restored, full, "restoring changed the answer");
}
