import { test, expect } from "@playwright/test";

// The Models page with IPC mocked: the library with this machine's verdict, a download from a
// repo with progress, speed and time left, remove, and open in chat.
test("the library lists models, downloads one from a repo, removes and opens", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-models").click();
  const panel = page.getByTestId("models");
  await expect(panel.getByTestId("library-row")).toHaveCount(1);
  await expect(panel.getByTestId("library")).toContainText("fits (CPU), ~48 tok/s");

  await panel.getByTestId("repo").fill("nonsense");
  await panel.getByTestId("list-files").click();
  await expect(panel.getByTestId("models-error")).toContainText("is not a Hugging Face repo id");
  await panel.getByTestId("repo").fill("ggml-org/gemma-3-270m-GGUF");
  await panel.getByTestId("list-files").click();
  await expect(panel.getByTestId("repo-file")).toHaveCount(1);
  // The advisor's verdict for this machine, before downloading.
  await expect(panel.getByTestId("repo-verdict")).toHaveText("fits (CPU), ~38 tok/s");
  await panel.getByTestId("download").click();
  await expect(panel.getByTestId("pull-progress")).toContainText("/s,");
  await expect(panel.getByTestId("pull-progress")).toContainText("s left");
  await expect(panel.getByTestId("library-row")).toHaveCount(2);
  await page.screenshot({ path: "test-results/models.png" });

  // Show in the file manager; folders of the user's own join the library.
  await panel.getByTestId("reveal-model").first().click();
  expect(await page.evaluate(() => (window as any).__fake.lastReveal)).toBe("/models/SmolLM2-135M-Instruct.Q4_1.gguf");
  await page.evaluate(() => ((window as any).__fake.nextPick = "/data/llm"));
  await panel.getByTestId("add-model-folder").click();
  await expect(panel.getByTestId("model-folder")).toHaveText(/\/data\/llm/);

  await panel.getByTestId("remove-model").first().click();
  await expect(panel.getByTestId("library-row")).toHaveCount(1);
  await panel.getByTestId("open-model").click();
  expect(await page.evaluate(() => (window as any).__fake.lastLoadPath)).toBe("/models/gemma-3-270m-Q4_K_M.gguf");
});

// Search: GGUF repos most downloaded first, another order, a next page, a repo opened with this
// machine's verdict; nothing found and a failing Hub said plainly.
test("search the Hub for GGUF repos and open one", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-models").click();
  const panel = page.getByTestId("models");
  await panel.getByTestId("hub-query").fill("gemma");
  await panel.getByTestId("hub-query").press("Enter");
  await expect(panel.getByTestId("hub-result")).toHaveCount(2);
  await expect(panel.getByTestId("hub-result").first()).toContainText("ggml-org/gemma-3-270m-GGUF");
  await expect(panel.getByTestId("hub-result").first()).toContainText("152K");
  await panel.getByTestId("hub-more").click();
  await expect(panel.getByTestId("hub-result")).toHaveCount(3);
  await expect(panel.getByTestId("hub-more")).toHaveCount(0);
  await panel.getByTestId("hub-sort").selectOption("likes");
  await expect(panel.getByTestId("hub-result")).toHaveCount(2);
  expect(await page.evaluate(() => (window as any).__fake.lastHubSort)).toBe("likes");
  await page.screenshot({ path: "test-results/hub-search.png" });
  await panel.getByTestId("hub-open").first().click();
  await expect(panel.getByTestId("repo")).toHaveValue("ggml-org/gemma-3-270m-GGUF");
  await expect(panel.getByTestId("repo-verdict")).toHaveText("fits (CPU), ~38 tok/s");

  await panel.getByTestId("hub-query").fill("nothing-like-it");
  await panel.getByTestId("hub-search").click();
  await expect(panel.getByTestId("hub-none")).toContainText("No GGUF repo matches");
  await panel.getByTestId("hub-query").fill("boom");
  await panel.getByTestId("hub-search").click();
  await expect(panel.getByTestId("models-error")).toContainText("answered 500");
});

// The access token for gated repos goes to the OS keyring; without one, the reason is shown and
// nothing is kept.
test("the access token is saved in the OS keyring, or refused with the reason", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.evaluate(() => ((window as any).__noKeyring = true));
  await page.getByTestId("open-models").click();
  const panel = page.getByTestId("models");
  await panel.getByTestId("token-input").fill("hf_secret");
  await panel.getByTestId("save-token").click();
  await expect(panel.getByTestId("models-error")).toContainText("the OS keyring is not available");
  await expect(panel.getByTestId("token-stored")).toHaveCount(0);

  await page.evaluate(() => ((window as any).__noKeyring = false));
  await panel.getByTestId("save-token").click();
  await expect(panel.getByTestId("token-stored")).toBeVisible();
  await expect(panel.getByTestId("token-input")).toHaveCount(0);
  await panel.getByTestId("clear-token").click();
  await expect(panel.getByTestId("token-input")).toBeVisible();
});
