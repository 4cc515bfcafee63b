//! `hearth engine`: the engine process's main loop. Requests arrive as JSON lines on stdin and
//! events leave as JSON lines on the original stdout. A reader thread takes requests so that a
//! `cancel` reaches a running generation; one worker (this thread) owns llama.cpp.
//!
//! llama.cpp and ggml may print to stdout; the protocol must not be corrupted by that, so the
//! real stdout is duplicated for the protocol and fd 1 is pointed at stderr before llama.cpp runs.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use hearth_protocol::reasoning::Piece;
use hearth_protocol::{
    AnswerPiece, ErrorCode, ErrorPayload, Event, ReasoningParser, Request, TemplateChoice, TextPart, ToolCall, ToolCallParser, PROTOCOL_VERSION,
};

use crate::{Engine, EngineError, GenerationObserver, GenerationRequest, SlotFeed, SlotJob};

/// The ids of requests asked to stop: a few recent ones (answers side by side are cancelled
/// one by one; ids of ended requests age out).
#[derive(Clone, Default)]
struct Cancels(Arc<Mutex<VecDeque<u64>>>);

impl Cancels {
    const KEPT: usize = 256;

    fn cancel(&self, id: u64) {
        if let Ok(mut ids) = self.0.lock() {
            if ids.len() >= Self::KEPT {
                ids.pop_front();
            }
            ids.push_back(id);
        }
    }

    fn is_cancelled(&self, id: u64) -> bool {
        self.0.lock().is_ok_and(|ids| ids.contains(&id))
    }
}

#[derive(Clone)]
struct EventSink {
    out: Arc<Mutex<BufWriter<File>>>,
    broken: Arc<AtomicBool>,
}

impl EventSink {
    fn send(&self, event: &Event) {
        let Ok(line) = serde_json::to_string(event) else { return };
        let Ok(mut out) = self.out.lock() else { return };
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            // The app is gone; nobody is reading. Stop whatever is running.
            self.broken.store(true, Ordering::SeqCst);
        }
    }
}

/// Points fd 1 at stderr and returns a `File` on the original stdout.
fn take_protocol_stdout() -> std::io::Result<File> {
    // SAFETY: plain fd duplication on descriptors this process owns.
    unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        #[cfg(unix)]
        {
            use std::os::fd::FromRawFd;
            Ok(File::from_raw_fd(fd))
        }
        // The C runtime's descriptors stand for Windows handles.
        #[cfg(windows)]
        {
            use std::os::windows::io::FromRawHandle;
            let handle = libc::get_osfhandle(fd);
            if handle == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(File::from_raw_handle(handle as std::os::windows::io::RawHandle))
        }
    }
}

/// Runs until stdin closes or a `shutdown` arrives.
pub fn serve() -> std::io::Result<()> {
    let out = take_protocol_stdout()?;
    let sink = EventSink { out: Arc::new(Mutex::new(BufWriter::new(out))), broken: Arc::new(AtomicBool::new(false)) };
    let mut engine = match Engine::new() {
        Ok(e) => e,
        Err(e) => {
            sink.send(&Event::Error { id: None, error: e.payload() });
            return Ok(());
        }
    };
    let default_device = Engine::default_device_reason();
    sink.send(&Event::Ready {
        protocol: PROTOCOL_VERSION,
        pid: std::process::id(),
        system_info: Engine::system_info(),
        devices: Engine::devices(),
        default_device: default_device.text.clone(),
        default_device_phrase: Some(default_device),
        backend_libraries: Engine::backend_libraries(),
    });

    let cancels = Cancels::default();
    let (tx, rx) = mpsc::channel::<Request>();
    {
        let sink = sink.clone();
        let cancels = cancels.clone();
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Request>(&line) {
                    Ok(Request::Cancel { id }) => cancels.cancel(id),
                    Ok(req) => {
                        if tx.send(req).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        sink.send(&Event::Error { id: None, error: ErrorPayload::new(ErrorCode::BadRequest, format!("unreadable request: {e}")) })
                    }
                }
            }
            // stdin closed: the app is gone. Do not outlive it, even mid-generation; a state
            // being written may finish first.
            crate::kept_states::flush(STATE_WRITE_GRACE);
            std::process::exit(0);
        });
    }

    // Requests that arrived while answers ran side by side, in their order.
    let mut deferred = VecDeque::new();
    while let Some(req) = deferred.pop_front().or_else(|| rx.recv().ok()) {
        match req {
            Request::Shutdown => break,
            Request::Cancel { .. } => {}
            Request::Unload { id } => {
                engine.unload();
                sink.send(&Event::Unloaded { id });
            }
            Request::ForgetState { tag } => engine.forget_state(&tag),
            Request::PromptCache { settings } => engine.set_prompt_cache(settings),
            Request::Load { id, path, settings, prompt_cache } => {
                engine.set_prompt_cache(prompt_cache);
                let progress_sink = sink.clone();
                let cancels = cancels.clone();
                let mut last_sent = -1.0f32;
                let observer = move |fraction: f32| {
                    // Whole percents are enough for a progress bar.
                    if fraction - last_sent >= 0.01 || fraction >= 1.0 {
                        last_sent = fraction;
                        progress_sink.send(&Event::LoadProgress { id, fraction });
                    }
                    !cancels.is_cancelled(id)
                };
                match engine.load(&path, &settings, observer) {
                    Ok(model) => sink.send(&Event::Loaded { id, model: Box::new(model) }),
                    Err(e) => sink.send(&Event::Error { id: Some(id), error: e.payload() }),
                }
            }
            Request::Embed { id, texts } => match engine.embed(&texts) {
                Ok((vectors, tokens)) => sink.send(&Event::Embeddings { id, vectors, tokens }),
                Err(e) => sink.send(&Event::Error { id: Some(id), error: e.payload() }),
            },
            Request::Generate { id, messages, sampling, template, keep_state_as } => {
                let model_tools = engine.tool_format(&TemplateChoice::Model);
                let job = slot_job(GenerationRequest { messages, sampling, template, keep_state_as }, id, &sink, &cancels, model_tools);
                if engine.parallel_slots() > 1 {
                    let mut feed = StdioFeed { first: Some(job), rx: &rx, deferred: &mut deferred, sink: &sink, cancels: &cancels, model_tools };
                    engine.run_slots(&mut feed);
                    continue;
                }
                let SlotJob { id, request, mut observer } = job;
                let result = engine.generate(&request, observer.as_mut());
                if finish_generation(&sink, id, observer, result) {
                    engine.keep_answered_state();
                }
            }
        }
    }
    crate::kept_states::flush(STATE_WRITE_GRACE);
    Ok(())
}

/// How long an exiting engine waits for the last answer's state to reach the disk (the app
/// waits 5 s for its engine to exit before it kills it).
const STATE_WRITE_GRACE: std::time::Duration = std::time::Duration::from_secs(4);

struct StreamObserver {
    id: u64,
    sink: EventSink,
    cancels: Cancels,
    parser: Option<ReasoningParser>,
    tools: Option<ToolCallParser>,
    finished: bool,
}

/// Sends a generation's end: what the parsers still hold, then `Done` (or the error; nothing for
/// a cancel, whose client has stopped listening). Whether the answer completed.
fn finish_generation(
    sink: &EventSink,
    id: u64,
    mut observer: Box<dyn GenerationObserver>,
    result: Result<hearth_protocol::GenerationStats, EngineError>,
) -> bool {
    let notice = observer.end();
    match result {
        Ok(mut stats) => {
            if stats.tool_call_notice.is_none() {
                stats.tool_call_notice = notice;
            }
            sink.send(&Event::Done { id, stats });
            true
        }
        Err(EngineError::Cancelled) => false,
        Err(e) => {
            sink.send(&Event::Error { id: Some(id), error: e.payload() });
            false
        }
    }
}

/// A generation request with the observer that streams its events.
fn slot_job(request: GenerationRequest, id: u64, sink: &EventSink, cancels: &Cancels, model_tools: hearth_protocol::ToolFormat) -> SlotJob {
    let observer = StreamObserver::new(id, sink, cancels, &request.sampling, &request.template, model_tools);
    SlotJob { id, request, observer: Box::new(observer) }
}

/// Generations for the slots: the one that started them, then those arriving while they run.
/// Any other request waits (in order) until the slots are idle.
struct StdioFeed<'a> {
    first: Option<SlotJob>,
    rx: &'a mpsc::Receiver<Request>,
    deferred: &'a mut VecDeque<Request>,
    sink: &'a EventSink,
    cancels: &'a Cancels,
    model_tools: hearth_protocol::ToolFormat,
}

impl SlotFeed for StdioFeed<'_> {
    fn poll(&mut self) -> Vec<SlotJob> {
        let mut jobs: Vec<SlotJob> = self.first.take().into_iter().collect();
        // Once something else waits, later generations wait behind it.
        while self.deferred.is_empty() {
            match self.rx.try_recv() {
                Ok(Request::Generate { id, messages, sampling, template, keep_state_as }) => jobs.push(slot_job(
                    GenerationRequest { messages, sampling, template, keep_state_as },
                    id,
                    self.sink,
                    self.cancels,
                    self.model_tools,
                )),
                Ok(other) => self.deferred.push_back(other),
                Err(_) => break,
            }
        }
        jobs
    }

    fn finished(&mut self, id: u64, observer: Box<dyn GenerationObserver>, result: Result<hearth_protocol::GenerationStats, EngineError>) {
        finish_generation(self.sink, id, observer, result);
    }
}

impl StreamObserver {
    fn new(
        id: u64,
        sink: &EventSink,
        cancels: &Cancels,
        sampling: &hearth_protocol::SamplingSettings,
        template: &TemplateChoice,
        model_tools: hearth_protocol::ToolFormat,
    ) -> StreamObserver {
        // A raw completion is text as the model wrote it; a chat answer is split into
        // reasoning, answer and tool calls here, once, for every client.
        let parser = (*template != TemplateChoice::Raw).then(ReasoningParser::new);
        // Calls written in the answer's text, for a chat answer.
        let format = if *template == TemplateChoice::Model { model_tools } else { hearth_protocol::ToolFormat::Generic };
        let tools = parser.as_ref().and_then(|_| crate::tool_use::text_call_parser(sampling, format));
        StreamObserver { id, sink: sink.clone(), cancels: cancels.clone(), parser, tools, finished: false }
    }

    fn send(&mut self, pieces: Vec<Piece>) {
        for piece in pieces {
            match piece {
                Piece::Text(TextPart::Answer, text) if self.tools.is_some() => {
                    let found = self.tools.as_mut().map(|t| t.push(&text)).unwrap_or_default();
                    self.send_answer(found);
                }
                Piece::Text(part, text) => self.sink.send(&Event::Token { id: self.id, text, part }),
                Piece::ToolCall(call) => self.sink.send(&Event::ToolCall { id: self.id, call }),
            }
        }
    }

    fn send_answer(&self, pieces: Vec<AnswerPiece>) {
        for piece in pieces {
            match piece {
                AnswerPiece::Text(text) => self.sink.send(&Event::Token { id: self.id, text, part: TextPart::Answer }),
                AnswerPiece::Call(call) => self.sink.send(&Event::ToolCall { id: self.id, call }),
            }
        }
    }

    /// Sends what the parsers still hold (the end of the answer, or of a stopped one).
    fn flush_parsers(&mut self) {
        if let Some(pieces) = self.parser.as_mut().map(ReasoningParser::finish) {
            self.send(pieces);
        }
        if let Some(pieces) = self.tools.as_mut().map(ToolCallParser::finish) {
            self.send_answer(pieces);
        }
    }
}

impl GenerationObserver for StreamObserver {
    fn trimmed(&mut self, dropped_messages: u32) {
        self.sink.send(&Event::ContextTrimmed { id: self.id, dropped_messages });
    }
    fn prompt_done(&mut self, prompt_tokens: u32, cached_tokens: u32) {
        self.sink.send(&Event::PromptDone { id: self.id, prompt_tokens, cached_tokens });
    }
    fn token(&mut self, text: &str) {
        match self.parser.as_mut() {
            Some(parser) => {
                let pieces = parser.push(text);
                self.send(pieces);
            }
            None => self.sink.send(&Event::Token { id: self.id, text: text.to_string(), part: TextPart::Answer }),
        }
    }
    fn cancelled(&self) -> bool {
        self.cancels.is_cancelled(self.id) || self.sink.broken.load(Ordering::SeqCst)
    }
    fn end(&mut self) -> Option<String> {
        if !self.finished {
            self.finished = true;
            self.flush_parsers();
        }
        self.tools.as_ref().and_then(|t| t.notice()).map(String::from)
    }
    fn tool_call(&mut self, call: ToolCall) {
        self.sink.send(&Event::ToolCall { id: self.id, call });
    }
}
