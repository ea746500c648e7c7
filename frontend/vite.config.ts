import { writeFileSync } from "node:fs";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// Vite empties dist/ before each build; git needs dist/.gitkeep so that
// main.go's //go:embed of frontend/dist compiles in a fresh checkout.
const keepGitkeep: Plugin = {
  name: "keep-gitkeep",
  closeBundle() {
    writeFileSync(new URL("./dist/.gitkeep", import.meta.url), "");
  },
};

export default defineConfig({
  plugins: [react(), keepGitkeep],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4000 },
  // Unit tests read fixtures the Go tests share (backend/*/testdata).
  server: { fs: { allow: [".", "../backend"] } },
  test: { environment: "jsdom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
