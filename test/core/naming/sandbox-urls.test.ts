import { describe, expect, it } from 'vitest';
import { sandboxLinks } from '../../../src/config/sandbox-links';
import { configSchema, type ConfigInput } from '../../../src/config/schema';
import { sandboxUrls } from '../../../src/core/naming/sandbox-urls';

const config = (input: ConfigInput) => {
  const parsed = configSchema.parse(input);
  parsed.public_url ??= `http://localhost:${parsed.server.port}`;
  return parsed;
};

describe('sandbox URLs work when pasted', () => {
  it.each<[string, ConfigInput, string]>([
    ['builtin on the bot port', { base_domain: 'localhost', server: { port: 3900 } }, 'http://demo.localhost:3900'],
    ['builtin behind https on 443', { public_url: 'https://bot.example.com' }, 'https://demo.localhost'],
    [
      'builtin behind a public URL with a port',
      { public_url: 'https://bot.example.com:8443' },
      'https://demo.localhost:8443',
    ],
    ['nginx on 80', { load_balancer: { provider: 'nginx', nginx: {} } }, 'http://demo.localhost'],
    ['nginx on 8080', { load_balancer: { provider: 'nginx', nginx: { listen: 8080 } } }, 'http://demo.localhost:8080'],
    [
      'nginx on address:port',
      { load_balancer: { provider: 'nginx', nginx: { listen: '127.0.0.1:8081' } } },
      'http://demo.localhost:8081',
    ],
    [
      'nginx on 443 behind https',
      { public_url: 'https://bot.example.com', load_balancer: { provider: 'nginx', nginx: { listen: 443 } } },
      'https://demo.localhost',
    ],
  ])('%s', (_name, input, expected) => {
    expect(sandboxUrls(['demo.localhost'], sandboxLinks(config(input)))).toEqual([expected]);
  });
});
