// The Models page's shared state: the library (with this machine's verdicts), the user's model
// folders, and the page's one error line. Each part of the page (library, remote servers,
// downloads, token) runs its work through `guarded`, which shows a failure and refreshes after.
import { t } from "../i18n.svelte";
import * as ipc from "../ipc/backend";
import type { ErrorPayload, LibraryEntry } from "../ipc/backend";

class LibraryStore {
  models = $state<LibraryEntry[]>([]);
  folders = $state<string[]>([]);
  error = $state<ErrorPayload | null>(null);
  /** Bumped after each refresh, for parts that reload their own lists with the library. */
  version = $state(0);

  async refresh() {
    try {
      this.models = await ipc.library();
      this.folders = await ipc.modelFolders();
      this.version++;
    } catch (e) {
      this.error = ipc.asError(e);
    }
  }

  /** Runs `work`, shows its failure, and refreshes the library either way. */
  async guarded(work: () => Promise<unknown>) {
    this.error = null;
    try {
      await work();
    } catch (e) {
      this.error = ipc.asError(e);
    }
    await this.refresh();
  }
}

export const library = new LibraryStore();

/** The advisor's verdict in words. */
export const fitText = (fits: string) => t(`fit.${fits}`);
