import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGandiDns } from '../../src/infra/dns/gandi';
import { startFakeGandi, type FakeGandi } from '../support/fake-gandi';

// Issue 15: the ACME DNS-01 TXT values go through Gandi LiveDNS next to whatever else the name holds.
let gandi: FakeGandi;
beforeAll(async () => {
  gandi = await startFakeGandi({ zones: ['example.com'] });
});
afterAll(() => gandi?.close());

describe('ACME TXT records through Gandi', () => {
  it('adds a quoted value, keeps the other values of the name, and removes only its own', async () => {
    const dns = createGandiDns({
      apiUrl: gandi.url,
      token: gandi.token,
      zone: 'example.com',
      record: { type: 'A', value: '192.0.2.1' },
      ttl: 300,
      backoffMs: [0],
    });
    const records = gandi.zones.get('example.com')!;
    records.set('_acme-challenge.sbx/TXT', {
      rrset_name: '_acme-challenge.sbx',
      rrset_type: 'TXT',
      rrset_ttl: 300,
      rrset_values: ['"kept-by-someone-else"'],
    });
    await dns.addTxt('_acme-challenge.sbx.example.com', 'token-1');
    expect(records.get('_acme-challenge.sbx/TXT')!.rrset_values).toEqual(['"kept-by-someone-else"', '"token-1"']);
    await dns.addTxt('_acme-challenge.sbx.example.com', 'token-1');
    expect(records.get('_acme-challenge.sbx/TXT')!.rrset_values).toHaveLength(2);
    gandi.failNext(503);
    await dns.removeTxt('_acme-challenge.sbx.example.com', 'token-1');
    expect(records.get('_acme-challenge.sbx/TXT')!.rrset_values).toEqual(['"kept-by-someone-else"']);
    await expect(dns.addTxt('_acme-challenge.sbx.example.org', 'x')).rejects.toThrow(
      /not inside the zone example\.com/,
    );
    expect(gandi.unexpected).toEqual([]);
  });
});
