import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';

export interface TlsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Serial number of the certificate the server presented (hex, upper case). */
  serial: string;
}

/** GET over TLS to 127.0.0.1:port with SNI and Host `host`, trusting only `ca`; a fresh connection each time. */
export function getTls(port: number, host: string, ca: string, path = '/'): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false, timeout: 5_000 },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber ?? '';
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serial }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET https://${host}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The X-Forwarded-Proto an upstream from named-upstream.ts saw. */
export const forwardedProto = (body: string): string | undefined =>
  (JSON.parse(body) as { headers: Record<string, string> }).headers['x-forwarded-proto'];

/**
 * A throwaway CA in `dir` (`ca.pem`, `ca.key`) made with openssl; only the
 * test's client trusts it. `issue` signs a `*.<domain>` leaf and returns its
 * certificate and key paths.
 */
export function makeTestCa(dir: string): {
  caPem: string;
  issue(name: string, domain: string): { certificateFile: string; keyFile: string };
} {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Sandbox Bot test CA');
  return {
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(name, domain) {
      run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=*.${domain}`);
      writeFileSync(join(dir, `${name}.cnf`), `subjectAltName=DNS:*.${domain},DNS:${domain}\n`);
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.cnf`,
      );
      return { certificateFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
    },
  };
}
