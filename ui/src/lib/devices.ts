// The engine's compute devices as the device choices show them. The CPU and its BLAS accelerator
// compute on the host and are always used; the GPUs are what a user chooses between (as the
// engine's device_choice.rs counts them).
import type { ComputeDevice } from "./ipc/backend";

export function gpuDevices(devices: ComputeDevice[]): ComputeDevice[] {
  return devices.filter((d) => d.backend !== "CPU" && d.backend !== "BLAS");
}

// The device a model goes to when none is chosen, by name, from the engine's own words
// (EngineStatus.default_device: "Vulkan0 (Radeon …): the only GPU", or "the CPU: …").
export function defaultDeviceName(devices: ComputeDevice[], defaultDevice: string | null | undefined): string {
  return gpuDevices(devices).find((g) => defaultDevice?.startsWith(`${g.name} (`))?.name ?? "CPU";
}
