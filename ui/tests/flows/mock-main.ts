// The real UI over a fake Rust side: Tauri's IPC is mocked in the page before the app starts.
// The fake keeps conversations in memory and streams scripted answers through the real channels.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { installFakeBackend } from "./fake-backend";

mockWindows("main");
mockIPC(installFakeBackend(), { shouldMockEvents: true });
await import("../../src/main");
