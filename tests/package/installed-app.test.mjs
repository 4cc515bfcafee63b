// The installed app (issue 16): the app from an unpacked .deb, started with an empty Hearth home
// and nothing from the build tree. It must offer the demo model it ships with, load it with one
// click, say where the model runs, and answer a message. Needs HEARTH_APP (the installed
// /usr/bin/hearth-app) and tauri-driver; scripts/package-test.sh runs it under Xvfb.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { session, startDriver, stopDriver, waitFor } from "../e2e/webdriver.mjs";

const app = resolve(process.env.HEARTH_APP ?? "/usr/bin/hearth-app");
const home = mkdtempSync(join(tmpdir(), "hearth-installed-"));

before(async () => {
  // Nothing that points into the build tree: the app finds its engine, its backend libraries and
  // its demo model among the installed files.
  const env = { HEARTH_ENGINE: "", HEARTH_DEMO_MODEL: "", HEARTH_BACKENDS_DIR: "" };
  await startDriver(app, home, env);
});

after(stopDriver);

test("the installed app offers its demo model, loads it and answers", async () => {
  await session.open();
  await waitFor("the first-run offer of the bundled demo model", () => session.exec(`return !!document.querySelector('[data-testid="use-demo"]');`), 60_000);
  // Where models will run, in the engine's words: the engine of the package, on this machine's CPU
  // (lavapipe, the only Vulkan device here, is software and hidden unless named).
  const device = await waitFor("where models will run", () => session.text('[data-testid="first-run-device"]'), 60_000);
  assert.match(device, /^They will run on the CPU/);
  await waitFor("the recommendations", () => session.exec(`return !!document.querySelector('[data-testid="recommended"]') || document.body.textContent.includes("No catalog model");`), 60_000);
  await session.screenshot("installed-first-run.png");
  await session.click('[data-testid="use-demo"]');
  await waitFor("the demo model to load", () => session.text('[data-testid="model-name"]'), 120_000);
  const where = await waitFor("where the model runs", () => session.text('[data-testid="model-backend"]'));
  assert.match(where, /on CPU/);
  // A short, greedy answer: the demo model can ramble for thousands of tokens when sampling.
  await session.click('[data-testid="new-chat"]');
  await session.click('[data-testid="toggle-settings"]');
  await session.type('[data-testid="max-tokens"]', "40");
  await session.type('[data-testid="temperature"]', "0");
  await session.click('[data-testid="save-conversation"]');
  await session.click('[data-testid="toggle-settings"]');
  await session.type('[data-testid="composer"]', "What is the capital of France?\uE007");
  await waitFor("the answer to finish", () => session.exec(`return !!document.querySelector('[data-role="assistant"][data-status="complete"] [data-testid="stats"]');`), 180_000);
  const answer = (await session.text('[data-role="assistant"] [data-testid="answer"]')).trim();
  assert.ok(answer.length > 0, "empty answer");
  await session.screenshot("installed-answer.png");
  await session.close();
});
