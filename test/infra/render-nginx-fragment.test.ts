import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/core/errors';
import { renderNginxFragment } from '../../src/infra/load-balancers/render-nginx-fragment';

describe('renderNginxFragment', () => {
  it('renders a proxy fragment', () => {
    const fragment = renderNginxFragment({
      route: {
        slug: 'pr42-app',
        domains: ['pr42-app.example.com', 'studio-pr42-app.example.com', 'pr42-app.example.com'],
        target: { address: 'Host-2.internal', port: 8042 },
      },
      listen: 80,
    });
    expect(fragment).toBe(GOLDEN_PROXY);
  });

  it('renders a preliminary page, with a link only when one is given', () => {
    const without = renderNginxFragment({
      route: { slug: 'demo', domains: ['demo.localhost'], target: null },
      listen: '127.0.0.1:8080',
    });
    expect(without).toContain('    listen 127.0.0.1:8080;');
    expect(without).toContain('return 503 "');
    expect(without).not.toContain('href');
    const linked = renderNginxFragment({
      route: { slug: 'demo', domains: ['demo.localhost'], target: null },
      listen: 80,
      preliminaryUrl: 'https://bot.example.com/i/demo?a=1&b="$x"<\'\\',
    });
    expect(linked).toContain("href='https://bot.example.com/i/demo?a=1&amp;b=%22%24x%22%3C%27%5C'");
  });

  it('brackets IPv6 appserver addresses', () => {
    const fragment = renderNginxFragment({
      route: { slug: 'v6', domains: ['v6.localhost'], target: { address: '::1', port: 9000 } },
      listen: '[::]:80',
    });
    expect(fragment).toContain('proxy_pass http://[::1]:9000;');
    expect(fragment).toContain('listen [::]:80;');
  });

  it.each(['80;', '127.0.0.1:80 default_server', 'x:80', '0', '65536', '1.2.3.4:80\n'])(
    'rejects listen %j',
    (listen) => {
      expect(() =>
        renderNginxFragment({ route: { slug: 'a', domains: ['a.localhost'], target: null }, listen }),
      ).toThrowError(expect.objectContaining({ code: 'config_invalid' }) as Error);
    },
  );

  it('never lets a domain add text beyond plain host names', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (domain) => {
        let fragment: string;
        try {
          fragment = renderNginxFragment({
            route: { slug: 'prop', domains: [domain], target: { address: '127.0.0.1', port: 80 } },
            listen: 80,
          });
        } catch (error) {
          return error instanceof SandboxError && error.code === 'usage';
        }
        const line = fragment.split('\n')[3];
        return (
          /^ {4}server_name [a-z0-9.-]+;$/.test(line ?? '') &&
          fragment.split('\n').length === GOLDEN_PROXY.split('\n').length
        );
      }),
      { numRuns: 500 },
    );
  });
});

const GOLDEN_PROXY = `# Managed by Sandbox Bot for instance pr42-app; rewritten on every activation, do not edit.
server {
    listen 80;
    server_name pr42-app.example.com studio-pr42-app.example.com;

    # WebSocket: ask the upstream to upgrade only when the client asked to.
    set $sbx_connection "close";
    if ($http_upgrade != "") {
        set $sbx_connection "upgrade";
    }

    client_max_body_size 100m;

    location / {
        proxy_pass http://host-2.internal:8042;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $sbx_connection;
        proxy_connect_timeout 5s;
        proxy_send_timeout 300s;
        proxy_read_timeout 300s;
    }

    error_page 502 504 =502 @sbx_down;
    location @sbx_down {
        default_type "text/html; charset=utf-8";
        add_header Cache-Control "no-store" always;
        return 502 "<!doctype html><html><head><meta charset='utf-8'><title>pr42-app: not answering</title></head><body><h1>pr42-app</h1><p>The sandbox's appserver is not answering right now.</p></body></html>\\n";
    }
}
`;
