// Splits a model's raw output into its reasoning and its answer: `<think>` blocks (Qwen,
// DeepSeek-R1, SmolLM3) and gpt-oss's Harmony channels (`analysis` is reasoning, `final` the answer).

export interface SplitAnswer {
  reasoning: string | null;
  answer: string;
  /** The reasoning has started but not ended yet. */
  thinking: boolean;
}

const HARMONY = /<\|channel\|>([a-z_]+)(?:\s[^<]*)?<\|message\|>([\s\S]*?)(?=<\|end\|>|<\|return\|>|<\|call\|>|<\|start\|>|$)/g;

export function splitReasoning(raw: string): SplitAnswer {
  if (raw.includes("<|channel|>")) {
    const reasoning: string[] = [];
    const answer: string[] = [];
    let sawFinal = false;
    for (const m of raw.matchAll(HARMONY)) {
      if (m[1] === "final") {
        sawFinal = true;
        answer.push(m[2]);
      } else {
        reasoning.push(m[2]);
      }
    }
    return { reasoning: reasoning.length ? reasoning.join("\n\n").trim() : null, answer: answer.join("").trim(), thinking: !sawFinal };
  }
  const start = raw.match(/^\s*<think>/);
  if (start) {
    const rest = raw.slice(start[0].length);
    const end = rest.indexOf("</think>");
    if (end === -1) return { reasoning: rest.trim(), answer: "", thinking: true };
    return { reasoning: rest.slice(0, end).trim(), answer: rest.slice(end + "</think>".length).trim(), thinking: false };
  }
  return { reasoning: null, answer: raw, thinking: false };
}
