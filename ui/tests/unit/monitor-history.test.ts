import { describe, expect, it } from "vitest";
import { emptySeries, HISTORY_SECONDS, pushSample } from "../../src/lib/monitor-history";
import type { MonitorSample } from "../../src/lib/ipc/bindings";

const sample = (usedGiB: number, memTemps: number[]): MonitorSample => ({
  engine_rss_bytes: null,
  snapshot: {
    memory: { total_bytes: 64 * 2 ** 30, available_bytes: null, used_bytes: usedGiB * 2 ** 30, source: "" },
    cpu: { name: null, cores: null, usage_percent: 12, temperature_c: null, power_w: null, source: "" },
    gpus: [],
    sensors: memTemps.map((t, i) => ({ label: `dimm${i}`, kind: "memory", temperature_c: t, source: "" })),
  },
});

describe("monitor history", () => {
  it("keeps ten minutes and drops older samples from every column", () => {
    const s = emptySeries();
    const start = 1_000_000_000;
    for (let i = 0; i <= HISTORY_SECONDS + 5; i++) pushSample(s, sample(i % 10, [70, 72]), start + i * 1000);
    expect(s.t.length).toBe(HISTORY_SECONDS + 1);
    expect(new Set(Object.values(s).map((c) => c.length)).size).toBe(1);
    expect(s.t[0]).toBe(start / 1000 + 5);
  });

  it("charts the hottest memory module and leaves absent values as gaps", () => {
    const s = pushSample(emptySeries(), sample(3, [70, 74.5]));
    expect(s.memTemp).toEqual([74.5]);
    expect(s.gpuGiB).toEqual([null]);
    expect(s.ramGiB).toEqual([3]);
  });
});
