// What the window costs while an answer streams: the real app driven through tauri-driver (as
// tests/e2e), the demo model, one fixed prompt at temperature 0 (the same text every run), and
// the CPU each process used from Send to the answer's end (the app, WebKit's web process, the
// engine), with the generation speed the engine measured. Run under Xvfb:
//   xvfb-run -a -s "-screen 0 1280x800x24" node bench/app_streaming.mjs --app A/usr/bin/hearth-app \
//     [--baseline B/usr/bin/hearth-app] [--reps 3] [--max-tokens 600]
// With a baseline the two apps run in turns. Needs tauri-driver and WebKitWebDriver (the
// real-window layer installs them) and the demo model (HEARTH_TEST_MODEL, default
// .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf).
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { session, startDriver, stopDriver, waitFor } from "../tests/e2e/webdriver.mjs";

const { values } = parseArgs({
  options: {
    app: { type: "string" },
    baseline: { type: "string" },
    reps: { type: "string", default: "3" },
    "max-tokens": { type: "string", default: "600" },
    prompt: { type: "string", default: "Write a long story about a dragon who learns to bake bread." },
  },
});
if (!values.app) throw new Error("--app PATH (a hearth-app with its hearth beside it) is required");
const model = resolve(process.env.HEARTH_TEST_MODEL ?? ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf");
const ticksPerSecond = 100; // USER_HZ on Linux

// CPU seconds so far of every process of the app, by name: (user + system) ticks in /proc/PID/stat.
function cpuByName() {
  const names = { "hearth-app": "app", WebKitWebProces: "webkit", hearth: "engine" };
  const total = { app: 0, webkit: 0, engine: 0 };
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (names[comm]) total[names[comm]] += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  }
  return total;
}

async function run(app) {
  const home = mkdtempSync(join(tmpdir(), "hearth-streaming-"));
  mkdirSync(join(home, "models"));
  symlinkSync(model, join(home, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"));
  await startDriver(app, home);
  try {
    await session.open();
    await waitFor("the demo model to load", () => session.text('[data-testid="model-name"]'), 90_000);
    await session.click('[data-testid="new-chat"]');
    await session.click('[data-testid="toggle-settings"]');
    await session.type('[data-testid="max-tokens"]', values["max-tokens"]);
    await session.type('[data-testid="temperature"]', "0");
    await session.click('[data-testid="save-conversation"]');
    await session.click('[data-testid="toggle-settings"]');
    await session.type('[data-testid="composer"]', values.prompt);
    const before = cpuByName();
    const started = Date.now();
    await session.type('[data-testid="composer"]', "\uE007");
    await waitFor("the answer to end", () => session.exec(`return !!document.querySelector('[data-role="assistant"][data-status="complete"] [data-testid="stats"]');`), 300_000);
    const seconds = (Date.now() - started) / 1000;
    const after = cpuByName();
    const stats = await session.text('[data-role="assistant"] [data-testid="stats"]');
    const answer = await session.text('[data-role="assistant"] [data-testid="answer"]');
    const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
    const tps = Number(/([\d.]+) tok\/s/.exec(stats)?.[1]);
    return { seconds, cpu, tps, stats, chars: answer.length };
  } finally {
    await stopDriver();
    rmSync(home, { recursive: true, force: true });
  }
}

const apps = [["app", resolve(values.app)], ...(values.baseline ? [["baseline", resolve(values.baseline)]] : [])];
const runs = Object.fromEntries(apps.map(([label]) => [label, []]));
for (let rep = 0; rep < Number(values.reps); rep++) {
  for (const [label, app] of apps) {
    const r = await run(app);
    runs[label].push(r);
    console.log(
      `${label} rep ${rep + 1}: ${r.tps} tok/s (${r.stats.trim()}), ${r.chars} chars in ${r.seconds.toFixed(1)} s; ` +
        `CPU s: webkit ${r.cpu.webkit.toFixed(2)}, app ${r.cpu.app.toFixed(2)}, engine ${r.cpu.engine.toFixed(2)}`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log("\n| app | tok/s (median) | WebKit CPU s | app CPU s | engine CPU s | answer chars |\n|---|---:|---:|---:|---:|---:|");
for (const [label] of apps) {
  const rs = runs[label];
  const m = (f) => median(rs.map(f)).toFixed(2);
  console.log(`| ${label} | ${m((r) => r.tps)} | ${m((r) => r.cpu.webkit)} | ${m((r) => r.cpu.app)} | ${m((r) => r.cpu.engine)} | ${rs[0].chars} |`);
}
