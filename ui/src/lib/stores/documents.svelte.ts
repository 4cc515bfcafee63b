// The open conversation's documents: adding (with reading progress and per-file errors),
// removing, and the citation being shown.
import * as ipc from "../ipc/backend";
import type { Citation, DocumentRecord, IndexProgress } from "../ipc/backend";
import { chat } from "./chat.svelte";

class DocumentsStore {
  list = $state<DocumentRecord[]>([]);
  progress = $state<IndexProgress | null>(null);
  errors = $state<string[]>([]);
  openCitation = $state<Citation | null>(null);

  /** The documents of conversation `id` (the one just opened). */
  async show(id: number) {
    this.errors = [];
    this.list = await ipc.conversationDocuments(id).catch(() => []);
  }

  async add(paths: string[]) {
    if (paths.length === 0) return;
    if (chat.activeId === null) await chat.create();
    const id = chat.activeId!;
    this.errors = [];
    this.progress = { document: paths[0].split("/").pop() ?? paths[0], stage: "reading", page: 0, pages: 0 };
    try {
      const outcomes = await ipc.addDocuments(id, paths, (p) => {
        this.progress = p.stage === "done" ? null : p;
      });
      this.errors = outcomes.filter((o) => o.error).map((o) => o.error!.message);
    } catch (e) {
      this.errors = [ipc.asError(e).message];
    } finally {
      this.progress = null;
      if (chat.activeId === id) this.list = await ipc.conversationDocuments(id).catch(() => this.list);
    }
  }

  async pickAndAdd() {
    try {
      await this.add(await ipc.pickDocuments());
    } catch (e) {
      this.errors = [ipc.asError(e).message];
    }
  }

  async remove(documentId: number) {
    if (chat.activeId === null) return;
    await ipc.removeDocument(chat.activeId, documentId);
    this.list = await ipc.conversationDocuments(chat.activeId);
  }
}

export const documents = new DocumentsStore();
