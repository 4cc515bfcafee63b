import { test, expect } from "@playwright/test";

// The Server page with IPC mocked: a port in use is explained, the server starts and says where,
// the warning for other machines without a key, requests appear and change as they happen, stop.
test("the API server starts, shows where and lists requests live", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-server").click();
  const panel = page.getByTestId("server");
  await expect(panel.getByTestId("server-no-requests")).toBeVisible();

  await panel.getByTestId("server-remote").check();
  await expect(panel.getByTestId("server-remote-warning")).toBeVisible();
  await panel.getByTestId("server-key").fill("sekrit");
  await expect(panel.getByTestId("server-remote-warning")).toHaveCount(0);
  await panel.getByTestId("server-remote").uncheck();

  await panel.getByTestId("server-port").fill("1234");
  await panel.getByTestId("server-start").click();
  await expect(panel.getByTestId("server-error")).toContainText("port 1234 is already in use");
  await panel.getByTestId("server-port").fill("8081");
  await panel.getByTestId("server-start").click();
  await expect(panel.getByTestId("server-url")).toHaveText("Listening on http://127.0.0.1:8081/v1");
  await expect(panel.getByTestId("server-error")).toHaveCount(0);
  await expect(panel.getByTestId("server-example")).toContainText("Authorization: Bearer sekrit");

  // One request, recorded queued, running, then done with its tokens: one row that changes.
  const row = panel.getByTestId("server-request");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("done");
  await expect(row).toContainText("31 → 12");
  await expect(row).toContainText("POST /v1/chat/completions (stream)");
  await page.screenshot({ path: "test-results/server.png" });

  await panel.getByTestId("server-stop").click();
  await expect(panel.getByTestId("server-start")).toBeVisible();
  // Reopened, the page shows what the server recorded.
  await page.getByTestId("open-server").click();
  await page.getByTestId("open-server").click();
  await expect(page.getByTestId("server").getByTestId("server-request")).toHaveCount(1);
});

// Issue 18: how many requests the model answers at once is set on the Server page; applying
// reloads the model with that many slots, each with its share of the context.
test("answers side by side are set on the Server page and reload the model", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-server").click();
  const panel = page.getByTestId("server");
  await expect(panel.getByTestId("server-parallel-hint")).toHaveText("1 at once, each with 8192 of the 8192 tokens of context; more clients wait their turn.");
  await expect(panel.getByTestId("server-parallel-apply")).toBeDisabled();
  await panel.getByTestId("server-parallel").fill("4");
  await panel.getByTestId("server-parallel-apply").click();
  await expect(panel.getByTestId("server-parallel-hint")).toHaveText("4 at once, each with 2048 of the 8192 tokens of context; more clients wait their turn.");
  expect(await page.evaluate(() => (window as any).__fake.lastLoadSettings.parallel)).toBe(4);
  // The model's other settings went with it unchanged.
  expect(await page.evaluate(() => (window as any).__fake.lastLoadSettings.kv_cache_type)).toBe("f16");
  await page.screenshot({ path: "test-results/server-parallel.png" });
  await panel.getByTestId("server-parallel").fill("1");
  await panel.getByTestId("server-parallel-apply").click();
  await expect(panel.getByTestId("server-parallel-hint")).toContainText("1 at once");
  expect(await page.evaluate(() => (window as any).__fake.lastLoadSettings.parallel)).toBeNull();
});
