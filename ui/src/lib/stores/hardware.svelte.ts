// The hardware monitor's state: the latest sample, ten minutes of history and the temperature
// limits the user set (kept in the database with the other preferences).
import * as ipc from "../ipc/backend";
import { emptySeries, pushSample } from "../monitor-history";
import { WARN_AT_C } from "../hardware-warnings";

class HardwareStore {
  sample = $state<ipc.MonitorSample | null>(null);
  /** Not reactive itself: the charts redraw on `version`. */
  readonly history = emptySeries();
  version = $state(0);
  limits = $state<Record<string, number>>({ ...WARN_AT_C });
  #limitsLoaded = false;

  async start() {
    ipc
      .watchHardware((s) => {
        this.sample = s;
        pushSample(this.history, s);
        this.version++;
      })
      .catch(() => {});
    this.limits = { ...WARN_AT_C, ...(await ipc.loadPreference<Record<string, number>>("warn_limits", {}).catch(() => ({}))) };
    this.#limitsLoaded = true;
  }

  /** Samples every second while the Monitor is open, every 5 s for the strip alone and every
   *  15 s while the window is hidden: each sample redraws the web view, which is most of the
   *  idle app's CPU (bench/RESULTS.md). */
  pace(monitorOpen: boolean, hidden: boolean) {
    ipc.setMonitorInterval(hidden ? 15_000 : monitorOpen ? 1000 : 5000).catch(() => {});
  }

  /** Called from an effect whenever the limits change. */
  saveLimits(limits: Record<string, number>) {
    if (this.#limitsLoaded) ipc.savePreference("warn_limits", limits).catch(() => {});
  }
}

export const hardware = new HardwareStore();
