import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Emulator-backed suites start their own dynalite / SES servers on free ports.
    testTimeout: 30_000,
    // Both cores (vitest's default leaves one idle): the emulator-backed suites wait on I/O and
    // real timeouts as much as they compute.
    maxWorkers: 2,
    hookTimeout: 60_000,
  },
});
