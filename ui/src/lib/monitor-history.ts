// The last ten minutes of hardware samples (one a second), as columns for the charts.
import type { MonitorSample } from "./ipc/bindings";

export const HISTORY_SECONDS = 600;

export interface Series {
  t: number[]; // seconds since the epoch
  ramGiB: (number | null)[];
  gpuGiB: (number | null)[];
  cpuLoad: (number | null)[];
  gpuLoad: (number | null)[];
  cpuTemp: (number | null)[];
  gpuTemp: (number | null)[];
  memTemp: (number | null)[];
}

export function emptySeries(): Series {
  return { t: [], ramGiB: [], gpuGiB: [], cpuLoad: [], gpuLoad: [], cpuTemp: [], gpuTemp: [], memTemp: [] };
}

const gib = (b: number | null) => (b === null ? null : b / 2 ** 30);

/** Appends a sample, dropping what is older than ten minutes. Returns the same object. */
export function pushSample(s: Series, sample: MonitorSample, nowMs: number = Date.now()): Series {
  const snap = sample.snapshot;
  const gpu = snap.gpus[0] ?? null;
  const memTemps = snap.sensors.filter((x) => x.kind === "memory").map((x) => x.temperature_c);
  s.t.push(nowMs / 1000);
  s.ramGiB.push(gib(snap.memory.used_bytes));
  s.gpuGiB.push(gpu ? gib(gpu.used_bytes) : null);
  s.cpuLoad.push(snap.cpu.usage_percent);
  s.gpuLoad.push(gpu?.utilization_percent ?? null);
  s.cpuTemp.push(snap.cpu.temperature_c);
  s.gpuTemp.push(gpu?.temperature_c ?? null);
  s.memTemp.push(memTemps.length ? Math.max(...memTemps) : null);
  const cutoff = nowMs / 1000 - HISTORY_SECONDS;
  while (s.t.length && s.t[0] < cutoff) {
    for (const column of Object.values(s)) (column as unknown[]).shift();
  }
  return s;
}
