// Issue 20: the UI in Russian. The language follows the OS (the browser's language here) until
// the user chooses one in Settings; the choice is kept; plurals follow Russian rules.
import { expect, test } from "@playwright/test";

test.describe("with a Russian system", () => {
  test.use({ locale: "ru-RU" });

  test("the UI starts in Russian and can be switched to English, which is kept", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("model-name")).toHaveText("SmolLM2 135M Instruct");
    await expect(page.getByTestId("toggle-settings")).toHaveText("Настройки");
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    await expect(page.getByTestId("composer")).toHaveAttribute("placeholder", /Сообщение модели/);
    await page.getByTestId("hardware-strip").click();
    await expect(page.getByTestId("monitor").locator("h2")).toHaveText("Монитор");
    await page.screenshot({ path: "test-results/russian-monitor.png" });
    await page.keyboard.press("Escape");
    await page.getByTestId("open-models").click();
    await expect(page.getByTestId("models").locator("h2")).toHaveText("Модели");
    await page.screenshot({ path: "test-results/russian-models.png" });
    await page.getByTestId("open-advisor").click();
    await expect(page.getByTestId("advisor").locator("h2")).toHaveText("Советник");
    await page.getByTestId("toggle-settings").click();
    await page.getByTestId("language").selectOption("en");
    await expect(page.getByTestId("toggle-settings")).toHaveText("Settings");
    expect(await page.evaluate(() => (window as any).__fake.prefs?.language)).toBe('"en"');
  });
});

test("a Russian choice in Settings turns the UI Russian, with Russian plural forms", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("toggle-settings")).toHaveText("Settings");
  await page.getByTestId("toggle-settings").click();
  await page.getByTestId("language").selectOption("ru");
  await expect(page.getByTestId("open-models")).toHaveText("Модели");
  await expect(page.getByTestId("new-chat")).toHaveText("+ Новый чат");
  await page.getByTestId("composer").fill("Привет");
  await page.getByTestId("composer").press("Enter");
  await expect(page.getByTestId("stats")).toContainText("токенов запроса");
  await expect(page.getByTestId("announcer")).toHaveText("Ответ готов.");
  await page.screenshot({ path: "test-results/russian-chat.png" });
});
