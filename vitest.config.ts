import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Emulator-backed suites start their own dynalite / SES servers on free ports.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
