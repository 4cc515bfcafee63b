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
