//! Spawning the engine, routing its events, and reporting its death.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use hearth_protocol::{ErrorCode, ErrorPayload, Event, Request, PROTOCOL_VERSION};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::sync::{mpsc, Mutex};

use crate::ClientError;

const STDERR_TAIL_LINES: usize = 40;
const START_TIMEOUT: Duration = Duration::from_secs(60);

type Routes = Arc<StdMutex<HashMap<u64, mpsc::UnboundedSender<Event>>>>;

struct Running {
    stdin: ChildStdin,
    pid: u32,
    routes: Routes,
    alive: Arc<std::sync::atomic::AtomicBool>,
}

/// What the UI shows about the engine.
#[derive(Debug, Clone, Default)]
pub struct EngineState {
    pub running: bool,
    pub pid: Option<u32>,
    /// How the last engine ended, when it ended unexpectedly.
    pub last_death: Option<String>,
    pub system_info: Option<String>,
    /// The devices the running engine can compute on.
    pub devices: Vec<hearth_protocol::ComputeDevice>,
    /// Where a model goes when no device is chosen, and why (the engine's words).
    pub default_device: Option<String>,
    /// The same, as a phrase the window says in its language.
    pub default_device_phrase: Option<hearth_protocol::Phrase>,
    /// The backend libraries the engine found, loaded or not.
    pub backend_libraries: Vec<hearth_protocol::BackendLibrary>,
}

struct Shared {
    exe: PathBuf,
    running: Mutex<Option<Running>>,
    next_id: AtomicU64,
    state: StdMutex<EngineState>,
    /// Where generations go instead of the local engine, when the user chose a remote model.
    remote: StdMutex<Option<RemoteTarget>>,
    /// Remote answers by request id, for `cancel`.
    remote_jobs: StdMutex<HashMap<u64, hearth_remote::RemoteGeneration>>,
    /// ggml CPU variants that killed an engine with an illegal instruction: later engines skip
    /// them and load the next best (a CPU can claim instructions a VM does not give it).
    bad_cpu_variants: StdMutex<Vec<String>>,
    /// Ids of requests sent with `request_first` that have not had their first event yet.
    first_waiting: tokio::sync::watch::Sender<Vec<u64>>,
    /// Where loads from now on keep sequence states on disk (issue 21).
    prompt_cache: StdMutex<Option<hearth_protocol::PromptCacheSettings>>,
}

/// A model on a remote OpenAI-compatible server that generations go to.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTarget {
    pub endpoint: hearth_remote::Endpoint,
    pub model: String,
}

/// Remote answers remembered for `cancel`; older ones have long finished.
const REMOTE_JOBS_KEPT: u64 = 256;

/// A handle to the engine process; cheap to clone.
#[derive(Clone)]
pub struct EngineClient {
    shared: Arc<Shared>,
}

/// Events for one request, ending with its terminal event.
pub struct EventStream {
    pub id: u64,
    rx: mpsc::UnboundedReceiver<Event>,
    routes: Routes,
    finished: bool,
    /// To cancel the request when the stream is dropped before its end.
    client: EngineClient,
    /// For a request others yield to (`request_first`): held until its first event.
    first: Option<FirstInLine>,
}

/// A request others yield to, registered while it waits for its first event.
struct FirstInLine {
    waiting: tokio::sync::watch::Sender<Vec<u64>>,
    id: u64,
}

impl Drop for FirstInLine {
    fn drop(&mut self) {
        self.waiting.send_modify(|ids| ids.retain(|&i| i != self.id));
    }
}

impl EventStream {
    /// The next event; `None` after the terminal one (`Loaded`, `Unloaded`, `Done`, `Embeddings`,
    /// `Error`).
    pub async fn next(&mut self) -> Option<Event> {
        if self.finished {
            return None;
        }
        let ev = self.rx.recv().await?;
        // The engine has taken this request up: nothing need yield to it any more.
        self.first = None;
        if matches!(ev, Event::Loaded { .. } | Event::Unloaded { .. } | Event::Done { .. } | Event::Embeddings { .. } | Event::Error { .. }) {
            self.finished = true;
            self.routes.lock().unwrap().remove(&self.id);
        }
        Some(ev)
    }
}

/// A stream dropped before its terminal event (a turn that failed half-way, a caller that went
/// away) cancels its request: nothing is left generating for no one, holding the engine's turn.
impl Drop for EventStream {
    fn drop(&mut self) {
        if let Ok(mut r) = self.routes.lock() {
            r.remove(&self.id);
        }
        if !self.finished {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let (client, id) = (self.client.clone(), self.id);
                runtime.spawn(async move { client.cancel(id).await });
            }
        }
    }
}

impl EngineClient {
    /// `exe` is the `hearth` binary; the engine is `exe engine`.
    pub fn new(exe: PathBuf) -> EngineClient {
        EngineClient {
            shared: Arc::new(Shared {
                exe,
                running: Mutex::new(None),
                next_id: AtomicU64::new(1),
                state: StdMutex::new(EngineState::default()),
                remote: StdMutex::new(None),
                remote_jobs: StdMutex::new(HashMap::new()),
                bad_cpu_variants: StdMutex::new(Vec::new()),
                first_waiting: tokio::sync::watch::channel(Vec::new()).0,
                prompt_cache: StdMutex::new(None),
            }),
        }
    }

    pub fn state(&self) -> EngineState {
        self.shared.state.lock().unwrap().clone()
    }

    /// Sends generations to `target` (a model on a remote server) from now on; `None`: back to
    /// the local engine. Loads always go to the local engine.
    pub fn set_remote(&self, target: Option<RemoteTarget>) {
        *self.shared.remote.lock().unwrap() = target;
    }

    pub fn remote(&self) -> Option<RemoteTarget> {
        self.shared.remote.lock().unwrap().clone()
    }

    /// Where the engine keeps conversations' states on disk: for every load, and told to a
    /// running engine now.
    pub async fn set_prompt_cache(&self, settings: Option<hearth_protocol::PromptCacheSettings>) {
        *self.shared.prompt_cache.lock().unwrap() = settings.clone();
        self.tell(&Request::PromptCache { settings }).await;
    }

    /// Tells a running engine to forget the states kept under `tag` (a deleted conversation).
    /// With no engine running there is nothing in memory; the caller deletes the files.
    pub async fn forget_state(&self, tag: &str) {
        self.tell(&Request::ForgetState { tag: tag.to_string() }).await;
    }

    /// A request no event answers, for a running engine only.
    async fn tell(&self, request: &Request) {
        let mut guard = self.shared.running.lock().await;
        if let Some(running) = guard.as_mut().filter(|r| r.alive.load(Ordering::SeqCst)) {
            let line = serde_json::to_string(request).expect("requests serialize");
            let _ = write_line(&mut running.stdin, &line).await;
        }
    }

    /// Sends a request built with a fresh id and returns its event stream. Starts the engine
    /// first if none is running. A generation goes to the remote server instead when one is set.
    pub async fn request(&self, build: impl FnOnce(u64) -> Request) -> Result<EventStream, ClientError> {
        let id = self.shared.next_id.fetch_add(1, Ordering::SeqCst);
        let request = build(id);
        if let (Some(target), Request::Generate { messages, sampling, .. }) = (self.remote(), &request) {
            let (tx, rx) = mpsc::unbounded_channel();
            let job = hearth_remote::generate(target.endpoint, target.model, id, messages.clone(), sampling.clone(), tx);
            let mut jobs = self.shared.remote_jobs.lock().unwrap();
            jobs.retain(|&k, _| k + REMOTE_JOBS_KEPT > id);
            jobs.insert(id, job);
            return Ok(EventStream { id, rx, routes: Routes::default(), finished: false, client: self.clone(), first: None });
        }
        let mut guard = self.shared.running.lock().await;
        if guard.as_ref().is_none_or(|r| !r.alive.load(Ordering::SeqCst)) {
            *guard = Some(self.spawn().await?);
        }
        let running = guard.as_mut().expect("just started");
        let (tx, rx) = mpsc::unbounded_channel();
        running.routes.lock().unwrap().insert(id, tx);
        let stream = EventStream { id, rx, routes: running.routes.clone(), finished: false, client: self.clone(), first: None };
        let line = serde_json::to_string(&request).expect("requests serialize");
        if let Err(e) = write_line(&mut running.stdin, &line).await {
            // The reader task will report the death to the stream; say why here too.
            tracing::warn!("engine stdin closed: {e}");
        }
        Ok(stream)
    }

    /// As `request`, for a request that others should yield to (the app's own chat): until the
    /// engine takes it up, its id is in `first_waiting`, where a long answer for someone else
    /// (the API) can see it and end early.
    pub async fn request_first(&self, build: impl FnOnce(u64) -> Request) -> Result<EventStream, ClientError> {
        let remote = self.remote().is_some();
        let mut stream = self.request(build).await?;
        if remote {
            // A remote server answers requests side by side: nothing waits behind anything here.
            return Ok(stream);
        }
        let id = stream.id;
        self.shared.first_waiting.send_modify(|ids| ids.push(id));
        stream.first = Some(FirstInLine { waiting: self.shared.first_waiting.clone(), id });
        Ok(stream)
    }

    /// The ids of requests sent with `request_first` that the engine has not taken up yet.
    /// Request ids grow in the order requests are sent, so one with a higher id than a running
    /// generation is waiting behind it.
    pub fn first_waiting(&self) -> tokio::sync::watch::Receiver<Vec<u64>> {
        self.shared.first_waiting.subscribe()
    }

    /// Loads a model and waits for it: progress fractions go to `on_progress`; the engine's own
    /// error (its code kept) or its death while loading is the error.
    pub async fn load(
        &self,
        path: &std::path::Path,
        settings: &hearth_protocol::ModelSettings,
        mut on_progress: impl FnMut(f32),
    ) -> Result<hearth_protocol::ModelInfo, ClientError> {
        let prompt_cache = self.shared.prompt_cache.lock().unwrap().clone();
        let mut stream = self.request(|id| Request::Load { id, path: path.to_path_buf(), settings: settings.clone(), prompt_cache }).await?;
        loop {
            match stream.next().await {
                Some(hearth_protocol::Event::LoadProgress { fraction, .. }) => on_progress(fraction),
                Some(hearth_protocol::Event::Loaded { model, .. }) => return Ok(*model),
                Some(hearth_protocol::Event::Error { error, .. }) => return Err(ClientError::Engine(error)),
                Some(_) => {}
                None => {
                    return Err(ClientError::Engine(hearth_protocol::ErrorPayload::new(
                        hearth_protocol::ErrorCode::EngineDied,
                        "the engine stopped while loading",
                    )))
                }
            }
        }
    }

    /// Asks the engine to stop request `id` (a generation or a load). Harmless if it already ended.
    pub async fn cancel(&self, id: u64) {
        if let Some(job) = self.shared.remote_jobs.lock().unwrap().remove(&id) {
            job.cancel();
            return;
        }
        let mut guard = self.shared.running.lock().await;
        if let Some(running) = guard.as_mut() {
            let line = serde_json::to_string(&Request::Cancel { id }).expect("requests serialize");
            let _ = write_line(&mut running.stdin, &line).await;
        }
    }

    /// Kills the running engine (if any) and starts a new one.
    pub async fn restart(&self) -> Result<(), ClientError> {
        let mut guard = self.shared.running.lock().await;
        if let Some(old) = guard.take() {
            // Only an engine that still lives: a dead one's PID may already belong to another
            // program. (While `alive` holds, the child is not reaped, so its PID is still ours.)
            if old.alive.load(Ordering::SeqCst) {
                kill(old.pid);
            }
        }
        *guard = Some(self.spawn().await?);
        Ok(())
    }

    /// Stops the engine politely, then firmly.
    pub async fn shutdown(&self) {
        let mut guard = self.shared.running.lock().await;
        if let Some(mut running) = guard.take() {
            let line = serde_json::to_string(&Request::Shutdown).expect("requests serialize");
            let _ = write_line(&mut running.stdin, &line).await;
            // Up to 5 s: an engine finishes writing the last answer's kept state before it exits.
            for _ in 0..100 {
                if !running.alive.load(Ordering::SeqCst) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if running.alive.load(Ordering::SeqCst) {
                kill(running.pid);
            }
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.state().pid
    }

    async fn spawn(&self) -> Result<Running, ClientError> {
        let exe = &self.shared.exe;
        let spawn_err = |reason: String| ClientError::Spawn { path: exe.display().to_string(), reason };
        let mut cmd = Command::new(exe);
        let bad_variants = self.shared.bad_cpu_variants.lock().unwrap().join(",");
        if !bad_variants.is_empty() {
            cmd.env("HEARTH_CPU_VARIANT_SKIP", bad_variants);
        }
        cmd.arg("engine").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| spawn_err(e.to_string()))?;
        let pid = child.id().unwrap_or(0);
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");

        let stderr_tail = Arc::new(StdMutex::new(VecDeque::new()));
        {
            let tail = stderr_tail.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(target: "engine", "{line}");
                    let mut t = tail.lock().unwrap();
                    if t.len() == STDERR_TAIL_LINES {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            });
        }

        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
        let (system_info, devices, default_device, default_device_phrase, backend_libraries) = match ready {
            Ok(Ok(Some(line))) => match serde_json::from_str::<Event>(&line) {
                Ok(Event::Ready { protocol, system_info, devices, default_device, default_device_phrase, backend_libraries, .. })
                    if protocol == PROTOCOL_VERSION =>
                {
                    (system_info, devices, default_device, default_device_phrase, backend_libraries)
                }
                Ok(Event::Ready { protocol, .. }) => return Err(spawn_err(format!("protocol {protocol}, this app speaks {PROTOCOL_VERSION}"))),
                Ok(Event::Error { error, .. }) => return Err(spawn_err(error.message)),
                _ => return Err(spawn_err(format!("unexpected first line {line:?}"))),
            },
            Ok(Ok(None)) | Ok(Err(_)) => {
                let status = child.wait().await.map(describe_exit).unwrap_or_default();
                let tail = stderr_tail.lock().unwrap().iter().cloned().collect::<Vec<_>>().join("\n");
                return Err(spawn_err(format!("it exited at start ({status}) {tail}")));
            }
            Err(_) => return Err(spawn_err("no answer within 60 s".into())),
        };

        let routes: Routes = Arc::new(StdMutex::new(HashMap::new()));
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        {
            let routes = routes.clone();
            let alive = alive.clone();
            let shared = self.shared.clone();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    let event = match serde_json::from_str::<Event>(&line) {
                        Ok(e) => e,
                        Err(e) => {
                            tracing::warn!("unreadable engine event {line:?}: {e}");
                            continue;
                        }
                    };
                    let target = event.request_id();
                    let routes = routes.lock().unwrap();
                    match target.and_then(|id| routes.get(&id)) {
                        Some(tx) => {
                            let _ = tx.send(event);
                        }
                        None => tracing::debug!("engine event for nobody: {line}"),
                    }
                }
                // stdout closed: the engine is gone. Say how, to everyone still waiting.
                alive.store(false, Ordering::SeqCst);
                let exit = child.wait().await;
                if exit.as_ref().is_ok_and(died_of_illegal_instruction) {
                    // The CPU variant this engine loaded is the likely culprit: the next one skips it.
                    let loaded_variant = shared
                        .state
                        .lock()
                        .unwrap()
                        .backend_libraries
                        .iter()
                        .find(|l| l.backend == "cpu" && l.loaded)
                        .and_then(|l| l.variant.clone());
                    if let Some(variant) = loaded_variant {
                        tracing::warn!("the engine died of SIGILL with the CPU variant {variant}; later engines skip it");
                        shared.bad_cpu_variants.lock().unwrap().push(variant);
                    }
                }
                let status = exit.map(describe_exit).unwrap_or_else(|e| e.to_string());
                // Give the stderr reader a moment to collect the last words (e.g. GGML_ASSERT).
                tokio::time::sleep(Duration::from_millis(100)).await;
                let last_words: Vec<String> = stderr_tail
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .rev()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let mut message = format!("the engine stopped ({status})");
                if !last_words.is_empty() {
                    message.push_str(": ");
                    message.push_str(&last_words.join(" | "));
                }
                {
                    let mut st = shared.state.lock().unwrap();
                    if st.pid == Some(pid) {
                        st.running = false;
                        st.last_death = Some(message.clone());
                    }
                }
                let mut routes = routes.lock().unwrap();
                for (id, tx) in routes.drain() {
                    let _ = tx.send(Event::Error { id: Some(id), error: ErrorPayload::new(ErrorCode::EngineDied, message.clone()) });
                }
            });
        }
        {
            let mut st = self.shared.state.lock().unwrap();
            st.running = true;
            st.pid = Some(pid);
            st.system_info = Some(system_info);
            st.devices = devices;
            st.default_device = Some(default_device).filter(|d| !d.is_empty());
            st.default_device_phrase = default_device_phrase;
            st.backend_libraries = backend_libraries;
        }
        Ok(Running { stdin, pid, routes, alive })
    }
}

async fn write_line(stdin: &mut ChildStdin, line: &str) -> std::io::Result<()> {
    stdin.write_all(line.as_bytes()).await?;
    stdin.write_all(b"\n").await?;
    stdin.flush().await
}

#[cfg(unix)]
fn kill(pid: u32) {
    if pid > 0 {
        // SAFETY: signalling a child we spawned.
        unsafe {
            libc::kill(pid as i32, libc::SIGKILL);
        }
    }
}

/// Windows has no signals: the system's own tool ends the process (the child handle is the
/// runner's, which only knows the PID here).
#[cfg(not(unix))]
fn kill(pid: u32) {
    if pid > 0 {
        let _ = std::process::Command::new("taskkill").args(["/F", "/T", "/PID", &pid.to_string()]).output();
    }
}

/// The signal that ended the process (Unix), or None.
#[cfg(unix)]
fn exit_signal(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

/// Windows reports a crash as an NTSTATUS exit code: the ones that mean what a Unix signal would.
#[cfg(not(unix))]
fn exit_signal(status: &std::process::ExitStatus) -> Option<i32> {
    match status.code().map(|c| c as u32) {
        Some(0xC000_001D) => Some(SIGILL),
        Some(0xC000_0005) => Some(SIGSEGV),
        Some(0xC000_0409) => Some(SIGABRT),
        _ => None,
    }
}

// The signal numbers, the same on every Unix Hearth runs on; Windows's crash codes map to them.
const SIGILL: i32 = 4;
const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;

fn died_of_illegal_instruction(status: &std::process::ExitStatus) -> bool {
    exit_signal(status) == Some(SIGILL)
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    match (status.code(), exit_signal(&status)) {
        (_, Some(SIGKILL)) => "killed (SIGKILL; out of memory or killed by the user)".into(),
        (_, Some(SIGABRT)) => "aborted inside llama.cpp (SIGABRT)".into(),
        (_, Some(SIGSEGV)) => "crashed (SIGSEGV)".into(),
        (_, Some(SIGILL)) => "crashed on an unsupported CPU instruction (SIGILL)".into(),
        (_, Some(sig)) => format!("killed by signal {sig}"),
        (Some(0), _) => "exited".into(),
        (Some(code), _) => format!("exited with code {code}"),
        (None, None) => "ended".into(),
    }
}
