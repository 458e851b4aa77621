import { afterAll, afterEach } from 'vitest';

/*
 * Fails the test during which pg warns that a query was started on a client
 * already running one ("client.query() while already executing"): pg 8
 * queues it and warns, pg 9 refuses it. It happens when reads started
 * together (Promise.all) share one transaction's connection; core runs such
 * reads through readTogether (src/core/read-together.ts). Node prints a
 * deprecation once per process, and each test file runs in a process of its
 * own, so the first offence in a file is the one reported, with its stack.
 */
const marker = 'already executing a query';
// Deep enough to reach the caller in core below pg's and drizzle's frames.
Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 40);
const seen: Error[] = [];

process.on('warning', (warning) => {
  if (warning.name === 'DeprecationWarning' && warning.message.includes(marker)) seen.push(warning);
});

function failOnQueuedQuery(): void {
  const warning = seen.shift();
  if (!warning) return;
  throw new Error(
    `pg queued a query behind another on one connection (pg 9 refuses it): run reads that share a transaction one after another (readTogether); where:\n${warning.stack ?? warning.message}`,
  );
}

afterEach(failOnQueuedQuery);
afterAll(failOnQueuedQuery);
