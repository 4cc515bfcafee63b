import { describe, expect, it } from "vitest";
import { hotSpots } from "../../src/lib/hardware-warnings";
import type { HardwareSnapshot } from "../../src/lib/ipc/bindings";

const snap = (sensors: HardwareSnapshot["sensors"]): HardwareSnapshot => ({
  memory: { total_bytes: null, available_bytes: null, used_bytes: null, source: "" },
  cpu: { name: null, cores: null, usage_percent: null, temperature_c: null, power_w: null, source: "" },
  gpus: [],
  sensors,
});

describe("hotSpots", () => {
  it("warns at 85 °C for memory modules and 90 °C for CPU and GPU", () => {
    const s = snap([
      { label: "spd5118 a", kind: "memory", temperature_c: 75, source: "" },
      { label: "spd5118 b", kind: "memory", temperature_c: 85, source: "" },
      { label: "k10temp Tctl", kind: "cpu", temperature_c: 89.9, source: "" },
      { label: "amdgpu edge", kind: "gpu", temperature_c: 90, source: "" },
      { label: "acpi", kind: "other", temperature_c: 120, source: "" },
    ]);
    expect(hotSpots(s).map((h) => h.label)).toEqual(["spd5118 b", "amdgpu edge"]);
  });

  it("uses the limits the user sets", () => {
    const s = snap([{ label: "spd5118 a", kind: "memory", temperature_c: 75, source: "" }]);
    expect(hotSpots(s, { memory: 70 })).toHaveLength(1);
  });
});
