import type { LoadBalancer } from '../../core/ports/load-balancer';
import type { Store } from '../../core/ports/store';

/**
 * The bot's own HTTP server is the load balancer (see src/web/builtin-proxy.ts):
 * it routes by the `instances.active_appserver_id` the activation records, so
 * there is nothing to write, validate or reload, and every web replica sees the
 * same routes.
 */
export function createBuiltinLoadBalancer(store: Store): LoadBalancer {
  return {
    kind: 'builtin',
    apply: async () => undefined,
    remove: async () => undefined,
    async listRoutes() {
      return (await store.listInstances())
        .filter((instance) => instance.activeAppserverId !== null)
        .map((instance) => instance.slug);
    },
    check: async () => ({ ok: true, detail: 'builtin: routes by Host header from the database' }),
  };
}
