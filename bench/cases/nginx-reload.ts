/**
 * nginx load balancer: how long an activation takes (write + `nginx -t` +
 * reload) over 30 switches between two appservers, against a real nginx on
 * loopback through the local transport; and how long until nginx answers
 * with the new appserver.
 */
import { createServer, type Server } from 'node:http';
import type { HostTransport } from '../../src/core/ports/host-transport';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import { getWithHost, startNginx } from '../../test/support/nginx';
import type { BenchResult } from '../run';

const switches = 30;

export default async function nginxReload(): Promise<BenchResult> {
  const nginx = await startNginx();
  const servers: Server[] = [];
  try {
    const ports = await Promise.all(['a', 'b'].map((name) => startNamedServer(name, servers)));
    const execTimes = new Map<string, number[]>();
    const transport = timed(createLocalTransport(), execTimes);
    const balancer = createNginxLoadBalancer({
      transport,
      configDir: nginx.configDir,
      namePrefix: 'sbx-',
      testCommand: nginx.testCommand,
      reloadCommand: nginx.reloadCommand,
      listen: nginx.listen,
    });
    const host = 'bench.localhost';
    const apply: number[] = [];
    const visible: number[] = [];
    for (let index = 0; index <= switches; index += 1) {
      const name = index % 2 === 0 ? 'a' : 'b';
      const started = performance.now();
      await balancer.apply({
        slug: 'bench',
        domains: [host],
        target: { address: '127.0.0.1', port: ports[index % 2] ?? 0 },
      });
      const applied = performance.now();
      while ((await getWithHost(nginx.port, host)).body !== name) {
        if (performance.now() - started > 10_000) throw new Error(`nginx did not switch to ${name} within 10 s`);
      }
      // The first apply only sets the route up; the switches are what we measure.
      if (index > 0) {
        apply.push(applied - started);
        visible.push(performance.now() - started);
      }
      await nginx.settle();
    }
    return {
      metrics: {
        switches,
        apply_ms_p50: percentile(apply, 50),
        apply_ms_p99: percentile(apply, 99),
        nginx_t_ms_p50: percentile(execTimes.get('test') ?? [], 50),
        reload_command_ms_p50: percentile(execTimes.get('reload') ?? [], 50),
        new_route_answers_ms_p50: percentile(visible, 50),
        new_route_answers_ms_p99: percentile(visible, 99),
      },
      notes:
        'apply = read + atomic write + nginx -t + nginx -s reload (local transport); answers = until a fresh connection reaches the new appserver. p99 of 30 samples is about the maximum.',
    };
  } finally {
    await nginx.stop();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function startNamedServer(name: string, servers: Server[]): Promise<number> {
  const server = createServer((_req, res) => res.end(name));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Records how long each test/reload command takes. */
function timed(inner: HostTransport, times: Map<string, number[]>): HostTransport {
  return {
    ...inner,
    async exec(argv, options) {
      const started = performance.now();
      const result = await inner.exec(argv, options);
      const kind = argv.includes('-t') ? 'test' : 'reload';
      times.set(kind, [...(times.get(kind) ?? []), performance.now() - started]);
      return result;
    },
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
