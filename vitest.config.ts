import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Fails a test file that leaves a process running (its own TMPDIR marks what it started), and a test during
    // which pg queues a query behind another on one connection (deprecated in pg 8, refused by pg 9).
    setupFiles: ['test/support/process-leak-check.ts', 'test/support/pg-deprecation-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI runs one test file at a time: the suite drives real processes (PostgreSQL, sshd, nginx, haproxy,
    // MariaDB, RabbitMQ, Chromium, spawned bots) whose timings get unreliable when two heavy files share the
    // 2-core machine. No test is retried anywhere: a retried pass hides a race, so a flaky test is a bug to find.
    fileParallelism: !process.env.CI,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
