import { describe, expect, it } from "vitest";
import { linkCitations } from "../../src/lib/citations";
import { renderMarkdown } from "../../src/lib/markdown";

describe("linkCitations", () => {
  it("makes buttons of cited pages on text nodes only", () => {
    const html = renderMarkdown("Idle at 1200 RPM [p. 2], see [manual.pdf, p. 3] and [p. 9].\n\n`[p. 2]` in code\n\n[docs [p. 2]](https://example.org/)");
    const out = document.createElement("div");
    out.innerHTML = linkCitations(html, new Set([2, 3]));
    const buttons = [...out.querySelectorAll("button.inline-cite")].map((b) => [b.textContent, (b as HTMLElement).dataset.page]);
    expect(buttons).toEqual([["[p. 2]", "2"], ["[manual.pdf, p. 3]", "3"]]);
    expect(out.querySelector("code")!.textContent).toBe("[p. 2]");
    expect(out.querySelector("a button")).toBeNull();
    expect(out.textContent).toContain("[p. 9]");
  });

  it("cannot inject markup through a citation", () => {
    const out = document.createElement("div");
    out.innerHTML = linkCitations(renderMarkdown("x [<img src=x onerror=alert(1)> p. 2] y"), new Set([2]));
    expect(out.querySelector("img")).toBeNull();
  });
});
