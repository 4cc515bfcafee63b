import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render } from "@testing-library/svelte";

afterEach(cleanup);
import MessageView from "../../src/components/MessageView.svelte";
import Composer from "../../src/components/Composer.svelte";
import ConversationList from "../../src/components/ConversationList.svelte";
import type { Message } from "../../src/lib/ipc/bindings";

function assistant(content: string, extra: Partial<Message> = {}): Message {
  return {
    id: 2, conversation_id: 1, role: "assistant", content, status: "complete", stats: null, error: null, citations: [], reasoning: "", tool_calls: [], tool_result: null,
    model: "SmolLM2", created_at: 0, ...extra,
  };
}

describe("MessageView", () => {
  it("never turns an answer's HTML into elements", () => {
    const { container } = render(MessageView, { message: assistant('Hi <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>') });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".markdown script")).toBeNull();
    expect(container.textContent).toContain("<img src=x");
    expect((window as any).__xss).toBeUndefined();
  });

  it("while streaming, keeps the settled paragraphs' elements and renders only the one being written", async () => {
    const view = render(MessageView, { message: assistant("First paragraph.\n\nSecond, being wri", { status: "streaming" }), streaming: true });
    const first = view.getByTestId("answer").querySelector("p")!;
    expect(first.textContent).toBe("First paragraph.");
    await view.rerender({ message: assistant("First paragraph.\n\nSecond, being written.", { status: "streaming" }), streaming: true });
    const paragraphs = view.getByTestId("answer").querySelectorAll("p");
    expect(paragraphs[0]).toBe(first);
    expect(paragraphs[1].textContent).toBe("Second, being written.");
    // Ended: rendered whole, the same text.
    await view.rerender({ message: assistant("First paragraph.\n\nSecond, being written."), streaming: false });
    expect([...view.getByTestId("answer").querySelectorAll("p")].map((p) => p.textContent)).toEqual(["First paragraph.", "Second, being written."]);
  });

  it("shows reasoning collapsed, apart from the answer", () => {
    const { getByTestId } = render(MessageView, { message: assistant("<think>step one</think>The answer.") });
    const details = getByTestId("reasoning") as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details.textContent).toContain("step one");
    expect(getByTestId("answer").textContent?.trim()).toBe("The answer.");
  });

  it("shows the answer's statistics", () => {
    const stats = { prompt_tokens: 31, prompt_evaluated: 31, gen_tokens: 12, ttft_ms: 84.2, pp_tps: 300, tg_tps: 41.25, total_ms: 400, dropped_messages: 0, cached_tokens: 0, reused_from: "nothing" as const, stop_reason: "end_of_turn" as const };
    const { getByTestId } = render(MessageView, { message: assistant("ok", { stats }) });
    expect(getByTestId("stats").textContent).toContain("31 prompt tokens · 12 generated · first token 84 ms · 41.3 tok/s");
  });

  it("says when a kept state spared reading the prompt again (issue 21)", () => {
    const stats = { prompt_tokens: 1646, prompt_evaluated: 16, gen_tokens: 12, ttft_ms: 321, pp_tps: 300, tg_tps: 41.25, total_ms: 600, dropped_messages: 0, cached_tokens: 1630, reused_from: "disk" as const, stop_reason: "end_of_turn" as const };
    const { getByTestId } = render(MessageView, { message: assistant("ok", { stats }) });
    expect(getByTestId("stats").textContent).toContain("1646 prompt tokens · 1630 of them resumed without reading them again · 12 generated");
    // The live cache of the conversation just answered is the ordinary case: not mentioned.
    const live = render(MessageView, { message: assistant("ok", { stats: { ...stats, reused_from: "live" as const } }) });
    expect(live.container.querySelector("[data-testid=stats]")?.textContent).not.toContain("resumed");
  });

  it("keeps a stopped answer and says so", () => {
    const { container } = render(MessageView, { message: assistant("partial", { status: "stopped" }) });
    expect(container.textContent).toContain("partial");
    expect(container.textContent).toContain("Stopped");
  });

  it("lets the user edit their message and resend it", async () => {
    const onEdit = vi.fn();
    const user: Message = { ...assistant("old question"), id: 1, role: "user", model: null };
    const { getByTestId } = render(MessageView, { message: user, onEdit });
    await fireEvent.click(getByTestId("edit"));
    const box = getByTestId("edit-box") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "new question" } });
    await fireEvent.click(getByTestId("edit-send"));
    expect(onEdit).toHaveBeenCalledWith(1, "new question");
  });

  it("says why text that looked like a tool call was not run as one", () => {
    const stats = { prompt_tokens: 9, prompt_evaluated: 9, cached_tokens: 0, reused_from: "nothing" as const, gen_tokens: 64, ttft_ms: 5, pp_tps: 1, tg_tps: 1, total_ms: 9, dropped_messages: 0, stop_reason: "max_tokens" as const, tool_call_notice: "the arguments did not finish as JSON; the text was kept" };
    const { getByTestId } = render(MessageView, { message: assistant('{"query": "mill', { stats }) });
    expect(getByTestId("tool-call-notice").textContent).toBe("Not run as a tool call: the arguments did not finish as JSON; the text was kept");
  });

  it("shows a tool call and its result collapsed, its arguments indented", () => {
    const tool: Message = {
      ...assistant("- buy flour"), id: 3, role: "tool", model: null,
      tool_result: { call_id: "call_2_0", name: "read_text_file", arguments: '{"path":"/notes/todo.txt"}', server: "files", outcome: "denied" },
    };
    const { getByTestId } = render(MessageView, { message: tool });
    const details = getByTestId("tool-call") as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details.dataset.outcome).toBe("denied");
    expect(details.querySelector("summary")!.textContent).toContain("Tool read_text_file (files) · not allowed");
    expect(details.textContent).toContain('"path": "/notes/todo.txt"');
    expect(getByTestId("tool-result").textContent).toBe("- buy flour");
  });
});

describe("Composer", () => {
  it("sends on Enter and keeps Shift+Enter for new lines", async () => {
    const onSend = vi.fn();
    const { getByTestId } = render(Composer, { value: "hello", busy: false, disabled: false, placeholder: "", onSend, onStop: () => {} });
    const box = getByTestId("composer");
    await fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledOnce();
  });

  it("offers Stop while an answer streams", async () => {
    const onStop = vi.fn();
    const { getByTestId, queryByTestId } = render(Composer, { value: "", busy: true, disabled: false, placeholder: "", onSend: () => {}, onStop });
    expect(queryByTestId("send")).toBeNull();
    await fireEvent.click(getByTestId("stop"));
    expect(onStop).toHaveBeenCalledOnce();
  });
});

describe("ConversationList", () => {
  it("renames inline and asks before deleting", async () => {
    const onRename = vi.fn();
    const onDelete = vi.fn();
    const conversations = [{ id: 5, title: "Old", system_prompt: "", sampling: {} as any, template: { kind: "model" as const }, tools: { servers: [], off: [], required: false, documents: null }, created_at: 0, updated_at: 0 }];
    const { getByTestId } = render(ConversationList, { conversations, activeId: 5, query: "", onSelect: () => {}, onNew: () => {}, onRename, onDelete });
    await fireEvent.click(getByTestId("rename"));
    const input = getByTestId("rename-input") as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "Renamed" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onRename).toHaveBeenCalledWith(5, "Renamed");
    await fireEvent.click(getByTestId("delete"));
    expect(onDelete).not.toHaveBeenCalled();
    await fireEvent.click(getByTestId("confirm-delete"));
    expect(onDelete).toHaveBeenCalledWith(5);
  });
});
