// Browser tests: the real `smallfry serve` (built binary, real DuckDB, a
// fresh sample workspace) driven through Debian's chromium by playwright-core.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false, // two cores: one server and one browser at a time
  },
});
