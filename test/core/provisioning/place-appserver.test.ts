import { describe, expect, it } from 'vitest';
import type { Host } from '../../../src/core/model';
import { placeAppserver } from '../../../src/core/provisioning/place-appserver';

const host = (id: number, overrides: Partial<Host> = {}): Host => ({
  id,
  name: `host-${id}`,
  provider: 'ssh',
  address: `10.0.0.${id}`,
  port: 22,
  user: 'sandbox',
  capacity: 3,
  portRangeLow: 20000,
  portRangeHigh: 20009,
  workRoot: '/srv',
  labels: [],
  privateKeyPath: null,
  privateKeyEnv: null,
  hostKeyFingerprint: null,
  knownHosts: null,
  acceptsNew: true,
  fromConfig: true,
  lastSeenAt: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...overrides,
});

describe('placeAppserver', () => {
  it('picks the least-loaded host relative to its capacity, lowest id on ties', () => {
    const hosts = [host(1), host(2), host(3, { capacity: 10 })];
    expect(placeAppserver(hosts, [])).toMatchObject({ ok: true, host: { id: 1 }, port: 20000 });
    const placed = placeAppserver(hosts, [
      { hostId: 1, ports: [20000] },
      { hostId: 2, ports: [20000] },
      { hostId: 3, ports: [20000, 20001] },
    ]);
    expect(placed).toMatchObject({ ok: true, host: { id: 3 }, port: 20002 });
  });

  it('allocates the lowest port not held on that host', () => {
    expect(placeAppserver([host(1, { capacity: 10 })], [{ hostId: 1, ports: [20000, 20002] }])).toMatchObject({
      port: 20001,
    });
  });

  it('skips ports other programs hold without counting them as load', () => {
    const foreign = [20000, 20001, 20002, 20003, 20004];
    expect(placeAppserver([host(1, { capacity: 2 })], [{ hostId: 1, ports: [], foreignPorts: foreign }])).toMatchObject(
      { ok: true, host: { id: 1 }, port: 20005 },
    );
    // Our own appservers still count: one of two slots used, the next free port after the foreign ones.
    expect(
      placeAppserver([host(1, { capacity: 2 })], [{ hostId: 1, ports: [20005], foreignPorts: foreign }]),
    ).toMatchObject({ ok: true, port: 20006 });
    expect(
      placeAppserver([host(1, { capacity: 2 })], [{ hostId: 1, ports: [20005, 20006], foreignPorts: foreign }]),
    ).toMatchObject({ ok: false });
  });

  it('skips drained and full hosts', () => {
    const placed = placeAppserver(
      [host(1, { acceptsNew: false }), host(2, { capacity: 1 }), host(3)],
      [{ hostId: 2, ports: [20000] }],
    );
    expect(placed).toMatchObject({ ok: true, host: { id: 3 } });
  });

  it.each([
    [[], [], 'no host is configured'],
    [[host(1, { acceptsNew: false })], [], 'every host is drained (host-1)'],
    [
      [host(1, { capacity: 1 })],
      [{ hostId: 1, ports: [20000] }],
      'no capacity: all 1 accepting host(s) are full (host-1 1/1)',
    ],
    [
      [host(1, { capacity: 5, portRangeLow: 20000, portRangeHigh: 20001 })],
      [{ hostId: 1, ports: [20000, 20001] }],
      'no capacity',
    ],
  ] as [Host[], { hostId: number; ports: number[] }[], string][])(
    'explains why nothing fits (%#)',
    (hosts, loads, reason) => {
      const placed = placeAppserver(hosts, loads);
      expect(placed.ok).toBe(false);
      expect(placed.ok ? '' : placed.reason).toContain(reason);
    },
  );
});
