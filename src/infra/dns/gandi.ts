import { SandboxError } from '../../core/errors';
import type { DnsProvider } from '../../core/ports/other-ports';
import type { Logger } from '../logger';

/** TXT values for ACME DNS-01 challenges (`_acme-challenge.<name>`); other values of the name are kept. */
export interface AcmeTxtRecords {
  addTxt(domain: string, value: string): Promise<void>;
  removeTxt(domain: string, value: string): Promise<void>;
}

export interface GandiDnsOptions {
  /** LiveDNS base URL, `https://api.gandi.net/v5/livedns`. */
  apiUrl: string;
  /** Personal access token (sent as `Authorization: Bearer`). */
  token: string;
  /** The zone sandbox domains live in, e.g. `example.com` for `pr1-app.sandboxes.example.com`. */
  zone: string;
  /** What every sandbox domain points at: the load balancer. */
  record: { type: 'A'; value: string } | { type: 'CNAME'; value: string };
  /** Seconds; Gandi's minimum is 300. */
  ttl: number;
  /** Waits before the 2nd, 3rd and 4th attempt of a call answered 429 or 5xx (default 1, 2, 4 s). */
  backoffMs?: readonly number[];
  /** Bound on each HTTP call (default 15 s). */
  timeoutMs?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

interface Rrset {
  rrset_type: string;
  rrset_values: string[];
  rrset_ttl?: number;
}

/** The record types the bot owns for a sandbox name; others (TXT, MX…) are never touched. */
const managedTypes = ['A', 'CNAME'] as const;

/**
 * Gandi LiveDNS v5: one A or CNAME record per sandbox domain pointing at the
 * load balancer. `ensure` compares each name's records with the wanted one
 * and acts on the difference: a PUT (rrset replace, no gap) when it differs,
 * a DELETE of the other managed type when the configured type changed, and
 * nothing when it is already right. Calls run one at a time; 429 and 5xx are
 * retried with backoff (honouring Retry-After).
 */
export function createGandiDns(
  options: GandiDnsOptions,
): DnsProvider & AcmeTxtRecords & { check(): Promise<{ ok: boolean; detail: string }> } {
  const zone = options.zone.toLowerCase().replace(/\.$/, '');
  const base = options.apiUrl.replace(/\/+$/, '');
  const backoff = options.backoffMs ?? [1_000, 2_000, 4_000];
  const wanted =
    options.record.type === 'CNAME'
      ? { ...options.record, value: options.record.value.replace(/\.?$/, '.') }
      : options.record;
  const ttl = Math.max(300, options.ttl);

  let tail: Promise<unknown> = Promise.resolve();
  function serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  }

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const url = `${base}${path}`;
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        if (attempt < backoff.length) {
          await sleep(backoff[attempt]!);
          continue;
        }
        throw new SandboxError(
          'dns_failed',
          `gandi: ${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}; check dns.gandi.api_url and the network`,
          { cause: error },
        );
      }
      const text = await response.text();
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < backoff.length) {
        const retryAfter = Number(response.headers.get('retry-after'));
        const wait =
          Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1_000, 30_000) : backoff[attempt]!;
        options.logger?.warn({ status: response.status, path, wait }, 'gandi: retrying');
        await sleep(wait);
        continue;
      }
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      return { status: response.status, json };
    }
  }

  function fail(what: string, answer: { status: number; json: unknown }): never {
    const message =
      typeof answer.json === 'object' && answer.json && 'message' in answer.json
        ? String((answer.json as { message: unknown }).message)
        : String(answer.json ?? '');
    const hint =
      answer.status === 401 || answer.status === 403
        ? `the token in dns.gandi.token_env is not valid for ${zone} (expired, or lacks the "Manage domain name technical configurations" permission)`
        : answer.status === 404
          ? `the zone ${zone} is not served by Gandi LiveDNS for this token's organization`
          : 'see the Gandi status page';
    throw new SandboxError('dns_failed', `gandi: ${what}: HTTP ${answer.status} ${message.slice(0, 200)}; ${hint}`);
  }

  /** `pr1-app.sandboxes.example.com` in zone `example.com` → `pr1-app.sandboxes`. */
  function nameOf(domain: string): string {
    const fqdn = domain.toLowerCase().replace(/\.$/, '');
    if (!fqdn.endsWith(`.${zone}`))
      throw new SandboxError(
        'config_invalid',
        `gandi: ${fqdn} is not inside the zone ${zone}; set dns.gandi.zone to a parent of base_domain`,
      );
    return encodeURIComponent(fqdn.slice(0, -zone.length - 1));
  }

  async function current(name: string): Promise<Rrset[]> {
    const answer = await call('GET', `/domains/${zone}/records/${name}`);
    if (answer.status === 404) return [];
    if (answer.status !== 200 || !Array.isArray(answer.json)) fail(`reading the records of ${name}`, answer);
    return answer.json as Rrset[];
  }

  async function ensureOne(domain: string): Promise<void> {
    const name = nameOf(domain);
    const rrsets = (await current(name)).filter((rrset) =>
      (managedTypes as readonly string[]).includes(rrset.rrset_type),
    );
    for (const rrset of rrsets) {
      if (rrset.rrset_type === wanted.type) continue;
      const removed = await call('DELETE', `/domains/${zone}/records/${name}/${rrset.rrset_type}`);
      if (removed.status !== 204 && removed.status !== 404)
        fail(`removing the ${rrset.rrset_type} record of ${name}`, removed);
    }
    const same = rrsets.find((rrset) => rrset.rrset_type === wanted.type);
    if (same && same.rrset_values.length === 1 && same.rrset_values[0] === wanted.value && same.rrset_ttl === ttl)
      return;
    const put = await call('PUT', `/domains/${zone}/records/${name}/${wanted.type}`, {
      rrset_values: [wanted.value],
      rrset_ttl: ttl,
    });
    if (put.status !== 201 && put.status !== 200) fail(`writing the ${wanted.type} record of ${name}`, put);
    options.logger?.info({ domain, type: wanted.type, value: wanted.value }, 'gandi: record written');
  }

  async function removeOne(domain: string): Promise<void> {
    const name = nameOf(domain);
    for (const rrset of await current(name)) {
      if (!(managedTypes as readonly string[]).includes(rrset.rrset_type)) continue;
      const removed = await call('DELETE', `/domains/${zone}/records/${name}/${rrset.rrset_type}`);
      if (removed.status !== 204 && removed.status !== 404)
        fail(`removing the ${rrset.rrset_type} record of ${name}`, removed);
      options.logger?.info({ domain, type: rrset.rrset_type }, 'gandi: record removed');
    }
  }

  /** The TXT values of `name` other than `value`, unquoted. */
  async function otherTxt(name: string, value: string): Promise<string[]> {
    const rrset = (await current(name)).find((entry) => entry.rrset_type === 'TXT');
    return (rrset?.rrset_values ?? []).map((text) => text.replace(/^"|"$/g, '')).filter((text) => text !== value);
  }

  async function writeTxt(name: string, values: string[]): Promise<void> {
    const path = `/domains/${zone}/records/${name}/TXT`;
    const answer =
      values.length === 0
        ? await call('DELETE', path)
        : await call('PUT', path, { rrset_values: values.map((text) => `"${text}"`), rrset_ttl: 300 });
    if (![200, 201, 204, 404].includes(answer.status)) fail(`writing the TXT record of ${name}`, answer);
  }

  return {
    kind: 'gandi',
    addTxt: (domain, value) =>
      serialize(async () => {
        const name = nameOf(domain);
        await writeTxt(name, [...(await otherTxt(name, value)), value]);
        options.logger?.info({ domain }, 'gandi: TXT value added');
      }),
    removeTxt: (domain, value) =>
      serialize(async () => {
        const name = nameOf(domain);
        await writeTxt(name, await otherTxt(name, value));
        options.logger?.info({ domain }, 'gandi: TXT value removed');
      }),
    ensure: (domains) =>
      serialize(async () => {
        for (const domain of new Set(domains)) await ensureOne(domain);
      }),
    remove: (domains) =>
      serialize(async () => {
        for (const domain of new Set(domains)) await removeOne(domain);
      }),
    async check() {
      try {
        const answer = await call('GET', `/domains/${zone}`);
        if (answer.status === 200)
          return {
            ok: true,
            detail: `gandi: the token manages ${zone}; sandbox domains get ${wanted.type} ${wanted.value}`,
          };
        fail(`reading the zone ${zone}`, answer);
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
