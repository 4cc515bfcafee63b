import { defineConfig } from "@playwright/test";

// Debian's Chromium, no browser download (this machine has no internet).
export default defineConfig({
  testDir: "tests/flows",
  timeout: 30_000,
  reporter: [["list"]],
  use: {
    baseURL: "http://127.0.0.1:4179",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: "npx vite preview --config vite.flows.config.ts --port 4179 --strictPort --host 127.0.0.1",
    url: "http://127.0.0.1:4179",
    reuseExistingServer: false,
  },
});
