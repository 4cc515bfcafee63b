import type { Commands, McpServerView, ToolApproval, ToolResult, ApiRequestRecord, ApiServerSettings, Citation, Conversation, DocumentRecord, HardwareSnapshot, Message, ModelInfo, PromptCacheUsage, TuningReport, TurnEvent } from "../../src/lib/ipc/bindings";
// A snapshot recorded from `hearth hardware --json` over tests/fixtures/hardware/strix-halo.
import strixHalo from "./strix-halo-snapshot.json";
// `hearth hardware --check-tuning --model gpt-oss-120b --ctx 131072 --json` on the replayed
// Strix Halo as shipped (tests/fixtures/hardware/strix-halo-default).
import tuningStrixHalo from "./tuning-strix-halo-default.json";
// Recorded from `hearth advise --model gpt-oss-120b --hardware strix-halo-395-128gb --ctx 32768 --json`
// (and `--compare`, `--list-models`): the real advisor's answers.
import adviceGptOssStrix from "./advice-gpt-oss-strix.json";
import adviceGptOssStrixDepth from "./advice-gpt-oss-strix-depth.json";
import machinesGptOss from "./machines-gpt-oss.json";
import catalogModels from "./catalog-models.json";
// `hearth advise --model SmolLM2-135M-Instruct.Q4_1.gguf --hardware strix-halo-395-128gb --ctx 8192 --json`
import adviceSmolFile from "./advice-smollm2-file.json";
// `hearth bench SmolLM2-135M-Instruct.Q4_1.gguf -p 128 -n 32 -r 2 --ttft-prompt 256 --json` on the 2-core VM.
import benchSmol from "./bench-smollm2.json";
// Recorded from the real `first_run_offer` on the 2-core, 24 GiB VM (tests/app_first_run.rs).
import firstRunOffer from "./first-run-offer.json";

type Chan = { onmessage: (m: unknown) => void };
/** The commands of the Rust side (generated from their signatures), and the dialog plugin's. */
type FakeCommand = keyof Commands | "plugin:dialog|open" | "plugin:dialog|save" | "plugin:path|resolve_directory" | "plugin:path|join";

const MODEL: ModelInfo = {
  path: "/models/SmolLM2-135M-Instruct.Q4_1.gguf", name: "SmolLM2 135M Instruct", architecture: "llama", quant: "Q4_1",
  size_bytes: 98362432, parameters: 134515008, layers: 30, trained_context: 8192, context_length: 8192, threads: 2,
  chat_template: "jinja", load_ms: 120, reasoning_effort: false, tool_calls: false, memory_notice: null, device_reason: { key: "said.device.cpuNoGpu", args: {}, text: "the CPU: no GPU was found by this build's backends" }, parallel: 1, draft_model: null,
  allocated: { weights_bytes: 96573850, kv_bytes: 188743680, compute_bytes: 115165102, weights_by_buffer: { CPU_Mapped: 96573850 } }, backend: "CPU",
  sampling_defaults: { temperature: null, top_k: null, top_p: null, min_p: null, repeat_penalty: null, seed: null, max_tokens: null, reasoning_effort: null, template_kwargs: null },
};

/** What the fake model answers to a prompt. */
function scriptedAnswer(prompt: string): string[] {
  if (prompt.includes("xss")) return ["Here: ", '<img src=x onerror="window.__xss=1">', " and ", "<script>window.__xss=2</script>", " end."];
  if (prompt.includes("paragraphs")) return Array.from({ length: 150 }, (_, i) => `Paragraph ${i} of a long answer.\n\n`);
  if (prompt.includes("long")) return Array.from({ length: 400 }, (_, i) => `word${i} `);
  if (prompt.includes("code")) return ["```python\n", "print('hi')\n", "```"];
  if (prompt.includes("links")) return ["See [the docs](https://example.org/docs) ", "or [this](javascript:window.__js=1) ", "or [a file](file:///etc/passwd)."];
  return ["The capital ", "of France ", "is **Paris**."];
}

// The pages of a document as `hearth extract` reads the PDF that tests/app_documents.rs generates.
const MANUAL_PAGES = [
  "Hearth user guide.\nThis guide explains the settings of the app.",
  "Chapter 2: Cooling.\nThe fan spins at 1200 RPM when idle.\nUnder load it spins at 3100 RPM.",
  "Chapter 3: Power.\nThe power supply is rated at 240 watts.",
];

export function installFakeBackend() {
  let nextId = 1;
  let model: ModelInfo | null = null;
  const conversations: Conversation[] = [];
  const messages: Message[] = [];
  const stopRequested = new Set<number>();
  let generation = 100;
  let lastDeath: string | null = null;
  let lastAutoRestart = 0;
  const docs: (DocumentRecord & { conversation: number })[] = [];
  (window as any).__fake = { conversations, messages, docs };
  // The engine's compute devices: this machine's CPU unless a test set others first
  // (page.addInitScript, window.__fakeDevices).
  const fakeDevices = () =>
    (window as any).__fakeDevices ?? [{ name: "CPU", description: "Intel(R) Xeon(R) Processor", backend: "CPU", memory_total_bytes: 25300000000, memory_free_bytes: 24000000000, kind: "cpu" }];
  // Where a model goes with no device chosen, in the engine's words (device_choice::choose_default).
  const defaultDevice = (): string => (window as any).__fakeDefaultDevice ?? "the CPU: no GPU was found by this build's backends";
  let apiRequestId = 0;
  // Conversations' kept states on disk (Settings → Instant resume).
  let keptStates: PromptCacheUsage = { used_bytes: 3 * 37_583_718, states: 3, budget_bytes: 10 * 2 ** 30, budget_is_default: true, dir: "/home/me/.local/share/hearth/prompt-cache" };
  let demoCopied = false;
  let tokenStored = false;
  const remoteServers: { name: string; base_url: string; has_key: boolean; key_note: string | null }[] = [];
  // hearth-core's words for a key kept without an OS keyring (window.__fakeNoKeyring).
  const keyNote = (key: string | null | undefined) =>
    key && (window as any).__fakeNoKeyring ? "no OS keyring is available, so this key is kept only until Hearth quits" : null;
  // What `GET /v1/models` of a vLLM server serving gpt-oss-120b lists (id and max_model_len).
  const REMOTE_MODELS = [{ id: "openai/gpt-oss-120b", context_length: 131072 }];
  const server: { settings: ApiServerSettings; base_url: string | null; error: string | null; recent: ApiRequestRecord[]; key_note: string | null } = {
    settings: { enabled: false, port: 8080, api_key: null, allow_remote: false }, base_url: null, error: null, recent: [], key_note: null,
  };

  const conv = (id: number) => conversations.find((c) => c.id === id)!;
  const msg = (conversation_id: number, role: Message["role"], content: string, status: Message["status"] = "complete"): Message => {
    const m: Message = { id: nextId++, conversation_id, role, content, status, stats: null, error: null, model: role === "assistant" ? MODEL.name : null, created_at: Date.now(), citations: [], reasoning: "", tool_calls: [], tool_result: null };
    messages.push(m);
    conv(conversation_id).updated_at = Date.now() + nextId;
    return m;
  };

  // MCP servers (Settings → Tools) as hearth-core shows them; the filesystem reference server's tools.
  const mcpServers: McpServerView[] = [];
  const FS_TOOLS = [
    { name: "read_text_file", description: "Read the complete contents of a file as text." },
    { name: "list_directory", description: "Get a detailed listing of all files and directories in a specified path." },
  ];
  const waitingApprovals = new Map<number, (a: ToolApproval) => void>();
  let nextApproval = 0;

  /** A turn with tools on (hearth-core's tools.rs): the model calls read_text_file, the call
   * waits for the user's answer unless allowed always, its result is stored, the model answers. */
  async function toolTurn(conversationId: number, user: Message, channel: Chan): Promise<Message> {
    const c = conv(conversationId);
    const server = mcpServers.find((s) => c.tools.servers.includes(s.name))!;
    const a = msg(conversationId, "assistant", "", "streaming");
    channel.onmessage({ kind: "started", user_message: user, assistant_message: { ...a }, generation_id: ++generation } satisfies TurnEvent);
    const call = { name: "read_text_file", arguments: '{"path": "/home/me/notes/todo.txt"}', id: `call_${a.id}_0` };
    Object.assign(a, { status: "complete", tool_calls: [call] });
    channel.onmessage({ kind: "finished", message: { ...a } } satisfies TurnEvent);
    let answer: ToolApproval = "once";
    if (!server.always.includes(call.name)) {
      const approvalId = ++nextApproval;
      answer = await new Promise<ToolApproval>((resolve) => {
        waitingApprovals.set(approvalId, resolve);
        channel.onmessage({ kind: "tool_approval", approval_id: approvalId, call, server: server.name } satisfies TurnEvent);
      });
      if (answer === "always") server.always.push(call.name);
    }
    const denied = answer === "deny";
    const result: ToolResult = { call_id: call.id, name: call.name, arguments: call.arguments, server: server.name, outcome: denied ? "denied" : "ran" };
    const t = msg(conversationId, "tool", denied ? "The user did not allow this call." : "- buy flour\n- fix the mill wheel");
    t.tool_result = result;
    channel.onmessage({ kind: "tool_result", message: { ...t } } satisfies TurnEvent);
    const reply = denied ? "I could not read your notes: the call was not allowed." : "Your list: buy flour, and fix the mill wheel.";
    const b = msg(conversationId, "assistant", "", "streaming");
    channel.onmessage({ kind: "started", user_message: null, assistant_message: { ...b }, generation_id: ++generation } satisfies TurnEvent);
    for (const piece of reply.split(/(?<= )/)) {
      await new Promise((r) => setTimeout(r, 10));
      b.content += piece;
      channel.onmessage({ kind: "token", text: piece, part: "answer" } satisfies TurnEvent);
    }
    b.status = "complete";
    channel.onmessage({ kind: "finished", message: { ...b } } satisfies TurnEvent);
    return { ...b };
  }

  async function stream(conversationId: number, prompt: string, user: Message | null, channel: Chan): Promise<Message> {
    const a = msg(conversationId, "assistant", "", "streaming");
    const gid = ++generation;
    channel.onmessage({ kind: "started", user_message: user, assistant_message: { ...a }, generation_id: gid } satisfies TurnEvent);
    let stopped = false;
    if (prompt.includes("crash")) {
      // The engine dies mid-answer: the partial text stays, marked interrupted.
      a.content = "Half an ans";
      channel.onmessage({ kind: "token", text: a.content, part: "answer" } satisfies TurnEvent);
      lastDeath = "the engine stopped (aborted inside llama.cpp (SIGABRT)): GGML_ASSERT(n_tokens > 0) failed";
      model = null;
      a.status = "interrupted";
      a.error = { code: "ENGINE_DIED", message: lastDeath };
      channel.onmessage({ kind: "finished", message: { ...a } } satisfies TurnEvent);
      return { ...a };
    }
    const mine = docs.filter((d) => d.conversation === conversationId);
    let pieces = scriptedAnswer(prompt);
    let citations: Citation[] = [];
    if (mine.length > 0) {
      channel.onmessage({ kind: "documents_used", passages: 3, whole: true, pages: [1, 2, 3] } satisfies TurnEvent);
      pieces = ["When idle, the fan ", "spins at 1200 RPM ", "[p. 2]."];
      citations = [{ label: "p. 2", document_id: mine[0].id, document: mine[0].name, page: 2, text: "The fan spins at 1200 RPM when idle.", inferred: false }];
    }
    if (model?.reasoning_effort) {
      // The engine sends the analysis channel apart from the answer (crates/protocol/src/reasoning.rs).
      const effort = conv(conversationId).sampling.reasoning_effort ?? "medium";
      for (const piece of ["The user asks a capital. ", `Effort: ${effort}.`]) {
        await new Promise((r) => setTimeout(r, 15));
        a.reasoning += piece;
        channel.onmessage({ kind: "token", text: piece, part: "reasoning" } satisfies TurnEvent);
      }
    }
    for (const piece of pieces) {
      await new Promise((r) => setTimeout(r, 15));
      if (stopRequested.has(gid)) { stopped = true; break; }
      a.content += piece;
      channel.onmessage({ kind: "token", text: piece, part: "answer" } satisfies TurnEvent);
    }
    a.status = stopped ? "stopped" : "complete";
    a.citations = citations;
    a.stats = { prompt_tokens: 20, prompt_evaluated: 20, gen_tokens: a.content.length, ttft_ms: 42, pp_tps: 500, tg_tps: 61.5, total_ms: 300, dropped_messages: 0, cached_tokens: 0, reused_from: "nothing" as const, stop_reason: stopped ? "cancelled" : "end_of_turn" };
    channel.onmessage({ kind: "finished", message: { ...a } } satisfies TurnEvent);
    return { ...a };
  }

  return async (cmd: string, args: any): Promise<unknown> => {
    const command = cmd as FakeCommand;
    switch (command) {
      case "app_info":
        // A first run (set by the test before the page loads): no model in Hearth's directory yet.
        if ((window as any).__firstRun && !demoCopied) return { home: "/tmp/hearth", models_dir: "/tmp/hearth/models", model_files: [], startup_model: null };
        return { home: "/tmp/hearth", models_dir: "/tmp/hearth/models", model_files: [MODEL.path], startup_model: MODEL.path };
      case "hf_token_status":
        return tokenStored ? "keyring" : "none";
      case "set_hf_token":
        // As the real command on a machine without a Secret Service.
        if ((window as any).__noKeyring) throw { code: "KEYRING", message: "the OS keyring is not available (no Secret Service on the session bus); on Linux it needs a Secret Service such as GNOME Keyring or KWallet — or set HF_TOKEN in the environment" };
        tokenStored = true;
        return null;
      case "clear_hf_token":
        tokenStored = false;
        return null;
      case "first_run_offer":
        return firstRunOffer;
      case "use_demo_model":
        demoCopied = true;
        return MODEL.path;
      case "model_status":
        return { model, wanted_path: MODEL.path, engine: { running: lastDeath === null, pid: 42, last_death: lastDeath, system_info: "CPU", devices: fakeDevices(), default_device: defaultDevice(), backend_libraries: [] } };
      case "check_engine": {
        // As hearth-core's restart policy: a dead engine is restarted, at most once a minute.
        const status = () => ({ model, wanted_path: MODEL.path, engine: { running: lastDeath === null, pid: 42, last_death: lastDeath, system_info: "CPU", devices: fakeDevices(), default_device: defaultDevice(), backend_libraries: [] } });
        if (lastDeath === null || Date.now() - lastAutoRestart < 60_000) return { status: status(), notice: null, error: null };
        lastAutoRestart = Date.now();
        const death = lastDeath;
        if ((window as any).__fake.failRestarts > 0) {
          (window as any).__fake.failRestarts -= 1;
          return { status: status(), notice: null, error: { code: "ENGINE_UNAVAILABLE", message: "the engine could not be started (/usr/lib/hearth/hearth): it exited at start (crashed on an unsupported CPU instruction (SIGILL))" } };
        }
        lastDeath = null;
        model = { ...MODEL };
        return { status: status(), notice: { key: "said.engine.restarted", args: { death }, text: `${death}. Hearth restarted the engine and reloaded the model; the conversation is kept.` }, error: null };
      }
      case "model_settings":
        return (window as any).__fake.modelSettings ?? { context_length: null, threads: null, gpu_layers: null, flash_attention: "auto", kv_cache_type: "f16", mmap: true, mlock: false, batch_size: 512, ubatch_size: null, n_cpu_moe: null, devices: [], draft: "none", draft_model: null, rpc: [], parallel: null };
      case "watch_hardware": {
        // A recorded snapshot, then the same machine with a DIMM running hot.
        const first = strixHalo as HardwareSnapshot;
        if ((window as any).__bareMachine) {
          // A VM: no GPU, no temperature sensor.
          const bare = structuredClone(first);
          bare.gpus = [];
          bare.sensors = [];
          bare.cpu.temperature_c = null;
          args.onSample.onmessage({ snapshot: bare, engine_rss_bytes: 150 * 1024 * 1024 });
          return null;
        }
        args.onSample.onmessage({ snapshot: first, engine_rss_bytes: 150 * 1024 * 1024 });
        setTimeout(() => {
          const hot = structuredClone(first);
          hot.sensors.push({ label: "spd5118 temp1", kind: "memory", temperature_c: 86.5, source: "hwmon hwmon7 (spd5118)" });
          args.onSample.onmessage({ snapshot: hot, engine_rss_bytes: 150 * 1024 * 1024 });
        }, (window as any).__fake.hotAfterMs ?? 600);
        return null;
      }
      case "prompt_cache_usage":
        return keptStates;
      case "set_prompt_cache_budget":
        keptStates = { ...keptStates, budget_bytes: args.bytes ?? 10 * 2 ** 30, budget_is_default: args.bytes === null };
        return keptStates;
      case "clear_prompt_cache":
        keptStates = { ...keptStates, states: 0, used_bytes: 0 };
        return keptStates;
      case "set_monitor_interval":
        (window as any).__fake.monitorIntervals = [...((window as any).__fake.monitorIntervals ?? []), args.ms];
        return null;
      case "check_tuning":
        (window as any).__fake.tuningAsked = { model: args.model ?? null, ctx: args.ctx ?? null };
        return tuningStrixHalo as unknown as TuningReport;
      case "ui_preference":
        return (window as any).__fake.prefs?.[args.key] ?? null;
      case "set_ui_preference":
        (window as any).__fake.prefs = { ...((window as any).__fake.prefs ?? {}), [args.key]: args.value };
        return null;
      case "plugin:dialog|open":
        return (window as any).__fake.nextPick ?? null;
      case "plugin:path|resolve_directory":
        return "/home/me/Documents";
      case "plugin:path|join":
        return args.paths.join("/");
      case "plugin:dialog|save":
        (window as any).__fake.saveOptions = args.options;
        return (window as any).__fake.nextSave ?? null;
      case "export_conversation":
        (window as any).__fake.exported = { id: args.id, path: args.path };
        return null;
      case "load_model": {
        (window as any).__fake.lastLoadPath = args.path;
        (window as any).__fake.lastLoadSettings = args.settings;
        if (args.path.includes("broken")) {
          throw { code: "INVALID_MODEL", message: "broken.gguf is not a usable GGUF model: the file is truncated: tensor blk.0.attn_q.weight ends at byte 9000000 but the file has 4096 bytes" };
        }
        for (const f of [0.1, 0.5, 1.0]) {
          await new Promise((r) => setTimeout(r, 30));
          args.onProgress.onmessage({ kind: "progress", fraction: f });
        }
        // Where the layers go, as the engine says it (crates/engine/src/device_choice.rs).
        const gpus = fakeDevices().filter((d: any) => d.backend !== "CPU").map((d: any) => d.name);
        const chosen: string[] = args.settings?.devices ?? [];
        const automatic = gpus.filter((n: string) => defaultDevice().startsWith(`${n} (`));
        const on = chosen.length === 0 ? automatic : chosen.filter((n) => gpus.includes(n));
        (window as any).__fake.lastLoadSettings = args.settings;
        if (args.settings) (window as any).__fake.modelSettings = args.settings;
        model = { ...MODEL, path: args.path, context_length: args.settings?.context_length ?? MODEL.context_length, backend: on.length ? on.join(",") : "CPU", parallel: args.settings?.parallel ?? 1 };
        if (args.path.includes("gpt-oss")) {
          // A reasoning model whose template reads `reasoning_effort` (crates/engine/src/chat_prompt.rs).
          model = { ...model, name: "gpt-oss-120b", architecture: "gpt-oss", quant: "MXFP4_MOE", reasoning_effort: true };
        }
        return model;
      }
      case "list_conversations": {
        const q = (args.query ?? "").toLowerCase();
        return [...conversations]
          .filter((c) => !q || c.title.toLowerCase().includes(q) || messages.some((m) => m.conversation_id === c.id && m.content.toLowerCase().includes(q)))
          .sort((a, b) => b.updated_at - a.updated_at);
      }
      case "search_messages": {
        // The store's search in small: any case (Cyrillic too), the match marked as the store
        // marks it (U+0002 … U+0003).
        const q = String(args.query).toLocaleLowerCase();
        return messages
          .filter((m) => q && m.content.toLocaleLowerCase().includes(q))
          .map((m) => {
            const at = m.content.toLocaleLowerCase().indexOf(q);
            const snippet = m.content.slice(0, at) + "\u0002" + m.content.slice(at, at + q.length) + "\u0003" + m.content.slice(at + q.length);
            return { conversation_id: m.conversation_id, conversation_title: conv(m.conversation_id).title, message_id: m.id, role: m.role, snippet };
          });
      }
      case "create_conversation": {
        const c: Conversation = { id: nextId++, title: "New chat", system_prompt: "", sampling: MODEL.sampling_defaults, template: { kind: "model" }, tools: { servers: [], off: [], required: false, documents: null }, created_at: Date.now(), updated_at: Date.now() + nextId };
        conversations.push(c);
        return c;
      }
      case "rename_conversation":
        conv(args.id).title = args.title;
        return conv(args.id);
      case "delete_conversation": {
        conversations.splice(conversations.findIndex((c) => c.id === args.id), 1);
        return null;
      }
      case "get_messages":
        return messages.filter((m) => m.conversation_id === args.conversationId).map((m) => ({ ...m }));
      case "update_conversation":
        Object.assign(conv(args.id), { system_prompt: args.systemPrompt, sampling: args.sampling, template: args.template });
        return conv(args.id);
      case "send_message": {
        if ((window as any).__fake.failNextSend) {
          (window as any).__fake.failNextSend = false;
          throw { code: "STORAGE", message: "database error: database or disk is full" };
        }
        const c = conv(args.conversationId);
        if (c.title === "New chat") c.title = args.text.slice(0, 48);
        const u = msg(args.conversationId, "user", args.text);
        if (c.tools.servers.length > 0) return toolTurn(args.conversationId, { ...u }, args.onEvent);
        return stream(args.conversationId, args.text, { ...u }, args.onEvent);
      }
      case "regenerate": {
        const mine = messages.filter((m) => m.conversation_id === args.conversationId);
        const lastUser = [...mine].reverse().find((m) => m.role === "user")!;
        for (const m of mine) if (m.id > lastUser.id) messages.splice(messages.indexOf(m), 1);
        return stream(args.conversationId, lastUser.content, null, args.onEvent);
      }
      case "edit_and_resend": {
        const u = messages.find((m) => m.id === args.messageId)!;
        u.content = args.text;
        for (const m of messages.filter((m) => m.conversation_id === args.conversationId && m.id > u.id)) messages.splice(messages.indexOf(m), 1);
        return stream(args.conversationId, args.text, { ...u }, args.onEvent);
      }
      case "restart_engine": {
        if ((window as any).__fake.failRestarts > 0) {
          (window as any).__fake.failRestarts -= 1;
          throw { code: "ENGINE_UNAVAILABLE", message: "the engine could not be started (/usr/lib/hearth/hearth): it exited at start (crashed on an unsupported CPU instruction (SIGILL))" };
        }
        lastDeath = null;
        args.onProgress.onmessage({ kind: "progress", fraction: 1 });
        model = { ...MODEL };
        return model;
      }
      case "advisor_catalog":
        return {
          models: catalogModels,
          hardware: (machinesGptOss as any[]).map((m) => m.hardware),
          quants: adviceGptOssStrix.rows.map((r: any) => r.quant),
          this_machine: adviceGptOssStrix.hardware,
        };
      case "advise_model": {
        (window as any).__fake.lastAdvise = args.input;
        if (args.input.ctx < 64) throw { code: "BAD_REQUEST", message: `a context of ${args.input.ctx} tokens is too small (at least 64)` };
        if (args.input.model.kind === "file") return adviceSmolFile;
        // `hearth advise --ctx 65536 --depth 32768 --use long-documents`, recorded.
        return args.input.depth > 0 ? adviceGptOssStrixDepth : adviceGptOssStrix;
      }
      case "compare_machines":
        return machinesGptOss;
      case "apply_advice":
        (window as any).__fake.applied = { path: args.path, recommendation: args.recommendation };
        return { context_length: args.recommendation.ctx, threads: null, gpu_layers: args.recommendation.gpu_layers, flash_attention: "on", kv_cache_type: "f16", mmap: false, mlock: false, batch_size: 512, ubatch_size: null, n_cpu_moe: null };
      case "quantize_model": {
        if (!args.allowRequantize) throw { code: "REQUANTIZE_NEEDS_CONSENT", message: "the source is Q4_1, already quantized" };
        const output = args.path.replace(/\.Q4_1\.gguf$/, `-${args.quant}.gguf`);
        (window as any).__fake.quantizing = true;
        args.onEvent.onmessage({ kind: "started", output, warning: "the source is Q4_1, already quantized" });
        for (const f of [0.25, 0.5, 0.75]) {
          await new Promise((r) => setTimeout(r, (window as any).__fake.quantizeStepMs ?? 30));
          if ((window as any).__fake.cancelQuantize) {
            (window as any).__fake.cancelQuantize = false;
            throw { code: "CANCELLED", message: "quantizing was cancelled" };
          }
          args.onEvent.onmessage({ kind: "progress", fraction: f });
        }
        return { output, size_bytes: 143 * 1048576, seconds: 2, source_type: "Q4_1", warning: "the source is Q4_1, already quantized" };
      }
      case "library": {
        const f = (window as any).__fake;
        f.library ??= [{ name: "SmolLM2-135M-Instruct.Q4_1", path: MODEL.path, files: [MODEL.path], size_bytes: 98362432, architecture: "llama", quant: "Q4_1", parameters: 134515008, context_length: 8192, sha256: null, problem: null, in_hearth_dir: true, fits: "cpu", predicted_tg_tps: 48 }];
        return f.library;
      }
      case "list_model_folders":
        return (window as any).__fake.folders ?? [];
      case "add_model_folder": {
        const f = (window as any).__fake;
        f.folders = [...(f.folders ?? []), args.path];
        return f.folders;
      }
      case "remove_model_folder": {
        const f = (window as any).__fake;
        f.folders = (f.folders ?? []).filter((x: string) => x !== args.path);
        return f.folders;
      }
      case "reveal_model":
        (window as any).__fake.lastReveal = args.path;
        return null;
      case "open_link":
        ((window as any).__fake.openedLinks ??= []).push(args.url);
        return null;
      case "remove_model": {
        const f = (window as any).__fake;
        f.library = f.library.filter((m: any) => m.path !== args.path);
        return null;
      }
      case "search_hub": {
        // The Hub's answer in small: two pages for "gemma", none for anything else, a 500 for "boom".
        if (args.query === "boom") throw { code: "SERVER_FAILED", message: "the server failed: http://hub.test answered 500 to the search" };
        if (!String(args.query).includes("gemma")) return { models: [], next: null };
        (window as any).__fake.lastHubSort = args.sort;
        if (args.page) return { models: [{ id: "someone/gemma-3-270m-it-GGUF", downloads: 1200, likes: 3, updated: "2025-03-01T00:00:00.000Z" }], next: null };
        return {
          models: [
            { id: "ggml-org/gemma-3-270m-GGUF", downloads: 152000, likes: 48, updated: "2025-08-14T10:00:00.000Z" },
            { id: "unsloth/gemma-3-270m-it-GGUF", downloads: 98000, likes: 61, updated: null },
          ],
          next: "http://hub.test/api/models?search=gemma&cursor=2",
        };
      }
      case "repo_files":
        if (!args.spec.includes("/")) throw { code: "BAD_REQUEST", message: `'${args.spec}' is not a Hugging Face repo id (owner/name[:file])` };
        return [{ path: "gemma-3-270m-Q4_K_M.gguf", size_bytes: 253113024, sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", fits: "cpu", predicted_tg_tps: 38.2, verdict_problem: null }];
      case "pull_model": {
        const f = (window as any).__fake;
        for (const done of [50e6, 150e6, 253113024]) {
          await new Promise((r) => setTimeout(r, 60));
          args.onProgress.onmessage({ file: args.file, done_bytes: done, total_bytes: 253113024, bytes_per_s: 25e6 });
        }
        const path = `/models/${args.file}`;
        f.library.push({ name: "gemma-3-270m-Q4_K_M", path, files: [path], size_bytes: 253113024, architecture: "gemma3", quant: "Q4_K_M", parameters: 268098176, context_length: 32768, sha256: "a5fd", problem: null, in_hearth_dir: true, fits: "cpu", predicted_tg_tps: 30 });
        return [path];
      }
      case "cancel_pull":
        return null;
      case "bench_results": {
        const f = (window as any).__fake;
        return { machine: "Intel(R) Xeon(R) Processor · 24 GiB", records: f.benchRecords ?? [] };
      }
      case "run_benchmark": {
        const f = (window as any).__fake;
        f.lastBench = args.input;
        // The steps as the engine says them (crates/engine/src/bench.rs).
        const steps = [
          { key: "said.bench.loading", args: {}, text: "loading" },
          { key: "said.bench.prompt", args: { rep: 1, reps: 1 }, text: "prompt 1/1" },
          { key: "said.bench.generation", args: { rep: 1, reps: 1 }, text: "generation 1/1" },
        ];
        for (const step of steps) {
          args.onStep.onmessage(step);
          await new Promise((r) => setTimeout(r, f.benchStepMs ?? 30));
          if (f.cancelBench) {
            f.cancelBench = false;
            throw { code: "CANCELLED", message: "the benchmark was cancelled" }; // as the core says it (jobs.rs)
          }
        }
        const report = { ...benchSmol, model_path: args.input.path, n_prompt: args.input.n_prompt, n_gen: args.input.n_gen };
        f.benchRecords = [...(f.benchRecords ?? []), { id: (f.benchRecords?.length ?? 0) + 1, machine: "Intel(R) Xeon(R) Processor · 24 GiB", created_at: Date.now(), report }];
        return report;
      }
      case "cancel_benchmark":
        (window as any).__fake.cancelBench = true;
        return null;
      case "dry_run_model":
        return { weights_bytes: 96576768, kv_bytes: 188743680, compute_bytes: 115165102, weights_by_buffer: {} };
      case "cancel_quantize":
        (window as any).__fake.cancelQuantize = true;
        return null;
      case "summarize_document": {
        const d = docs.find((x) => x.id === args.documentId)!;
        const u = msg(args.conversationId, "user", `Summarize ${d.name}`);
        for (let section = 0; section <= 3; section++) {
          args.onEvent.onmessage({ kind: "summary_progress", section, sections: 3 } satisfies TurnEvent);
          await new Promise((r) => setTimeout(r, 150));
        }
        return stream(args.conversationId, "summary", { ...u }, args.onEvent);
      }
      case "add_documents": {
        const out = [];
        for (const path of args.paths as string[]) {
          const name = path.split("/").pop()!;
          if (name.includes("locked")) {
            out.push({ path, document: null, error: { code: "DOCUMENT_ENCRYPTED", message: `${name} is password-protected: Hearth cannot open encrypted PDFs (remove the password, e.g. with qpdf --decrypt, and add it again)` } });
            continue;
          }
          for (let page = 1; page <= 3; page++) {
            await new Promise((r) => setTimeout(r, 120));
            args.onProgress.onmessage({ document: name, stage: "reading", page, pages: 3 });
          }
          args.onProgress.onmessage({ document: name, stage: "indexing", page: 0, pages: 3 });
          await new Promise((r) => setTimeout(r, 50));
          const d = { id: nextId++, sha256: "ab", name, path, kind: "pdf", pages: 3, tokens: 41, unreadable_pages: [], created_at: Date.now(), conversation: args.conversationId };
          docs.push(d);
          args.onProgress.onmessage({ document: name, stage: "done", page: 3, pages: 3 });
          out.push({ path, document: d, error: null });
        }
        return out;
      }
      case "conversation_documents":
        return docs.filter((d) => d.conversation === args.conversationId);
      case "remove_document":
        docs.splice(docs.findIndex((d) => d.id === args.documentId && d.conversation === args.conversationId), 1);
        return null;
      case "document_page":
        return MANUAL_PAGES[args.page - 1];
      case "cancel_documents":
        return null;
      case "list_remote_servers":
        return remoteServers.map((r) => ({ ...r }));
      case "add_remote_server": {
        // As the real command: a server that cannot be reached is an error and is not saved.
        if (args.baseUrl.includes("10.0.0.9")) throw { code: "REMOTE_UNREACHABLE", message: "cannot reach 10.0.0.9:8000: Connection refused (os error 111)" };
        const server = { name: args.name || "192.168.1.20:8000", base_url: args.baseUrl.replace(/\/?$/, "") + "/v1", has_key: !!args.apiKey, key_note: keyNote(args.apiKey) };
        remoteServers.push(server);
        return { server, models: REMOTE_MODELS };
      }
      case "remote_models":
        return REMOTE_MODELS;
      case "list_mcp_servers":
        return mcpServers.map((s) => ({ ...s, always: [...s.always] }));
      case "add_mcp_server": {
        // As the real command: a server that does not start is an error and is not saved.
        const s = args.server;
        if ((s.command ?? "").includes("/nonexistent")) throw { code: "MCP_SERVER_FAILED", message: `the MCP server \`${s.command}\` did not start: No such file or directory (os error 2)` };
        const view: McpServerView = { name: s.name, command: s.command, url: s.url, headers: s.headers, has_token: !!s.token, token_note: null, always: [], running: true, tools: FS_TOOLS, error: null };
        mcpServers.splice(0, mcpServers.length, ...mcpServers.filter((x) => x.name !== s.name), view);
        return view;
      }
      case "start_mcp_server":
        return mcpServers.find((s) => s.name === args.name)!;
      case "remove_mcp_server":
        mcpServers.splice(mcpServers.findIndex((s) => s.name === args.name), 1);
        return null;
      case "set_mcp_tool_always": {
        const s = mcpServers.find((x) => x.name === args.server)!;
        s.always = s.always.filter((t) => t !== args.tool).concat(args.always ? [args.tool] : []);
        return null;
      }
      case "set_conversation_tools": {
        const c = conv(args.id);
        c.tools = args.tools;
        return { ...c };
      }
      case "answer_tool_call": {
        const resolve = waitingApprovals.get(args.approvalId);
        if (!resolve) throw { code: "NOT_FOUND", message: "that tool call is no longer waiting for an answer" };
        waitingApprovals.delete(args.approvalId);
        resolve(args.answer);
        return null;
      }
      case "remove_remote_server":
        remoteServers.splice(remoteServers.findIndex((r) => r.name === args.name), 1);
        return null;
      case "use_remote_model":
        model = { ...MODEL, path: `http://192.168.1.20:8000/v1/${args.model}`, name: args.model, architecture: "remote", quant: "", size_bytes: 0, parameters: 0, backend: "remote 192.168.1.20:8000", chat_template: "the server's" };
        return model;
      case "api_server_status":
        return { ...server, recent: [...server.recent] };
      case "start_api_server": {
        // A port another program holds, as the real command reports it.
        if (args.settings.port === 1234) {
          server.error = "port 1234 is already in use by another program: choose another port";
          throw { code: "BUSY", message: server.error };
        }
        // As hearth-core: other machines only with a key.
        if (args.settings.allow_remote && !args.settings.api_key) throw { code: "BAD_REQUEST", message: "letting other machines use the model needs an API key" };
        server.settings = { ...args.settings, enabled: true };
        server.key_note = keyNote(args.settings.api_key);
        server.base_url = `http://127.0.0.1:${args.settings.port}/v1`;
        server.error = null;
        return { ...server, recent: [...server.recent] };
      }
      case "stop_api_server":
        server.settings = { ...server.settings, enabled: false };
        server.base_url = null;
        return { ...server, recent: [...server.recent] };
      case "watch_api_requests": {
        // A client's request as the server records it: queued, running, done with its tokens.
        const base = { id: ++apiRequestId, route: "POST /v1/chat/completions", model: MODEL.name, stream: true, http_status: null, prompt_tokens: null, completion_tokens: null, started_at_ms: Date.now(), duration_ms: null, error: null, note: null };
        const steps = [
          { ...base, state: "queued" },
          { ...base, state: "running" },
          { ...base, state: "done", http_status: 200, prompt_tokens: 31, completion_tokens: 12, duration_ms: 412.5 },
        ];
        steps.forEach((r, i) => setTimeout(() => { server.recent = [...server.recent.filter((x) => x.id !== r.id), r as any]; args.onRequest.onmessage(r); }, 200 * (i + 1)));
        return null;
      }
      case "stop_generation":
        stopRequested.add(generation);
        return null;
      default: {
        // Every command Rust has is answered above: a new one fails the type check until it is.
        const unanswered: never = command;
        throw { code: "INTERNAL", message: `the fake backend has no command ${unanswered}` };
      }
    }
  };
}
