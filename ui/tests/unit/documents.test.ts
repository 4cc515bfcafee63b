import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render } from "@testing-library/svelte";
import MessageView from "../../src/components/MessageView.svelte";
import DocumentsBar from "../../src/components/DocumentsBar.svelte";
import type { Citation, DocumentRecord, Message } from "../../src/lib/ipc/bindings";

afterEach(cleanup);

const cite: Citation = { label: "p. 2", document_id: 7, document: "manual.pdf", page: 2, text: "The fan spins at 1200 RPM when idle.", inferred: false };

function answer(content: string, citations: Citation[]): Message {
  return { id: 2, conversation_id: 1, role: "assistant", content, status: "complete", stats: null, error: null, model: "m", created_at: 0, citations, reasoning: "", tool_calls: [], tool_result: null };
}

describe("citations in answers", () => {
  it("turns a cited page in the text into a button that opens that citation", async () => {
    const onCitation = vi.fn();
    const { container } = render(MessageView, { message: answer("It spins at 1200 RPM [p. 2], not [p. 9].", [cite]), onCitation });
    const buttons = container.querySelectorAll(".inline-cite");
    // Only pages that are among the sources become buttons.
    expect(buttons.length).toBe(1);
    expect(buttons[0].textContent).toBe("[p. 2]");
    await fireEvent.click(buttons[0]);
    expect(onCitation).toHaveBeenCalledWith(cite);
  });

  it("lists the sources, marking Hearth's inferred pick", () => {
    const { getAllByTestId } = render(MessageView, { message: answer("1200 RPM.", [{ ...cite, inferred: true }]) });
    expect(getAllByTestId("citation")[0].textContent?.trim()).toBe("manual.pdf p. 2 *");
  });

  it("shows no sources for an answer without documents", () => {
    const { queryByTestId } = render(MessageView, { message: answer("Paris [p. 2].", []) });
    expect(queryByTestId("citations")).toBeNull();
  });
});

describe("DocumentsBar", () => {
  const doc: DocumentRecord = { id: 1, sha256: "x", name: "big.pdf", path: "/d/big.pdf", kind: "pdf", pages: 512, tokens: 301234, unreadable_pages: [17], created_at: 0 };
  const none = { onAdd: () => {}, onRemove: () => {}, onSummarize: () => {}, onCancel: () => {}, onDismissErrors: () => {} };

  it("shows each document's pages, tokens and unreadable pages", () => {
    const { getByTestId } = render(DocumentsBar, { documents: [doc], progress: null, errors: [], ...none });
    expect(getByTestId("doc-chip").textContent).toContain("big.pdf");
    expect(getByTestId("doc-chip").textContent).toContain("512 pages · 301.2k tokens · 1 unreadable");
  });

  it("shows reading progress with a cancel button instead of the add button", async () => {
    const onCancel = vi.fn();
    const { getByTestId, queryByTestId } = render(DocumentsBar, {
      documents: [], progress: { document: "big.pdf", stage: "reading", page: 128, pages: 512 }, errors: [], ...none, onCancel,
    });
    expect(getByTestId("doc-progress").textContent).toContain("Reading big.pdf: page 128 of 512");
    expect((getByTestId("doc-progress").querySelector("progress") as HTMLProgressElement).value).toBeCloseTo(0.25);
    expect(queryByTestId("add-documents")).toBeNull();
    await fireEvent.click(getByTestId("doc-cancel"));
    expect(onCancel).toHaveBeenCalled();
  });
});
