// The loaded model as the UI sees it: status, loading progress, errors, its settings, and the
// notice when Hearth restarted a dead engine. The restart policy itself lives in Rust
// (hearth-core's `check_engine`); this store only polls it.
import * as ipc from "../ipc/backend";
import type { ErrorPayload, ModelSettings, ModelStatus, Phrase } from "../ipc/backend";

class ModelStore {
  status = $state<ModelStatus | null>(null);
  loading = $state<{ path: string; fraction: number } | null>(null);
  error = $state<ErrorPayload | null>(null);
  settings = $state<ModelSettings | null>(null);
  engineNotice = $state<Phrase | null>(null);
  /** No model in Hearth's directory and none loaded: the first-run offer. */
  firstRun = $state(false);

  /** At start: the last model (or the first in the models directory) is loaded, or, with none
   * at all, the first-run offer shown. */
  async startup() {
    await this.refresh();
    const info = await ipc.appInfo();
    this.firstRun = !this.status?.model && !info.startup_model && info.model_files.length === 0;
    if (!this.status?.model && info.startup_model) await this.load(info.startup_model);
    else if (this.status?.model) this.settings = await ipc.modelSettings(this.status.model.path);
  }

  /** The status, after Rust's restart policy had its say about a dead engine. */
  async refresh() {
    const check = await ipc.checkEngine((fraction) => (this.loading = { path: this.status?.wanted_path ?? "engine", fraction }));
    this.loading = null;
    this.status = check.status;
    if (check.notice) this.engineNotice = check.notice;
    if (check.error) this.error = check.error;
  }

  async load(path: string, settings: ModelSettings | null = null) {
    this.error = null;
    this.loading = { path, fraction: 0 };
    try {
      await ipc.loadModel(path, settings, (fraction) => {
        if (this.loading) this.loading = { path, fraction };
      });
      this.settings = await ipc.modelSettings(path);
    } catch (e) {
      this.error = ipc.asError(e);
    } finally {
      this.loading = null;
      this.status = await ipc.modelStatus();
    }
  }

  /** Answers side by side for the loaded model: its settings with `parallel` changed, reloaded. */
  async setParallel(parallel: number) {
    const path = this.status?.model?.path;
    if (!path) return;
    const settings = this.settings ?? (await ipc.modelSettings(path));
    await this.load(path, { ...settings, parallel: parallel > 1 ? parallel : null });
  }

  async open() {
    try {
      const path = await ipc.pickModelFile();
      if (path) await this.load(path);
    } catch (e) {
      this.error = ipc.asError(e);
    }
  }

  async restart() {
    this.error = null;
    this.loading = { path: this.status?.wanted_path ?? "engine", fraction: 0 };
    try {
      await ipc.restartEngine((fraction) => (this.loading = { path: this.loading?.path ?? "", fraction }));
    } catch (e) {
      this.error = ipc.asError(e);
    } finally {
      this.loading = null;
      this.status = await ipc.modelStatus();
    }
  }

  /** The path of the model loaded, else of the one last asked for. */
  get path(): string | null {
    return this.status?.model?.path ?? this.status?.wanted_path ?? null;
  }
}

export const model = new ModelStore();
