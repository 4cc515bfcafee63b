// Builds the UI with a mocked Tauri IPC (tests/flows) for Playwright.
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { resolve } from "node:path";

export default defineConfig({
  plugins: [svelte()],
  root: resolve(import.meta.dirname, "tests/flows"),
  build: { outDir: resolve(import.meta.dirname, "dist-flows"), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2000 },
});
