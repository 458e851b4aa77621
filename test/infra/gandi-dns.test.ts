import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/core/errors';
import { createGandiDns, type GandiDnsOptions } from '../../src/infra/dns/gandi';
import { startFakeGandi, type FakeGandi } from '../support/fake-gandi';

let gandi: FakeGandi;

beforeAll(async () => {
  gandi = await startFakeGandi({ zones: ['example.com'] });
});

afterAll(async () => {
  await gandi?.close();
});

afterEach(() => {
  expect(gandi.unexpected).toEqual([]);
  gandi.calls.length = 0;
  gandi.zones.get('example.com')!.clear();
});

function dns(extra: Partial<GandiDnsOptions> = {}) {
  return createGandiDns({
    apiUrl: gandi.url,
    token: gandi.token,
    zone: 'example.com',
    record: { type: 'A', value: '203.0.113.7' },
    ttl: 300,
    backoffMs: [10, 20, 40],
    ...extra,
  });
}

const records = () =>
  [...gandi.zones.get('example.com')!.values()]
    .map((r) => `${r.rrset_name} ${r.rrset_type} ${r.rrset_values.join(',')} ${r.rrset_ttl}`)
    .sort();
const domains = ['pr1-app.sbx.example.com', 'studio-pr1-app.sbx.example.com'];

describe('Gandi LiveDNS provider (against a fake Gandi)', () => {
  it('creates a record per domain on ensure, changes nothing when run again, and removes them', async () => {
    const provider = dns();
    await provider.ensure(domains);
    expect(records()).toEqual(['pr1-app.sbx A 203.0.113.7 300', 'studio-pr1-app.sbx A 203.0.113.7 300']);
    gandi.calls.length = 0;
    await provider.ensure(domains);
    expect(gandi.calls).toEqual([
      'GET /v5/livedns/domains/example.com/records/pr1-app.sbx',
      'GET /v5/livedns/domains/example.com/records/studio-pr1-app.sbx',
    ]);
    await provider.remove(domains);
    expect(records()).toEqual([]);
    await provider.remove(domains);
  });

  it('replaces the rrset when the target changes, and switches A to CNAME (with the trailing dot) without leaving the A behind', async () => {
    await dns().ensure(['pr2-app.sbx.example.com']);
    await dns({ record: { type: 'A', value: '203.0.113.9' } }).ensure(['pr2-app.sbx.example.com']);
    expect(records()).toEqual(['pr2-app.sbx A 203.0.113.9 300']);
    await dns({ record: { type: 'CNAME', value: 'lb.example.net' } }).ensure(['pr2-app.sbx.example.com']);
    expect(records()).toEqual(['pr2-app.sbx CNAME lb.example.net. 300']);
  });

  it('leaves record types it does not own alone', async () => {
    gandi.zones.get('example.com')!.set('pr3-app.sbx/TXT', {
      rrset_name: 'pr3-app.sbx',
      rrset_type: 'TXT',
      rrset_ttl: 300,
      rrset_values: ['"keep me"'],
    });
    await dns().ensure(['pr3-app.sbx.example.com']);
    await dns().remove(['pr3-app.sbx.example.com']);
    expect(records()).toEqual(['pr3-app.sbx TXT "keep me" 300']);
  });

  it('retries 429 and 5xx with backoff, then gives up with dns_failed', async () => {
    gandi.failNext(429, 503, 500);
    await dns().ensure(['pr4-app.sbx.example.com']);
    expect(records()).toEqual(['pr4-app.sbx A 203.0.113.7 300']);
    gandi.failNext(502, 502, 502, 502);
    const error = await dns()
      .remove(['pr4-app.sbx.example.com'])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('dns_failed');
    expect((error as SandboxError).message).toContain('HTTP 502');
  });

  it('refuses a domain outside the zone and reports a bad token with the fix', async () => {
    await expect(dns().ensure(['pr5-app.example.org'])).rejects.toThrow(/not inside the zone example.com/);
    const bad = dns({ token: 'wrong' });
    await expect(bad.ensure(['pr5-app.sbx.example.com'])).rejects.toThrow(/HTTP 403.*not valid for example.com/);
  });

  it('check(): ok for a token that manages the zone; fails for a wrong token or an unknown zone', async () => {
    expect(await dns().check()).toMatchObject({ ok: true });
    const wrong = await dns({ token: 'expired' }).check();
    expect(wrong.ok).toBe(false);
    expect(wrong.detail).toContain('403');
    const unknown = await dns({ zone: 'example.org' }).check();
    expect(unknown.ok).toBe(false);
    expect(unknown.detail).toContain('not served by Gandi LiveDNS');
  });
});
