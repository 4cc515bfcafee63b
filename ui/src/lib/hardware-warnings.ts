// Temperature warnings. Defaults: 85 °C for memory modules, 90 °C for GPU and CPU (issue 3;
// DDR5 modules were reported at 70-75 °C under LLM load, which stays below the warning).
import type { HardwareSnapshot } from "./ipc/bindings";

export const WARN_AT_C: Record<string, number> = { memory: 85, gpu: 90, cpu: 90, storage: 70 };

export interface HotSpot {
  label: string;
  temperature_c: number;
  limit_c: number;
}

export function hotSpots(s: HardwareSnapshot, limits: Record<string, number> = WARN_AT_C): HotSpot[] {
  limits = { ...WARN_AT_C, ...limits };
  const hot: HotSpot[] = [];
  for (const sensor of s.sensors) {
    const limit = limits[sensor.kind];
    if (limit !== undefined && sensor.temperature_c >= limit) hot.push({ label: sensor.label, temperature_c: sensor.temperature_c, limit_c: limit });
  }
  return hot;
}
