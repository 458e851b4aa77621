import type { Config } from '../config/schema';
import { haproxySchema } from '../config/schema';
import { SandboxError } from '../core/errors';
import type { HostTransport } from '../core/ports/host-transport';
import type { LoadBalancer } from '../core/ports/load-balancer';
import type { Store } from '../core/ports/store';
import type { createHostDirectory } from '../infra/hosts/host-directory';
import { createLocalTransport } from '../infra/hosts/local-transport';
import { createBuiltinLoadBalancer } from '../infra/load-balancers/builtin';
import { confirmedReloadCommand, createHaproxyLoadBalancer } from '../infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../infra/load-balancers/nginx';
import type { SleepRouting } from '../infra/load-balancers/sleep-routing';
import type { TlsCertificate, UsesCertificate } from '../infra/load-balancers/tls-certificate';
import type { Logger } from '../infra/logger';

interface Options {
  config: Config;
  store: Store;
  hosts: ReturnType<typeof createHostDirectory>;
  logger: Logger;
  /** The certificate to serve (load_balancer.tls), from the certificate supply; null: HTTP only. */
  certificate: TlsCertificate | null;
  /** Sleep and wake behind nginx/HAProxy (see src/app/sleep-endpoints.ts); null: off. */
  sleep?: SleepRouting | null;
}

/**
 * The load balancer adapter for `load_balancer` in sandbox.yml (nginx and
 * HAProxy locally or on a compute host over SSH); nginx and HAProxy also take
 * new certificates (`useCertificate`), the builtin one's listener does that itself.
 */
export async function createLoadBalancer({
  config,
  store,
  hosts,
  logger,
  certificate,
  sleep = null,
}: Options): Promise<LoadBalancer & Partial<UsesCertificate>> {
  const settings = config.load_balancer;
  const redirectHttp = settings.tls?.redirect_http ?? false;
  const statusUrl = (slug: string) => `${config.public_url}/sandboxes/${slug}`;
  const transportOn = async (hostName: string | null, what: string): Promise<HostTransport> => {
    if (!hostName) return createLocalTransport();
    const host = (await store.listHosts()).find((h) => h.name === hostName);
    if (!host)
      throw new SandboxError('config_invalid', `load_balancer.${what}.host: no compute host named ${hostName}`);
    return hosts.transportFor(host);
  };
  if (settings.provider === 'builtin') return createBuiltinLoadBalancer(store);
  if (settings.provider === 'nginx') {
    const nginx = settings.nginx ?? {
      host: null,
      config_dir: '/etc/nginx/sites-enabled',
      name_prefix: 'sbx-',
      test_command: ['nginx', '-t'],
      reload_command: ['nginx', '-s', 'reload'],
      listen: 80,
      tls_listen: 443,
    };
    return createNginxLoadBalancer({
      transport: await transportOn(nginx.host, 'nginx'),
      configDir: nginx.config_dir,
      namePrefix: nginx.name_prefix,
      testCommand: nginx.test_command,
      reloadCommand: nginx.reload_command,
      listen: nginx.listen,
      tls: certificate ? { listen: nginx.tls_listen, certificate, redirectHttp } : null,
      preliminaryUrl: statusUrl,
      logger,
      sleep,
    });
  }
  const haproxy = settings.haproxy ?? haproxySchema.parse({});
  return createHaproxyLoadBalancer({
    transport: await transportOn(haproxy.host, 'haproxy'),
    configDir: haproxy.config_dir,
    namePrefix: haproxy.name_prefix,
    testCommand: haproxy.test_command,
    reloadCommand: haproxy.reload_command ?? confirmedReloadCommand(haproxy.master_pid_file),
    listen: haproxy.listen,
    tls: certificate ? { listen: haproxy.tls_listen, certificate, redirectHttp } : null,
    statusUrl,
    logger,
    sleep,
  });
}
