import { describe, expect, it } from "vitest";
import { snippetParts } from "../../src/lib/snippet";

describe("snippetParts (search snippets are text, never HTML)", () => {
  it("splits a snippet at the store's match markers", () => {
    expect(snippetParts("…Около \u0002привет\u0003 и \u0002Привет\u0003.")).toEqual([
      { text: "…Около ", matched: false },
      { text: "привет", matched: true },
      { text: " и ", matched: false },
      { text: "Привет", matched: true },
      { text: ".", matched: false },
    ]);
  });

  it("keeps markup as text", () => {
    expect(snippetParts("<img src=x onerror=alert(1)> \u0002b\u0003")).toEqual([
      { text: "<img src=x onerror=alert(1)> ", matched: false },
      { text: "b", matched: true },
    ]);
  });
});
