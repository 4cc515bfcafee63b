import { test, expect } from "@playwright/test";

// MCP tools in the app (issue 19) with IPC mocked: a server that does not start is explained and
// not kept; a server is added in Settings with its tools listed and switched on for the
// conversation; each call waits for the user: deny (the model answers without it), allow once
// (asked again next time), always (never asked again, undone with "Ask again"); the call and
// its result are shown collapsed in the conversation.
test("tool calls wait for approval: deny, allow once, always", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  await page.getByTestId("composer").fill("Hello");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("message")).toHaveCount(2);

  await page.getByTestId("toggle-settings").click();
  const servers = page.getByTestId("mcp-servers");
  await servers.getByTestId("mcp-name").fill("files");
  await servers.getByTestId("mcp-target").fill("/nonexistent/mcp-server-filesystem /home/me/notes");
  await servers.getByTestId("add-mcp").click();
  await expect(servers.getByTestId("mcp-error")).toContainText("did not start: No such file or directory");
  await expect(servers.getByTestId("mcp-server")).toHaveCount(0);
  await servers.getByTestId("mcp-target").fill("npx -y @modelcontextprotocol/server-filesystem /home/me/notes");
  await servers.getByTestId("add-mcp").click();
  await expect(servers.getByTestId("mcp-server")).toHaveCount(1);
  await expect(servers.getByTestId("mcp-state")).toContainText("Running: 2 tools");
  await expect(servers.getByTestId("mcp-tools")).toHaveText("read_text_file, list_directory");

  const convTools = page.getByTestId("conversation-tools");
  await expect(convTools.getByTestId("documents-tool")).toHaveValue("auto");
  await convTools.getByTestId("documents-tool").selectOption("off");
  await expect.poll(() => page.evaluate(() => (window as any).__fake.conversations[0].tools.documents)).toBe(false);
  await convTools.getByTestId("use-server").check();
  await expect(convTools.getByTestId("use-tool")).toHaveCount(2);
  await page.screenshot({ path: "test-results/tools-settings.png" });
  await page.getByTestId("toggle-settings").click();

  // Deny.
  await page.getByTestId("composer").fill("What is on my todo list?");
  await page.getByTestId("send").click();
  const approval = page.getByTestId("tool-approval");
  await expect(approval).toContainText("The model wants to run read_text_file from files");
  await expect(approval.getByTestId("tool-approval-args")).toContainText('"path": "/home/me/notes/todo.txt"');
  await page.screenshot({ path: "test-results/tools-approval.png" });
  // The card belongs to its conversation: not shown in another one, shown again on return.
  await page.getByTestId("new-chat").click();
  await expect(approval).toHaveCount(0);
  await page.getByTestId("conversation-item").filter({ hasText: "Hello" }).locator("button").first().click();
  await expect(approval).toHaveCount(1);
  await approval.getByTestId("deny").click();
  await expect(approval).toHaveCount(0);
  await expect(page.getByTestId("message").last()).toContainText("the call was not allowed");
  const denied = page.getByTestId("tool-call").last();
  await expect(denied).toHaveAttribute("data-outcome", "denied");
  await expect(denied.getByTestId("tool-result")).not.toBeVisible();
  await denied.locator("summary").click();
  await expect(denied.getByTestId("tool-result")).toHaveText("The user did not allow this call.");

  // Allow once: it runs, and the next call asks again.
  await page.getByTestId("composer").fill("And now?");
  await page.getByTestId("send").click();
  await page.getByTestId("allow-once").click();
  await expect(page.getByTestId("message").last()).toContainText("Your list: buy flour");
  await expect(page.getByTestId("tool-call").last()).toHaveAttribute("data-outcome", "ran");
  await page.getByTestId("composer").fill("Once more?");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("tool-approval")).toHaveCount(1);

  // Always: this call runs, and the next one is not asked about.
  await page.getByTestId("allow-always").click();
  await expect(page.getByTestId("message").last()).toContainText("Your list: buy flour");
  await page.getByTestId("composer").fill("And again?");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("message").last()).toContainText("Your list: buy flour");
  await expect(page.getByTestId("tool-approval")).toHaveCount(0);
  await expect(page.getByTestId("tool-call")).toHaveCount(4);
  await page.screenshot({ path: "test-results/tools-chat.png" });

  // Settings say it runs without asking; "Ask again" undoes that.
  await page.getByTestId("toggle-settings").click();
  await expect(servers.getByTestId("mcp-server")).toContainText("read_text_file runs without asking.");
  await servers.getByTestId("ask-again").click();
  await expect(servers.getByTestId("ask-again")).toHaveCount(0);
});
