import type { LoadBalancer } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createHaproxyLoadBalancer } from '../../src/infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import type { SleepRouting } from '../../src/infra/load-balancers/sleep-routing';
import type { HaproxyHarness } from './haproxy';
import type { NginxHarness } from './nginx';

/** The bot's nginx or HAProxy load balancer over the running test harness, with sleep and wake routed by `sleep`. */
export function harnessBalancer(
  provider: 'nginx' | 'haproxy',
  harnesses: { nginx: NginxHarness; haproxy: HaproxyHarness },
  sleep: SleepRouting,
): { lb: LoadBalancer; port: number; settle(): Promise<void> } {
  const harness = harnesses[provider];
  const options = {
    transport: createLocalTransport(),
    configDir: harness.configDir,
    namePrefix: 'sbx-',
    testCommand: harness.testCommand,
    reloadCommand: harness.reloadCommand,
    listen: harness.listen,
    sleep,
  };
  return {
    lb: provider === 'nginx' ? createNginxLoadBalancer(options) : createHaproxyLoadBalancer(options),
    port: harness.port,
    settle: () => harness.settle(),
  };
}
