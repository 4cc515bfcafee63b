// Model output is untrusted. It is rendered as Markdown with raw HTML shown as text (never
// parsed), then sanitized with DOMPurify as a second wall, and the window's CSP forbids inline
// scripts as a third.
import { t } from "./i18n.svelte";
import { Marked, type Tokens } from "marked";
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Raw HTML in the model's answer is shown as the text it is.
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
    code(token: Tokens.Code) {
      const lang = (token.lang ?? "").split(/\s/)[0];
      let body: string;
      try {
        body = lang && hljs.getLanguage(lang) ? hljs.highlight(token.text, { language: lang }).value : hljs.highlightAuto(token.text).value;
      } catch {
        body = escapeHtml(token.text);
      }
      const label = lang ? `<span class="code-lang">${escapeHtml(lang)}</span>` : "";
      return `<div class="code-block"><div class="code-head">${label}<button type="button" class="copy-code">${t("message.copy")}</button></div><pre><code class="hljs">${body}</code></pre></div>`;
    },
  },
});

export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false }) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ["style", "form", "input"], FORBID_ATTR: ["style"] });
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** A streaming answer cut into its blocks: after each blank line outside a code block, the last
 * one being the block still being written (joined, they are the answer). The blocks before it no
 * longer change as text is added, so while an answer streams each is rendered once and only the
 * last is rendered again at each update. (Markdown that joins blocks across a blank line, a loose
 * list, renders whole once the answer ends.) */
export function streamingBlocks(source: string): string[] {
  const blocks: string[] = [];
  let start = 0;
  let fence: string | null = null;
  let offset = 0;
  for (const line of source.split("\n")) {
    const end = offset + line.length + 1;
    const marker = FENCE.exec(line)?.[1];
    if (fence === null && marker) fence = marker;
    else if (fence !== null && marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    // A blank line outside code, ended by its newline (not a line still being written).
    else if (fence === null && line.trim() === "" && end <= source.length) {
      blocks.push(source.slice(start, end));
      start = end;
    }
    offset = end;
  }
  blocks.push(source.slice(start));
  return blocks;
}
