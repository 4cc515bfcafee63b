import { describe, expect, it } from "vitest";
import { renderMarkdown, streamingBlocks } from "../../src/lib/markdown";

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

describe("streamingBlocks (a streaming answer renders only the block being written)", () => {
  it("cuts after each blank line, the last block being the one written", () => {
    expect(streamingBlocks("First.\n\nSecond.\n\nThird, still being wri")).toEqual(["First.\n\n", "Second.\n\n", "Third, still being wri"]);
    expect(streamingBlocks("One line still being written")).toEqual(["One line still being written"]);
    expect(streamingBlocks("First.\n")).toEqual(["First.\n"]);
    expect(streamingBlocks("First.\n\n")).toEqual(["First.\n\n", ""]);
  });

  it("never cuts inside a fenced code block, whose blank lines are code", () => {
    const open = "Intro.\n\n```python\ndef f():\n\n    return 1\n";
    expect(streamingBlocks(open)).toEqual(["Intro.\n\n", "```python\ndef f():\n\n    return 1\n"]);
    expect(streamingBlocks(open + "```\n\nAfter")).toEqual(["Intro.\n\n", "```python\ndef f():\n\n    return 1\n```\n\n", "After"]);
    expect(streamingBlocks("~~~~\na\n\n~~~\nb\n\n")).toEqual(["~~~~\na\n\n~~~\nb\n\n"]);
  });

  it("renders block by block as the whole renders", () => {
    const text = "# Title\n\nSome **bold** text.\n\n```js\nlet a = 1;\n\nlet b = 2;\n```\n\n- a\n- b\n\nEnd";
    const blocks = streamingBlocks(text);
    expect(blocks.join("")).toBe(text);
    expect(dom(blocks.map(renderMarkdown).join("")).innerHTML).toBe(dom(renderMarkdown(text)).innerHTML);
  });
});
