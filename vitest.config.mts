import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'lib/**/*.test.ts'],
    exclude: ['node_modules/**', 'build/**'],
    // Synth and external-tool tests (kubectl, promtool) are CPU-heavy on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
