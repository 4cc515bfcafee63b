// Conversations and the open one's messages: listing and searching, turns streamed over a
// channel (send, regenerate, edit and resend, summarize), the notices a turn raises.
import * as ipc from "../ipc/backend";
import { t } from "../i18n.svelte";
import type { Conversation, ConversationTools, ErrorPayload, Message, MessageHit, ToolApproval, ToolCall, TurnEvent } from "../ipc/backend";
import { model } from "./model.svelte";
import { documents } from "./documents.svelte";

class ChatStore {
  conversations = $state<Conversation[]>([]);
  query = $state("");
  /** The messages that match the query, best first (none without a query). */
  hits = $state<MessageHit[]>([]);
  /** The message a search result opened, shown marked until another is chosen. */
  focusId = $state<number | null>(null);
  activeId = $state<number | null>(null);
  messages = $state<Message[]>([]);
  draft = $state("");
  busy = $state(false);
  streamingId = $state<number | null>(null);
  notice = $state<string | null>(null);
  error = $state<ErrorPayload | null>(null);
  /** Tool calls waiting for the user's answer (allow once, always, deny), with the conversation
   * whose turn asked (shown only there). */
  approvals = $state<{ approval_id: number; call: ToolCall; server: string; conversation_id: number | null }[]>([]);
  /** The conversation whose turn is running. */
  private turnConversation: number | null = null;
  /** Said by a live region to screen readers when an answer ends. */
  announcement = $state("");
  /** Called after messages change: the view scrolls to the end, always with `toEnd` (another
   * conversation, a new turn), else only if the reader was there. */
  onChange: (toEnd?: boolean) => void = () => {};
  /** Called when a search result opens a message (the view scrolls to it). */
  onFocus: (messageId: number) => void = () => {};

  get active(): Conversation | null {
    return this.conversations.find((c) => c.id === this.activeId) ?? null;
  }
  get lastAssistantId(): number | null {
    return [...this.messages].reverse().find((m) => m.role === "assistant")?.id ?? null;
  }

  async refresh() {
    try {
      const query = this.query.trim();
      this.conversations = await ipc.listConversations(query);
      this.hits = query ? await ipc.searchMessages(query) : [];
    } catch (e) {
      this.error = ipc.asError(e);
    }
  }

  /** Opens a search result's conversation at its message. */
  async openHit(hit: MessageHit) {
    await this.select(hit.conversation_id);
    this.focusId = hit.message_id;
    this.onFocus(hit.message_id);
  }

  async select(id: number) {
    this.activeId = id;
    this.focusId = null;
    this.notice = null;
    this.error = null;
    this.messages = await ipc.getMessages(id);
    await documents.show(id);
    this.onChange(true);
  }

  async create() {
    const c = await ipc.createConversation();
    this.query = "";
    await this.refresh();
    await this.select(c.id);
  }

  async rename(id: number, title: string) {
    try {
      await ipc.renameConversation(id, title);
    } catch (e) {
      this.error = ipc.asError(e);
    }
    await this.refresh();
  }

  /** Writes the conversation as Markdown where the user chooses. */
  async exportAs(id: number) {
    const title = this.conversations.find((c) => c.id === id)?.title ?? "";
    try {
      const path = await ipc.pickExportPath(title);
      if (!path) return;
      await ipc.exportConversation(id, path);
      this.notice = t("list.exported", { path });
    } catch (e) {
      this.error = ipc.asError(e);
    }
  }

  async remove(id: number) {
    await ipc.deleteConversation(id);
    if (this.activeId === id) {
      this.activeId = null;
      this.messages = [];
    }
    await this.refresh();
  }

  async saveSettings(systemPrompt: string, sampling: ipc.SamplingSettings, template: ipc.TemplateChoice) {
    if (this.activeId === null) return;
    await ipc.updateConversation(this.activeId, systemPrompt, sampling, template);
    await this.refresh();
  }

  async setTools(tools: ConversationTools) {
    if (this.activeId === null) return;
    try {
      await ipc.setConversationTools(this.activeId, tools);
    } catch (e) {
      this.error = ipc.asError(e);
    }
    await this.refresh();
  }

  async answerApproval(approvalId: number, answer: ToolApproval) {
    this.approvals = this.approvals.filter((a) => a.approval_id !== approvalId);
    try {
      await ipc.answerToolCall(approvalId, answer);
    } catch (e) {
      this.error = ipc.asError(e);
    }
  }

  onTurnEvent = (e: TurnEvent) => {
    switch (e.kind) {
      case "tool_approval":
        this.approvals = [...this.approvals, { approval_id: e.approval_id, call: e.call, server: e.server, conversation_id: this.turnConversation }];
        break;
      case "tool_result":
        this.messages = [...this.messages, e.message];
        break;
      case "tool_notice":
        this.notice = e.text;
        break;
      case "started": {
        this.draft = "";
        if (e.user_message) {
          const i = this.messages.findIndex((m) => m.id === e.user_message!.id);
          // An edited message: everything after it was replaced.
          this.messages = i >= 0 ? [...this.messages.slice(0, i), e.user_message] : [...this.messages, e.user_message];
        }
        this.messages = [...this.messages, e.assistant_message];
        this.streamingId = e.assistant_message.id;
        break;
      }
      case "context_trimmed":
        this.notice = t("chat.trimmed", { count: e.dropped_messages });
        break;
      // Paced by the core (at most one event per 50 ms: crates/conversation/src/token_pacing.rs).
      case "token": {
        const m = this.messages.find((x) => x.id === this.streamingId);
        if (m && e.part === "reasoning") m.reasoning += e.text;
        else if (m) m.content += e.text;
        break;
      }
      case "finished":
        this.messages = this.messages.map((m) => (m.id === e.message.id ? e.message : m));
        this.streamingId = null;
        this.announcement =
          e.message.status === "complete"
            ? t("chat.complete")
            : e.message.status === "stopped"
              ? t("chat.stoppedAnnounce")
              : e.message.error
                ? t("chat.failedWhy", { why: e.message.error.message })
                : t("chat.failed");
        break;
      case "prompt_done":
        break;
      case "summary_progress":
        this.notice =
          e.section < e.sections
            ? t("chat.summarizing", { sections: e.sections, part: e.section + 1 })
            : t("chat.combining", { sections: e.sections });
        break;
      case "documents_used": {
        const pages = [...new Set(e.pages)].sort((a, b) => a - b);
        this.notice = e.whole
          ? t(documents.list.length > 1 ? "chat.wholeMany" : "chat.whole", { pages: pages.length })
          : t("chat.passages", { count: e.passages, pages: pages.join(", ") });
        break;
      }
    }
    // A new answer (or tool call) starts at the end: the view goes there.
    this.onChange(e.kind === "started");
  };

  async runTurn(start: () => Promise<Message>) {
    this.turnConversation = this.activeId;
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      const final = await start();
      if (final.error?.code === "ENGINE_DIED") await model.refresh();
    } catch (e) {
      this.error = ipc.asError(e);
    } finally {
      this.busy = false;
      this.streamingId = null;
      this.approvals = [];
      await this.refresh();
    }
  }

  async send() {
    const text = this.draft;
    if (!text.trim()) return;
    if (this.activeId === null) {
      const c = await ipc.createConversation();
      this.activeId = c.id;
      this.messages = [];
    }
    const id = this.activeId;
    await this.runTurn(() => ipc.sendMessage(id, text, this.onTurnEvent));
  }

  async regenerateLast() {
    if (this.activeId === null) return;
    const id = this.activeId;
    // The old answer is replaced by the new one.
    const lastUser = [...this.messages].reverse().find((m) => m.role === "user");
    if (lastUser) this.messages = this.messages.slice(0, this.messages.indexOf(lastUser) + 1);
    await this.runTurn(() => ipc.regenerate(id, this.onTurnEvent));
  }

  async editAndResend(messageId: number, text: string) {
    if (this.activeId === null) return;
    const id = this.activeId;
    await this.runTurn(() => ipc.editAndResend(id, messageId, text, this.onTurnEvent));
  }

  async summarize(documentId: number) {
    if (this.activeId === null || !model.status?.model) return;
    const id = this.activeId;
    await this.runTurn(() => ipc.summarizeDocument(id, documentId, this.onTurnEvent));
  }
}

export const chat = new ChatStore();
