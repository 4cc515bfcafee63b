import { test, expect } from "@playwright/test";
import { chooseCatalogMachineAndModel } from "./advisor-steps";

// The advisor wizard over the real advisor's recorded answers (IPC mocked).
test("the advisor wizard walks machine, model, context and shows the quant table, chart and recommendation", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-advisor").click();
  const advisor = page.getByTestId("advisor");
  await expect(advisor.getByTestId("step-machine")).toBeVisible();
  await chooseCatalogMachineAndModel(advisor, "strix-halo-395-128gb", "gpt-oss-120b");
  await advisor.getByTestId("ctx").fill("10");
  await advisor.getByTestId("advise").click();
  await expect(advisor.getByTestId("advisor-error")).toContainText("too small");
  await advisor.getByTestId("ctx").fill("32768");
  await advisor.getByTestId("advise").click();

  const sent = await page.evaluate(() => (window as any).__fake.lastAdvise);
  expect(sent).toMatchObject({ model: { kind: "catalog", id: "gpt-oss-120b" }, hardware: { kind: "catalog", id: "strix-halo-395-128gb" }, ctx: 32768, use_case: "chat" });
  await expect(advisor.getByTestId("recommendation")).toContainText("MXFP4");
  await expect(advisor.getByTestId("recommendation")).toContainText("-ngl 999");
  // A band, not a single number (issue 22): the spread of published runs on one machine.
  await expect(advisor.getByTestId("advice-range")).toHaveText(
    "About 56 tok/s (53–59) generating and 694 tok/s (617–770) reading the prompt: published runs of one model on one machine land this far apart (builds, drivers, stacks).",
  );
  await expect(advisor.getByTestId("quant-row")).toHaveCount(17);
  await expect(advisor.getByTestId("quant-table")).toContainText("unified memory");
  await expect(advisor.getByTestId("memory-chart").locator("rect")).toHaveCount(17);
  // A catalog model is not a file: nothing to apply the settings to, no dry run.
  await expect(advisor.getByTestId("apply")).toHaveCount(0);
  await expect(advisor.getByTestId("dry-run")).toHaveCount(0);

  // Prompt speed at depth (issue 22): a 32K document on the same machine.
  await expect(advisor.getByTestId("advice-prefill")).toHaveCount(0);
  await advisor.getByRole("button", { name: "3. Context" }).click();
  await advisor.getByTestId("ctx").fill("65536");
  await advisor.getByTestId("depth").fill("32768");
  await advisor.getByTestId("advise").click();
  await expect(advisor.getByTestId("advice-prefill")).toHaveText(
    "Reading a 32768-token document takes about 54 s: prompt processing falls from 728 tok/s at the start to 498 at that depth.",
  );
  // Two backends on a Strix Halo, side by side; ROCm chosen for long documents, with the numbers.
  await expect(advisor.getByTestId("backend-option")).toHaveCount(2);
  await expect(advisor.getByTestId("backend-choice")).toContainText(
    "ROCm for long documents: it reads a 32768-token document in about 54 s against 72 s on Vulkan, and generates 39 against 42 tok/s.",
  );
  await page.screenshot({ path: "test-results/advisor-backends.png", fullPage: true });

  await advisor.getByTestId("compare").click();
  await expect(advisor.getByTestId("machine-row")).toHaveCount(9);
  await expect(advisor.getByTestId("machine-table")).toContainText("split GPU/CPU");
  await page.screenshot({ path: "test-results/advisor.png", fullPage: true });
});

test("a recommendation for the loaded model is applied to its settings with one click", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-advisor").click();
  const advisor = page.getByTestId("advisor");
  await advisor.getByTestId("next").click(); // this machine
  await advisor.getByTestId("next").click(); // the loaded model (chosen by default)
  await advisor.getByTestId("advise").click();
  const sent = await page.evaluate(() => (window as any).__fake.lastAdvise);
  expect(sent.model).toEqual({ kind: "file", path: "/models/SmolLM2-135M-Instruct.Q4_1.gguf" });
  expect(sent.hardware).toEqual({ kind: "detect" });
  await advisor.getByTestId("apply").click();
  await expect(advisor.getByTestId("applied")).toContainText("SmolLM2-135M-Instruct.Q4_1.gguf");
  const applied = await page.evaluate(() => (window as any).__fake.applied);
  expect(applied.path).toBe("/models/SmolLM2-135M-Instruct.Q4_1.gguf");
  expect(applied.recommendation).toMatchObject({ quant: "Q8_0", gpu_layers: 999, ctx: 8192 });
});

test("the recommended quant is made from the loaded file, with consent, progress, cancel and load", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-advisor").click();
  const advisor = page.getByTestId("advisor");
  await advisor.getByTestId("next").click();
  await advisor.getByTestId("next").click();
  await advisor.getByTestId("advise").click();
  const make = advisor.getByTestId("make-quant");
  await expect(make).toHaveText("Make Q8_0 from this file");
  await expect(advisor.getByTestId("dry-run")).toContainText("llama.cpp's own dry run");
  await expect(advisor.getByTestId("dry-run")).toContainText("KV 0.2");
  // Q4_1 is already quantized: nothing happens without the user's consent.
  await expect(make).toBeDisabled();
  await advisor.getByTestId("accept-requantize").check();

  // A slow run, cancelled midway: the button comes back, nothing was made.
  await page.evaluate(() => ((window as any).__fake.quantizeStepMs = 400));
  await make.click();
  await expect(advisor.getByTestId("quantize-progress")).toBeVisible();
  await advisor.getByTestId("cancel-quantize").click();
  await expect(advisor.getByTestId("advisor-error")).toContainText("cancelled");
  await expect(make).toBeEnabled();

  await page.evaluate(() => ((window as any).__fake.quantizeStepMs = 30));
  await make.click();
  await expect(advisor.getByTestId("quantized")).toContainText("SmolLM2-135M-Instruct-Q8_0.gguf");
  await page.screenshot({ path: "test-results/advisor-quantize.png" });
  await advisor.getByTestId("load-quantized").click();
  await expect(page.getByTestId("model-name")).toBeVisible();
  const loaded = await page.evaluate(() => (window as any).__fake.lastLoadPath);
  expect(loaded).toBe("/models/SmolLM2-135M-Instruct-Q8_0.gguf");
});
