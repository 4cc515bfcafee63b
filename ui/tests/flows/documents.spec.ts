import { test, expect } from "@playwright/test";

// Documents with IPC mocked: add with progress, a refused file explained, chips, an answer whose
// citation opens the cited page with the passage highlighted, and removal.
test("documents are added with progress, cited, opened and removed", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toBeVisible();
  // Dropped on the window (Tauri's drag-drop event): the PDF is added, the image is not a document.
  await page.evaluate(() =>
    (window as any).__TAURI_INTERNALS__.invoke("plugin:event|emit", {
      event: "tauri://drag-drop",
      payload: { paths: ["/docs/manual.pdf", "/docs/photo.png"], position: { x: 400, y: 300 } },
    }),
  );
  await expect(page.getByTestId("doc-progress")).toContainText("Reading manual.pdf: page");
  await expect(page.getByTestId("doc-chip")).toHaveCount(1);
  // Picked in the file dialog: refused with the reason.
  await page.evaluate(() => ((window as any).__fake.nextPick = ["/docs/locked.pdf"]));
  await page.getByTestId("add-documents").click();
  await expect(page.getByTestId("doc-chip")).toContainText("manual.pdf");
  await expect(page.getByTestId("doc-chip")).toContainText("3 pages · 41 tokens");
  await expect(page.getByTestId("doc-errors")).toContainText("locked.pdf is password-protected");
  expect(await page.evaluate(() => (window as any).__fake.docs.map((d: any) => d.name))).toEqual(["manual.pdf"]);

  await page.getByTestId("composer").fill("How fast does the fan spin when idle?");
  await page.getByTestId("send").click();
  await expect(page.getByTestId("notice")).toContainText("Answering from the whole document");
  const answer = page.getByTestId("message").last();
  await expect(answer.getByTestId("citation")).toHaveText("manual.pdf p. 2");
  await page.screenshot({ path: "test-results/documents.png" });

  // The citation inside the text opens the page too.
  await answer.locator(".inline-cite").click();
  await expect(page.getByTestId("citation-view")).toContainText("manual.pdf, page 2");
  await expect(page.getByTestId("cited-passage")).toHaveText("The fan spins at 1200 RPM when idle.");
  await expect(page.getByTestId("page-text")).toContainText("Under load it spins at 3100 RPM.");
  await page.screenshot({ path: "test-results/citation.png" });
  await page.getByTestId("citation-close").click();
  await expect(page.getByTestId("citation-view")).toHaveCount(0);

  await page.getByTestId("doc-summarize").click();
  await expect(page.getByTestId("notice")).toContainText("summarizing it in 3 parts (part");
  await expect(page.getByTestId("message").filter({ hasText: "Summarize manual.pdf" })).toHaveCount(1);

  await page.getByTestId("doc-remove").click();
  await expect(page.getByTestId("doc-chip")).toHaveCount(0);
});
