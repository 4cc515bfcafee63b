// Page citations in an answer ("[p. 12]", "[manual.pdf, p. 3]") become buttons that open the cited
// page, when that page is among the answer's sources. Done on the rendered answer's text nodes
// (never by rewriting its HTML with a pattern), outside code, so a citation-looking string
// inside an attribute, a link or a code block is left alone and no markup can be injected.
const CITATION = /\[([^\[\]]{0,80}?)\bp(?:age|p)?\.?\s*(\d+)\]/g;

export function linkCitations(html: string, pages: Set<number>): string {
  if (pages.size === 0) return html;
  const template = document.createElement("template");
  template.innerHTML = html;
  const walker = document.createTreeWalker(template.content, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  while (walker.nextNode()) {
    const node = walker.currentNode as Text;
    if (!node.parentElement?.closest("code, pre, a, button")) texts.push(node);
  }
  for (const node of texts) {
    const text = node.data;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(CITATION)) {
      const page = Number(m[2]);
      if (!pages.has(page)) continue;
      parts.append(text.slice(last, m.index));
      const button = document.createElement("button");
      button.className = "inline-cite";
      button.dataset.page = String(page);
      button.textContent = m[0];
      parts.append(button);
      last = m.index! + m[0].length;
    }
    if (last > 0) {
      parts.append(text.slice(last));
      node.replaceWith(parts);
    }
  }
  return template.innerHTML;
}
