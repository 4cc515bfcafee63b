// The WebDriver side of the real-window tests: tauri-driver started for a Hearth home, a session
// on the app (find, click, type, run a script, screenshot) and waiting for a condition. Shared by
// tests/e2e (the app from the build tree) and tests/package (the installed app).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const shots = resolve(process.env.HEARTH_SHOTS ?? "shots");
const port = 4444 + Math.floor(Math.random() * 500);
const base = `http://127.0.0.1:${port}`;
let driver;
let app;
let appHome;

async function wd(method, path, body) {
  const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.value;
}

export async function waitFor(what, fn, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

const ELEMENT = "element-6066-11e4-a52e-4f735466cecc";
export const session = {
  async open() {
    // A test that failed left its session open; without this every later test failed too
    // ("Maximum number of active sessions").
    if (this.id) await this.close().catch(() => {});
    const v = await wd("POST", "/session", { capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: app } } } });
    this.id = v.sessionId;
  },
  // Returns once the app has quitting behind it: the next session's app is then the home's
  // app, never a second launch that finds the first still closing and leaves (one app per home).
  async close() {
    const id = this.id;
    this.id = null;
    await wd("DELETE", `/session/${id}`);
    await waitFor("the app to quit (app.lock free)", () => spawnSync("flock", ["-n", join(appHome, "app.lock"), "true"]).status === 0, 60_000);
  },
  async find(css) {
    const v = await wd("POST", `/session/${this.id}/element`, { using: "css selector", value: css });
    return v[ELEMENT] ?? Object.values(v)[0];
  },
  async exec(script, args = []) {
    return wd("POST", `/session/${this.id}/execute/sync`, { script, args });
  },
  async execAsync(script, args = []) {
    return wd("POST", `/session/${this.id}/execute/async`, { script, args });
  },
  async text(css) {
    return this.exec("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", [css]);
  },
  async click(css) {
    await wd("POST", `/session/${this.id}/element/${await this.find(css)}/click`, {});
  },
  async clear(css) {
    await wd("POST", `/session/${this.id}/element/${await this.find(css)}/clear`, {});
  },
  async type(css, text) {
    await wd("POST", `/session/${this.id}/element/${await this.find(css)}/value`, { text });
  },
  async screenshot(name) {
    const png = await wd("GET", `/session/${this.id}/screenshot`);
    mkdirSync(shots, { recursive: true });
    writeFileSync(join(shots, name), Buffer.from(png, "base64"));
  },
};

// Starts tauri-driver for `appPath` with HEARTH_HOME = `home` (and `env` added).
export async function startDriver(appPath, home, env = {}) {
  app = appPath;
  appHome = home;
  driver = spawn(process.env.TAURI_DRIVER ?? "tauri-driver", ["--port", String(port), "--native-port", String(port + 1000)], {
    env: { ...process.env, HEARTH_HOME: home, ...env },
    stdio: ["ignore", "inherit", "inherit"],
    // Its own process group, so that `stopDriver` can end everything it started (WebKitWebDriver,
    // the app, its engine): a leftover app holds the test runner's output pipe open forever.
    detached: true,
  });
  await waitFor("tauri-driver", () => fetch(`${base}/status`).then((r) => r.ok), 20_000);
}

// Ends the session (a failed assertion leaves its window open), tauri-driver and its group.
export async function stopDriver() {
  // A failed assertion leaves its window open: close it, so that no app outlives the test.
  if (session.id) await session.close().catch(() => {});
  if (!driver) return;
  // SIGTERM first (tauri-driver then stops WebKitWebDriver), then whatever is left of the group.
  driver.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1000));
  try {
    process.kill(-driver.pid, "SIGKILL");
  } catch {
    // the group is already gone
  }
}
