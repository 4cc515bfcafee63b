// Links (in answers, or anywhere else in the UI) open in the system's browser, never in Hearth's
// window: a page loaded there would get the app's IPC. Web and mail links only; the shell also
// refuses any navigation away from the app (src-tauri/lib.rs, `navigation_guard`).
import { openLink } from "./ipc/backend";

export function isOpenableLink(href: string): boolean {
  return /^(https?|mailto):/i.test(href.trim());
}

/** Installs the one click handler (capture phase) that sends every link to `open_link`. */
export function interceptLinks(root: Document = document): void {
  root.addEventListener(
    "click",
    (e) => {
      const a = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
      if (!a) return;
      e.preventDefault();
      const href = a.getAttribute("href") ?? "";
      if (isOpenableLink(href)) openLink(href).catch(() => {});
    },
    true,
  );
}
