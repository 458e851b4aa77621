import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config';
import { createSleepEndpoints } from '../../src/app/sleep-endpoints';
import { hitsMeasured } from '../../src/config/request-log';
import { uptimeBaseUrl } from '../../src/infra/uptime-target';
import { loadConfigText } from '../support/config-text';

const load = (yaml: string) => loadConfigText(yaml);

const repository = (extra: string) => `
repositories:
  - name: acme/app
    script:
      start: exec node server.mjs
${extra}`;

describe('sleep_after', () => {
  it('is off by default and read as a duration', () => {
    expect(load(repository('')).repositories[0]!.sleep_after).toBeNull();
    expect(load(repository('    sleep_after: 2h')).repositories[0]!.sleep_after).toBe(2 * 60 * 60_000);
  });

  it.each(['nginx', 'haproxy'] as const)(
    'works with load_balancer.provider %s: the load balancer reaches the bot at server.host, or at sleep.bot_address',
    (provider) => {
      const yaml = `${repository('    sleep_after: 2h')}\nload_balancer:\n  provider: ${provider}\n  ${provider}: {}\n`;
      const config = load(yaml);
      expect(config.load_balancer.sleep).toEqual({ bot_address: null, request_log_port: 5514 });
      const routing = createSleepEndpoints(config).routing!;
      expect(routing()).toEqual({
        upstream: { address: '127.0.0.1', port: 3000 },
        requestLog: { address: '127.0.0.1', port: 5514 },
      });
      const wildcard = load(`${yaml}server:\n  host: 0.0.0.0\n  port: 3100\n`);
      expect(createSleepEndpoints(wildcard).routing!().upstream).toEqual({ address: '127.0.0.1', port: 3100 });
      const told = load(`${yaml.replace(`${provider}: {}`, `${provider}: {}\n  sleep:\n    bot_address: 10.0.0.5`)}`);
      expect(createSleepEndpoints(told).routing!().upstream.address).toBe('10.0.0.5');
      expect(createSleepEndpoints(config).wakes).toBe(true);
      // Without a repository that sleeps, the request log still feeds the activity report; nothing wakes.
      const awake = createSleepEndpoints(load(`load_balancer:\n  provider: ${provider}\n`));
      expect(awake.routing!().requestLog).toEqual({ address: '127.0.0.1', port: 5514 });
      expect(awake.wakes).toBe(false);
      // A remote load balancer not told where the bot is sends nothing (it could not reach the bot's loopback).
      const remote = load(`load_balancer:\n  provider: ${provider}\n  ${provider}:\n    host: edge\n`);
      expect(createSleepEndpoints(remote).routing).toBeNull();
      expect(hitsMeasured(remote)).toBe(false);
      expect(hitsMeasured(load(`load_balancer:\n  provider: ${provider}\n`))).toBe(true);
    },
  );

  it('a load balancer on another host must be told where the bot is; a port of 0 must be bound first', () => {
    const yaml = `${repository('    sleep_after: 2h')}\nload_balancer:\n  provider: nginx\n  nginx:\n    host: edge\n`;
    let error: unknown;
    try {
      load(yaml);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toContain('repositories[0].sleep_after');
    expect(String((error as Error).message)).toContain('need load_balancer.sleep.bot_address');
    expect(() => load(`${yaml}  sleep:\n    bot_address: 10.0.0.5\n`)).not.toThrow();
    expect(() => load(`${yaml}  sleep:\n    bot_address: "10.0.0.5; evil"\n`)).toThrow(/bot_address/);

    const unbound = createSleepEndpoints(
      load(`${repository('    sleep_after: 2h')}\nserver:\n  port: 0\nload_balancer:\n  provider: haproxy\n`),
    );
    expect(() => unbound.routing!()).toThrow(/server\.port is 0/);
    unbound.useWebPort(4001);
    expect(unbound.routing!().upstream.port).toBe(4001);
  });
});

describe('uptime', () => {
  it('probes the builtin proxy, a local nginx, or uptime.url', () => {
    expect(load('').uptime).toEqual({ enabled: true, failures: 3, timeout: 10_000, url: null });
    expect(uptimeBaseUrl(load('server:\n  host: 0.0.0.0\n  port: 3000\n'), null)).toBe('http://127.0.0.1:3000');
    expect(uptimeBaseUrl(load('server:\n  port: 0\n'), 4567)).toBe('http://127.0.0.1:4567');
    expect(uptimeBaseUrl(load('load_balancer:\n  provider: nginx\n  nginx:\n    listen: 8080\n'), 3000)).toBe(
      'http://127.0.0.1:8080',
    );
    expect(uptimeBaseUrl(load('load_balancer:\n  provider: nginx\n  nginx:\n    host: edge\n'), 3000)).toBeNull();
    expect(uptimeBaseUrl(load('uptime:\n  url: http://lb.internal:80\n'), 3000)).toBe('http://lb.internal:80');
    expect(() => load('uptime:\n  url: http://lb.internal/path\n')).toThrow(/uptime\.url/);
    expect(() => load('uptime:\n  failures: 0\n')).toThrow(/uptime\.failures/);
  });
});
