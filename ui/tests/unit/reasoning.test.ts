import { describe, expect, it } from "vitest";
import { splitReasoning } from "../../src/lib/reasoning";

describe("splitReasoning", () => {
  it("leaves plain answers alone", () => {
    expect(splitReasoning("Paris.")).toEqual({ reasoning: null, answer: "Paris.", thinking: false });
  });

  it("separates a finished <think> block", () => {
    const s = splitReasoning("<think>\nThe user asks about France.\n</think>\n\nParis.");
    expect(s).toEqual({ reasoning: "The user asks about France.", answer: "Paris.", thinking: false });
  });

  it("reports an unfinished <think> block as thinking", () => {
    expect(splitReasoning("<think>hmm")).toEqual({ reasoning: "hmm", answer: "", thinking: true });
  });

  it("splits gpt-oss Harmony channels", () => {
    const raw =
      "<|channel|>analysis<|message|>Need capital of France.<|end|><|start|>assistant<|channel|>final<|message|>Paris is the capital.";
    expect(splitReasoning(raw)).toEqual({ reasoning: "Need capital of France.", answer: "Paris is the capital.", thinking: false });
  });

  it("treats Harmony output before the final channel as thinking", () => {
    const s = splitReasoning("<|channel|>analysis<|message|>Working");
    expect(s.thinking).toBe(true);
    expect(s.answer).toBe("");
  });
});
