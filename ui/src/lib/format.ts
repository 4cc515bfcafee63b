import type { GenerationStats } from "./ipc/bindings";

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
    `${s.prompt_tokens} prompt tokens`,
    `${s.gen_tokens} generated`,
    `first token ${s.ttft_ms < 1000 ? `${s.ttft_ms.toFixed(0)} ms` : `${(s.ttft_ms / 1000).toFixed(2)} s`}`,
    `${s.tg_tps.toFixed(1)} tok/s`,
  ];
  if (s.stop_reason === "max_tokens") parts.push("stopped at the max-tokens limit");
  if (s.stop_reason === "context_full") parts.push("stopped: the context is full");
  return parts.join(" · ");
}

/** 1234 → "1.2k", 56 → "56". */
export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}
