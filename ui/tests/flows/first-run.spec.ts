import { test, expect } from "@playwright/test";

// The first run with IPC mocked: no model yet, so the demo model and the advisor's recommended
// downloads for this machine are offered; a recommendation opens the Models page on its repo with
// the files and this machine's verdict; the demo model loads with one click.
test("a first run offers the demo model and recommended downloads", async ({ page }) => {
  await page.addInitScript(() => ((window as any).__firstRun = true));
  await page.goto("/");
  const first = page.getByTestId("first-run");
  await expect(first).toBeVisible();
  await expect(first.getByTestId("recommended")).toHaveCount(2);
  await expect(first.getByTestId("recommended").first()).toContainText("gpt-oss-20b MXFP4");
  await expect(first.getByTestId("recommended").first()).toContainText("~12 tokens/s");
  await expect(first).toContainText("Recommended — This machine (Intel(R) Xeon(R) Processor, 24 GiB RAM)");
  // Where models will run, in the engine's words (issue 16).
  await expect(first.getByTestId("first-run-device")).toHaveText("They will run on the CPU: no GPU was found by this build's backends.");
  await page.screenshot({ path: "test-results/first-run.png" });

  await first.getByTestId("download-recommended").first().click();
  const models = page.getByTestId("models");
  await expect(models.getByTestId("repo")).toHaveValue("ggml-org/gpt-oss-20b-GGUF");
  await expect(models.getByTestId("repo-file")).toHaveCount(1);
  await models.getByRole("button", { name: "Close models" }).click();

  await first.getByTestId("use-demo").click();
  await expect(page.getByTestId("model-name")).toHaveText("SmolLM2 135M Instruct");
  await expect(page.getByTestId("first-run")).toHaveCount(0);
});
