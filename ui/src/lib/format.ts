import type { GenerationStats } from "./ipc/bindings";
import { t } from "./i18n.svelte";

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(0)} MiB`;
  return `${(n / 1024).toFixed(0)} KiB`;
}

export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  return `${(n / 1e6).toFixed(0)}M`;
}

export function formatStats(s: GenerationStats): string {
  const parts = [
    t("stats.prompt", { n: s.prompt_tokens }),
    t("stats.generated", { n: s.gen_tokens }),
    t("stats.firstToken", { time: s.ttft_ms < 1000 ? `${s.ttft_ms.toFixed(0)} ms` : `${(s.ttft_ms / 1000).toFixed(2)} s` }),
    t("stats.speed", { tps: s.tg_tps.toFixed(1) }),
  ];
  if (s.stop_reason === "max_tokens") parts.push(t("stats.maxTokens"));
  if (s.stop_reason === "context_full") parts.push(t("stats.contextFull"));
  return parts.join(" · ");
}

/** 1234 → "1.2k", 56 → "56". */
export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}
