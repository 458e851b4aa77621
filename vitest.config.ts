import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI runs one test file at a time: the suite drives real processes (PostgreSQL, sshd, nginx, Chromium,
    // spawned bots) whose timings get unreliable when two heavy files share the 2-core machine. A failing
    // test is also run once more there (vitest's output shows the retry). Locally files run in parallel
    // and every failure counts at once.
    fileParallelism: !process.env.CI,
    retry: process.env.CI ? 1 : 0,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
