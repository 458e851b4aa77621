import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenStackClient } from './client';
import { OpenStackError, isOpenStackError } from './errors';
import { getServer, type Server } from './resources';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  now?: () => number;
}

/** ERROR is final: the server never leaves it, so waiting stops with Nova's fault message. */
export class ServerFailedError extends Error {
  readonly fault: string;
  constructor(name: string, fault: string) {
    super(`server ${name} went to ERROR: ${fault}`);
    this.name = 'ServerFailedError';
    this.fault = fault;
  }
}

/** Answers that may pass while polling (the API restarting, a slow proxy); three in a row end the wait. */
const transientKinds = new Set(['server_error', 'timeout', 'unreachable']);
const maxTransientInARow = 3;

/**
 * Polls a server until it is ACTIVE (BUILD → ACTIVE); ERROR throws
 * `ServerFailedError` with `fault.message`; a server that vanishes or a
 * deadline that passes throws an `OpenStackError`.
 */
export async function waitForActive(
  client: OpenStackClient,
  id: string,
  name: string,
  options: WaitOptions,
): Promise<Server> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let last = 'unknown';
  let transient = 0;
  for (;;) {
    let server: Server | null | 'transient';
    try {
      server = await getServer(client, id);
      transient = 0;
    } catch (error) {
      if (!isOpenStackError(error) || !transientKinds.has(error.kind) || ++transient >= maxTransientInARow) throw error;
      server = 'transient';
    }
    if (server === null) throw new OpenStackError('not_found', 404, `server ${name} vanished while booting`);
    if (server !== 'transient') {
      if (server.status === 'ACTIVE') return server;
      if (server.status === 'ERROR') throw new ServerFailedError(name, server.fault?.message ?? 'no fault recorded');
      last = `${server.status}${server['OS-EXT-STS:task_state'] ? `/${server['OS-EXT-STS:task_state']}` : ''}`;
    }
    if (now() + options.intervalMs > deadline)
      throw new OpenStackError(
        'timeout',
        null,
        `server ${name} was not ACTIVE within ${seconds(options.timeoutMs)} s (last seen ${last}); raise compute.openstack.boot_timeout or check the cloud`,
      );
    await sleep(options.intervalMs);
  }
}

/** Polls until the server is gone (GET answers 404); the deadline throws. */
export async function waitForGone(
  client: OpenStackClient,
  id: string,
  name: string,
  options: WaitOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const server = await getServer(client, id);
    if (!server) return;
    if (now() + options.intervalMs > deadline)
      throw new OpenStackError(
        'timeout',
        null,
        `server ${name} was still there ${seconds(options.timeoutMs)} s after its deletion (status ${server.status})`,
      );
    await sleep(options.intervalMs);
  }
}

const seconds = (ms: number): string => String(ms < 10_000 ? Math.round(ms / 100) / 10 : Math.round(ms / 1000));
