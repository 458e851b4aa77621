import type { SandboxLinks } from '../core/naming/sandbox-urls';
import type { Config } from './schema';

/** How every surface builds sandbox URLs for this configuration (one place, so they all agree). */
export function sandboxLinks(config: Config): SandboxLinks {
  const publicUrl = config.public_url ?? `http://localhost:${config.server.port}`;
  return { publicUrl, sandboxPort: sandboxPort(config, publicUrl) };
}

function sandboxPort(config: Config, publicUrl: string): number | null {
  const balancer = config.load_balancer;
  if (balancer.provider === 'builtin') {
    const { port } = new URL(publicUrl);
    return port ? Number(port) : null;
  }
  if (balancer.provider === 'nginx') {
    const listen = balancer.nginx?.listen ?? 80;
    return typeof listen === 'number' ? listen : Number(listen.slice(listen.lastIndexOf(':') + 1));
  }
  return null;
}
