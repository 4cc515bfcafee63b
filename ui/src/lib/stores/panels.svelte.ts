// Which side panel is open: one value instead of a flag per panel (opening one closes the other).
export type Panel = "none" | "settings" | "monitor" | "advisor" | "benchmark" | "models" | "server";

class Panels {
  current = $state<Panel>("none");
  /** The repo the Models page opens on (a first-run recommendation). */
  modelsRepo = $state<string | null>(null);

  toggle(panel: Panel) {
    this.current = this.current === panel ? "none" : panel;
  }
  open(panel: Panel) {
    this.current = panel;
  }
  close() {
    this.current = "none";
    this.modelsRepo = null;
  }
}

export const panels = new Panels();
