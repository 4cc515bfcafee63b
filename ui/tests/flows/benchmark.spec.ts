import { test, expect } from "@playwright/test";

// The Benchmark page over a recorded real `hearth bench` report (IPC mocked).
test("a benchmark of the loaded model runs, can be cancelled, and is listed and charted", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-benchmark").click();
  const panel = page.getByTestId("benchmark");
  await expect(panel.getByTestId("bench-model")).toHaveText("SmolLM2-135M-Instruct.Q4_1.gguf");
  await expect(panel.getByTestId("bench-row")).toHaveCount(0);
  await expect(panel.getByTestId("bench-none")).toHaveText("No results yet: run a benchmark above.");

  // A slow run, cancelled.
  await page.evaluate(() => ((window as any).__fake.benchStepMs = 400));
  await panel.getByTestId("bench-run").click();
  await expect(panel.getByTestId("bench-step")).toContainText("loading");
  await panel.getByTestId("bench-cancel").click();
  await expect(panel.getByTestId("bench-error")).toContainText("cancelled");
  await expect(panel.getByTestId("bench-row")).toHaveCount(0);

  await page.evaluate(() => ((window as any).__fake.benchStepMs = 20));
  await panel.getByTestId("bench-p").fill("128");
  await panel.getByTestId("bench-n").fill("32");
  await panel.getByTestId("bench-run").click();
  await expect(panel.getByTestId("bench-last")).toContainText("pp128");
  await expect(panel.getByTestId("bench-last")).toContainText("tok/s");
  const sent = await page.evaluate(() => (window as any).__fake.lastBench);
  expect(sent).toMatchObject({ path: "/models/SmolLM2-135M-Instruct.Q4_1.gguf", n_prompt: 128, n_gen: 32, reps: 3 });
  await panel.getByTestId("bench-run").click();
  await expect(panel.getByTestId("bench-row")).toHaveCount(2);
  await expect(panel.getByTestId("bench-none")).toHaveCount(0);
  // When, in the window's language and time zone (it was UTC in ISO form).
  const when: number = await page.evaluate(() => (window as any).__fake.benchRecords.at(-1).created_at);
  const local = await page.evaluate((t) => new Intl.DateTimeFormat("en", { dateStyle: "short", timeStyle: "short" }).format(new Date(t)), when);
  await expect(panel.getByTestId("bench-row").first().locator("td").first()).toHaveText(local);
  await expect(panel.getByTestId("bench-chart").locator("circle")).toHaveCount(2);
  await page.screenshot({ path: "test-results/benchmark.png" });
});

test("the model bar says where the model runs and the settings list the compute devices", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-backend")).toHaveText("on CPU");
  await page.getByTestId("toggle-settings").click();
  await expect(page.getByTestId("devices")).toContainText("CPU (Intel(R) Xeon(R) Processor");
  await expect(page.getByTestId("devices")).toContainText("This build runs on the CPU");
});

test("the device a model runs on is chosen in its settings and the model bar follows", async ({ page }) => {
  await page.addInitScript(() => {
    (window as any).__fakeDevices = [
      { name: "CUDA0", description: "NVIDIA GeForce RTX 4090", backend: "CUDA", memory_total_bytes: 25757220864, memory_free_bytes: 25000000000, kind: "gpu" },
      { name: "CUDA1", description: "NVIDIA GeForce RTX 3090", backend: "CUDA", memory_total_bytes: 25769803776, memory_free_bytes: 25000000000, kind: "gpu" },
      { name: "CPU", description: "AMD Ryzen 9 7950X", backend: "CPU", memory_total_bytes: 67000000000, memory_free_bytes: 60000000000, kind: "cpu" },
    ];
    // The engine's own choice with nothing chosen: the best GPU (device_choice::choose_default).
    (window as any).__fakeDefaultDevice = "CUDA1 (NVIDIA GeForce RTX 3090, 24.0 GiB): a discrete GPU, the best of 2 (also CUDA0: choose one by name to use it)";
  });
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("toggle-settings").click();
  const choice = page.getByTestId("device-choice");
  await expect(choice.locator("option")).toHaveText(["Automatic (CUDA1)", "CUDA0 only", "CUDA1 only", "CPU only"]);
  await choice.selectOption("CUDA0");
  await page.getByTestId("apply-model").click();
  await expect(page.getByTestId("model-backend")).toHaveText("on CUDA0");
  expect(await page.evaluate(() => (window as any).__fake.lastLoadSettings.devices)).toEqual(["CUDA0"]);
  await page.screenshot({ path: "test-results/device-choice.png" });

  await choice.selectOption("CPU");
  await page.getByTestId("apply-model").click();
  await expect(page.getByTestId("model-backend")).toHaveText("on CPU");
  expect(await page.evaluate(() => (window as any).__fake.lastLoadSettings.devices)).toEqual(["CPU"]);

  // Back to the default: the engine's best GPU, and an empty list is what is saved.
  await choice.selectOption("");
  await page.getByTestId("apply-model").click();
  await expect(page.getByTestId("model-backend")).toHaveText("on CUDA1");
  expect(await page.evaluate(() => (window as any).__fake.lastLoadSettings.devices)).toEqual([]);

  // The Benchmark page runs on a device of its own choosing.
  await page.evaluate(() => ((window as any).__fake.benchStepMs = 10));
  await page.getByTestId("open-benchmark").click();
  const bench = page.getByTestId("benchmark");
  await expect(bench.getByTestId("bench-device").locator("option")).toHaveText(["Automatic (CUDA1)", "CUDA0 only", "CUDA1 only", "CPU only"]);
  await bench.getByTestId("bench-device").selectOption("CUDA0");
  await bench.getByTestId("bench-run").click();
  await expect(bench.getByTestId("bench-last")).toContainText("tok/s");
  expect(await page.evaluate(() => (window as any).__fake.lastBench.devices)).toEqual(["CUDA0"]);
});
