// The engine's compute devices as the device choices show them. The CPU and its BLAS accelerator
// compute on the host and are always used; the GPUs are what a user chooses between (as the
// engine's device_choice.rs counts them).
import type { ComputeDevice } from "./ipc/backend";

export function gpuDevices(devices: ComputeDevice[]): ComputeDevice[] {
  return devices.filter((d) => d.backend !== "CPU" && d.backend !== "BLAS");
}
