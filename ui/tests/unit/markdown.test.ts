import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/lib/markdown";

function dom(html: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div;
}

describe("renderMarkdown (model output is untrusted)", () => {
  it("shows an <img onerror> as text and never as an element", () => {
    const el = dom(renderMarkdown('Look: <img src=x onerror="window.__xss=1"> done'));
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror="window.__xss=1">');
  });

  it("shows a <script> block as text", () => {
    const el = dom(renderMarkdown("<script>window.__xss=2</script>\n\nafter"));
    expect(el.querySelector("script")).toBeNull();
    expect(el.textContent).toContain("<script>window.__xss=2</script>");
  });

  it("drops javascript: links", () => {
    const el = dom(renderMarkdown("[click](javascript:alert(1))"));
    const a = el.querySelector("a");
    expect(a?.getAttribute("href") ?? "").not.toMatch(/javascript:/i);
  });

  it("highlights fenced code and offers a copy button", () => {
    const el = dom(renderMarkdown("```rust\nfn main() { println!(\"<b>hi</b>\"); }\n```"));
    expect(el.querySelector(".code-block .copy-code")?.textContent).toBe("Copy");
    expect(el.querySelector("code.hljs span")).not.toBeNull();
    expect(el.querySelector("b")).toBeNull();
    expect(el.querySelector("code")?.textContent).toContain('println!("<b>hi</b>")');
  });

  it("renders ordinary Markdown", () => {
    const el = dom(renderMarkdown("**bold** and `code`\n\n- a\n- b"));
    expect(el.querySelector("strong")?.textContent).toBe("bold");
    expect(el.querySelectorAll("li")).toHaveLength(2);
  });
});
