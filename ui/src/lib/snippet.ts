// A search snippet from the store (matched words between U+0002 and U+0003) as plain text
// parts, so the view marks the matches with elements and never parses the text as HTML.
export interface SnippetPart {
  text: string;
  matched: boolean;
}

export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let matched = false;
  let text = "";
  for (const ch of snippet) {
    if (ch === "\u0002" || ch === "\u0003") {
      if (text) parts.push({ text, matched });
      text = "";
      matched = ch === "\u0002";
    } else {
      text += ch;
    }
  }
  if (text) parts.push({ text, matched });
  return parts;
}
