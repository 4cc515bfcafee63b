import { test, expect } from "@playwright/test";

// Remote servers on the Models page with IPC mocked: an unreachable address is explained and not
// kept; a server is added with its models; choosing one puts it on the model bar; remove.
test("a remote server's model is added and chosen for chat", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("open-models").click();
  const panel = page.getByTestId("models");

  await panel.getByTestId("remote-url").fill("http://10.0.0.9:8000");
  await panel.getByTestId("add-remote").click();
  await expect(panel.getByTestId("models-error")).toContainText("cannot reach 10.0.0.9:8000");
  await expect(panel.getByTestId("remote-server")).toHaveCount(0);

  await panel.getByTestId("remote-name").fill("gpu box");
  await panel.getByTestId("remote-url").fill("http://192.168.1.20:8000");
  await panel.getByTestId("remote-key").fill("sekrit");
  await panel.getByTestId("add-remote").click();
  await expect(panel.getByTestId("remote-server")).toHaveCount(1);
  await expect(panel.getByTestId("remote-server")).toContainText("gpu box");
  await expect(panel.getByTestId("remote-server")).toContainText("key set");
  await expect(panel.getByTestId("remote-key-note")).toHaveCount(0);
  await expect(panel.getByTestId("remote-model")).toContainText("openai/gpt-oss-120b (ctx 131072)");
  await page.screenshot({ path: "test-results/remote.png" });

  await panel.getByTestId("use-remote-model").click();
  await expect(page.getByTestId("model-name")).toHaveText("openai/gpt-oss-120b");
  await expect(page.getByTestId("model-backend")).toHaveText("on remote 192.168.1.20:8000");

  await panel.getByTestId("remove-remote").click();
  await expect(panel.getByTestId("remote-server")).toHaveCount(0);
});

// Issue 17: keys live in the OS keyring; where none runs, the page says the key lasts only until
// Hearth quits instead of quietly writing it somewhere.
test("a key kept without an OS keyring is said to last only this session", async ({ page }) => {
  await page.addInitScript(() => ((window as any).__fakeNoKeyring = true));
  await page.goto("/");
  await page.getByTestId("open-models").click();
  const panel = page.getByTestId("models");
  await panel.getByTestId("remote-url").fill("http://192.168.1.20:8000");
  await panel.getByTestId("remote-key").fill("sekrit");
  await panel.getByTestId("add-remote").click();
  await expect(panel.getByTestId("remote-key-note")).toContainText("kept only until Hearth quits");
  await page.screenshot({ path: "test-results/remote-key-note.png" });
});
