// How tool calls read in the chat: arguments as indented JSON when they are JSON, as written otherwise.
export function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
