import type { GenerationStats } from "./ipc/bindings";
import { t, fixed } from "./i18n.svelte";

/** A size in the UI's language (61,3 ГиБ in Russian). */
export function formatBytes(n: number): string {
  if (n >= 1 << 30) return t("units.gib", { n: n / (1 << 30) });
  if (n >= 1 << 20) return t("units.mib", { n: n / (1 << 20) });
  return t("units.kib", { n: n / 1024 });
}

export function formatParams(n: number): string {
  if (n >= 1e9) return `${fixed(n / 1e9, 1)}B`;
  return `${fixed(n / 1e6, 0)}M`;
}

export function formatStats(s: GenerationStats): string {
  const parts = [
    t("stats.prompt", { n: s.prompt_tokens }),
    // A conversation's kept state restored (after a switch or a restart): the prompt not read again.
    ...(s.reused_from === "memory" || s.reused_from === "disk" ? [t("stats.resumed", { n: s.cached_tokens })] : []),
    t("stats.generated", { n: s.gen_tokens }),
    t("stats.firstToken", { time: s.ttft_ms < 1000 ? t("units.ms", { n: s.ttft_ms }) : t("units.seconds", { n: s.ttft_ms / 1000 }) }),
    t("stats.speed", { tps: s.tg_tps }),
  ];
  if (s.stop_reason === "max_tokens") parts.push(t("stats.maxTokens"));
  if (s.stop_reason === "context_full") parts.push(t("stats.contextFull"));
  return parts.join(" · ");
}

/** 1234 → "1.2k", 56 → "56". */
export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${fixed(n / 1_000_000, 1)}M`;
  if (n >= 1000) return `${fixed(n / 1000, 1)}k`;
  return String(n);
}

/** A conversation's export file name from its title: no path separators or characters Windows
 * refuses, no trailing dots ("…hello world." made "…world..md"), at most 80 characters. */
export function exportFileName(title: string): string {
  const name = title.replace(/[\\/:*?"<>|\x00-\x1f]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 80).replace(/[.\s]+$/, "");
  return `${name || "conversation"}.md`;
}
