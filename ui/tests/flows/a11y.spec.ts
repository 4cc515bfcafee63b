// Issue 20: accessibility. axe-core (WCAG 2 A and AA rules) over every page of the app, in the
// dark and the light appearance; Escape closes a panel and gives the focus back to what opened
// it; a live region says when an answer ends.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

const pages: { name: string; open: (page: Page) => Promise<void>; ready: string }[] = [
  { name: "chat", open: async () => {}, ready: "composer" },
  { name: "settings", open: (p) => p.getByTestId("toggle-settings").click(), ready: "settings" },
  { name: "monitor", open: (p) => p.getByTestId("hardware-strip").click(), ready: "tuning-finding" },
  { name: "advisor", open: (p) => p.getByTestId("open-advisor").click(), ready: "advisor" },
  { name: "benchmark", open: (p) => p.getByTestId("open-benchmark").click(), ready: "benchmark" },
  { name: "models", open: (p) => p.getByTestId("open-models").click(), ready: "models" },
  { name: "server", open: (p) => p.getByTestId("open-server").click(), ready: "server" },
];

for (const scheme of ["dark", "light"] as const) {
  for (const { name, open, ready } of pages) {
    test(`axe finds no WCAG A/AA violation on the ${name} page (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto("/");
      await expect(page.getByTestId("model-name")).toHaveText("SmolLM2 135M Instruct");
      await open(page);
      await expect(page.getByTestId(ready).first()).toBeVisible();
      const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
      const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(" | ")}`);
      expect(found, found.join("\n")).toEqual([]);
      if (name === "monitor") await page.screenshot({ path: `test-results/a11y-${name}-${scheme}.png` });
    });
  }
}

test("Escape closes the open panel and the focus goes back to the button that opened it", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toHaveText("SmolLM2 135M Instruct");
  await page.getByTestId("open-advisor").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("advisor")).toBeVisible();
  await expect(page.getByTestId("advisor").locator("h2")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("advisor")).toHaveCount(0);
  await expect(page.getByTestId("open-advisor")).toBeFocused();
});

test("a finished answer is announced to screen readers", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("model-name")).toHaveText("SmolLM2 135M Instruct");
  const announcer = page.getByTestId("announcer");
  await expect(announcer).toHaveAttribute("aria-live", "polite");
  await page.getByTestId("composer").fill("Hello");
  await page.getByTestId("composer").press("Enter");
  await expect(announcer).toHaveText("The answer is complete.");
});
