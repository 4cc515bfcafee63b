import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // Tests read the crates' sources (the phrases the core says, tests/unit/i18n-catalogs.test.ts);
  // the dev server serves ui/ only.
  server: { port: 5173, strictPort: true, fs: process.env.VITEST ? { allow: [".."] } : undefined },
  build: { target: "es2022", chunkSizeWarningLimit: 2000 },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["tests/unit/**/*.test.ts"],
  },
});
