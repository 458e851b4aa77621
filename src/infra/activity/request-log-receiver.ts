import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { SandboxError } from '../../core/errors';
import type { CoreLogger } from '../../core/ports/other-ports';
import type { Store } from '../../core/ports/store';
import { requestLogMarker } from '../load-balancers/sleep-routing';
import type { HitCounter } from './hit-counter';

/** Receives nginx's or HAProxy's request log (UDP syslog) for `sleep_after` and the activity report. */
export interface RequestLogReceiver {
  /** The UDP port it listens on (the configured one, or the one the system chose for 0). */
  readonly port: number;
  /** Writes the last request times gathered since the previous flush (one statement). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

// `sbx-request <slug> <client address>` at the end of the line (the address absent from routes written before it was logged).
const linePattern = new RegExp(
  `${requestLogMarker} ([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?: ([0-9a-fA-F:.]{2,45}))?\\s*$`,
);
/** Distinct client addresses kept per sandbox between two flushes: a flood of forged datagrams cannot grow memory without bound. */
const maxAddressesPerFlush = 10_000;
/** How long a slug's instance id is remembered (a slug is never reused while its sandbox exists). */
const slugCacheMs = 60_000;

/**
 * Listens on UDP for the syslog lines the load balancer sends per proxied
 * request (`sbx-request <slug> <client address>`; the bot's uptime probes
 * are never sent). A line costs a map update: each sandbox's latest request
 * time (by this process's clock, on arrival) is written for all sandboxes in
 * one statement every `flushMs`, as the builtin proxy does, and its hits and
 * client addresses go to `hits` (the activity report's counter, the one the
 * builtin proxy feeds). A failed flush keeps its times for the next one.
 * Lines it cannot read (no valid slug, or an address that is not an IP
 * address) are ignored, never an error: anyone may send a datagram.
 */
export async function startRequestLogReceiver(options: {
  store: Pick<Store, 'findInstanceBySlug' | 'recordRequests'>;
  host: string;
  port: number;
  logger: CoreLogger;
  /** The activity report's hit and visitor counter (closed with the receiver); null: requests only keep `last_request_at`. */
  hits?: HitCounter | null;
  now?: () => Date;
  flushMs?: number;
}): Promise<RequestLogReceiver> {
  const now = options.now ?? (() => new Date());
  const { store, logger } = options;
  const latest = new Map<string, number>();
  const counted = new Map<string, { hits: number; addresses: Set<string> }>();
  const ids = new Map<string, { id: number | null; at: number }>();

  const socket: Socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (message) => {
    const match = linePattern.exec(message.toString('utf8').trimEnd());
    if (!match) return;
    const [, slug, address] = match as unknown as [string, string, string | undefined];
    if (address !== undefined && isIP(address) === 0) return;
    latest.set(slug, now().getTime());
    if (!options.hits) return;
    const entry = counted.get(slug) ?? { hits: 0, addresses: new Set<string>() };
    counted.set(slug, entry);
    entry.hits += 1;
    if (address && entry.addresses.size < maxAddressesPerFlush) entry.addresses.add(address.toLowerCase());
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(
        new SandboxError(
          'config_invalid',
          `listening for the load balancer's request log on UDP ${options.host}:${options.port}: ${error.message}; set load_balancer.sleep.request_log_port to a free port`,
          { cause: error },
        ),
      );
    socket.once('error', failed);
    socket.bind(options.port, options.host, () => {
      socket.off('error', failed);
      resolve();
    });
  });
  socket.on('error', (error) => logger.warn({ err: error }, 'request log receiver: socket error'));

  async function instanceId(slug: string): Promise<number | null> {
    const cached = ids.get(slug);
    if (cached && Date.now() - cached.at < slugCacheMs) return cached.id;
    const instance = await store.findInstanceBySlug(slug);
    const id = instance && !instance.archivedAt && !instance.deletedAt ? instance.id : null;
    ids.set(slug, { id, at: Date.now() });
    return id;
  }

  async function flushNow(): Promise<void> {
    await countHits();
    if (latest.size === 0) return;
    const taken = [...latest];
    latest.clear();
    try {
      const batch: { instanceId: number; at: Date }[] = [];
      for (const [slug, ms] of taken) {
        const id = await instanceId(slug);
        if (id !== null) batch.push({ instanceId: id, at: new Date(ms) });
      }
      await store.recordRequests(batch);
    } catch (error) {
      for (const [slug, ms] of taken) if (!latest.has(slug)) latest.set(slug, ms);
      logger.warn({ err: error, sandboxes: taken.length }, 'recording sandbox request times failed; retrying');
    }
  }
  /** Hands the counted hits to the hit counter (which writes them on its own flush); a slug not found is dropped. */
  async function countHits(): Promise<void> {
    if (!options.hits || counted.size === 0) return;
    const taken = [...counted];
    counted.clear();
    for (const [slug, entry] of taken) {
      try {
        const id = await instanceId(slug);
        if (id !== null) options.hits.add(id, entry.hits, entry.addresses);
      } catch (error) {
        const current = counted.get(slug);
        if (!current) counted.set(slug, entry);
        else {
          current.hits += entry.hits;
          for (const address of entry.addresses) current.addresses.add(address);
        }
        logger.warn({ err: error, slug }, 'looking up a sandbox for its hits failed; retrying');
      }
    }
  }
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => (flushing = flushing.then(flushNow));
  const timer = setInterval(() => void flush(), options.flushMs ?? 5_000);
  timer.unref();
  const { port } = socket.address();
  return {
    port,
    flush,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await flush();
      await options.hits?.close();
    },
  };
}
