import type { Store } from '../../src/core/ports/store';

export interface FakeRoute {
  slug: string;
  /** The active appserver's port on 127.0.0.1; null: no active appserver. */
  port: number | null;
  /** When that appserver was activated (the switching window counts from here). */
  activatedAt?: Date | null;
}

/**
 * A FAKE of the few Store reads the builtin proxy makes (not the database):
 * `routes` maps each sandbox domain to its active appserver, and the test
 * changes it to switch. Any other Store call throws.
 */
export function fakeProxyStore(routes: Map<string, FakeRoute>): Store {
  let ids = 0;
  const idOf = new Map<string, number>();
  const byId = new Map<number, FakeRoute>();
  const known = {
    async findInstanceByDomain(domain: string) {
      const route = routes.get(domain);
      if (!route) return null;
      const id = idOf.get(route.slug) ?? ++ids;
      idOf.set(route.slug, id);
      byId.set(id, route);
      return {
        id,
        slug: route.slug,
        archivedAt: null,
        activeAppserverId: route.port === null ? null : id,
        accessUser: null,
        accessPassword: null,
        sleepingSince: null,
      };
    },
    async getAppserver(id: number) {
      const route = byId.get(id)!;
      return { id, hostId: 1, port: route.port, state: 'running', activatedAt: route.activatedAt ?? null };
    },
    async getHost() {
      return { address: '127.0.0.1' };
    },
    async recordRequests() {},
  };
  return new Proxy(known, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      if (name === 'then') return undefined;
      throw new Error(`fakeProxyStore: unexpected Store.${String(name)}`);
    },
  }) as unknown as Store;
}
