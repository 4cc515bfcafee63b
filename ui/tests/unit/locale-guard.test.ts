import { describe, expect, it, vi } from "vitest";

describe("locale guard", () => {
  // Regression: under LANG=C, WebKitGTK's navigator.language is "C"; uPlot's module threw
  // "RangeError: invalid language tag: C" and the window stayed blank.
  it("replaces a language tag that Intl rejects before the UI loads", async () => {
    Object.defineProperty(navigator, "language", { value: "C", configurable: true });
    expect(() => new Intl.NumberFormat(navigator.language)).toThrow(RangeError);
    vi.resetModules();
    await import("../../src/lib/locale-guard");
    expect(navigator.language).toBe("en-US");
    expect(() => new Intl.NumberFormat(navigator.language)).not.toThrow();
  });

  it("leaves a valid language alone", async () => {
    Object.defineProperty(navigator, "language", { value: "de-DE", configurable: true });
    vi.resetModules();
    await import("../../src/lib/locale-guard");
    expect(navigator.language).toBe("de-DE");
  });
});
