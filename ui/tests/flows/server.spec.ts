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
