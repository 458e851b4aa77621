import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './nginx';
import { waitFor } from './wait-for';

export const pebbleBinary = '/usr/bin/pebble';

export interface PebbleHarness {
  /** The ACME directory (`https://127.0.0.1:<port>/dir`). */
  directoryUrl: string;
  /** The throwaway CA that signed pebble's own HTTPS certificate (give it as acme.ca_file). */
  apiCaFile: string;
  /** The root pebble issues certificates under (fetched from its management API; changes on every start). */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Debian's real `pebble` ACME server on 127.0.0.1, with
 * `PEBBLE_VA_ALWAYS_VALID=1` (every challenge passes, so no DNS is needed)
 * and its HTTPS API on a certificate from a CA made here with openssl.
 */
export async function startPebble(): Promise<PebbleHarness> {
  if (!existsSync(pebbleBinary))
    throw new Error('pebble is not installed; run `bash scripts/install-system-deps.sh` (npm test does this)');
  const dir = await mkdtemp(join(tmpdir(), 'sbx-pebble-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=pebble api test CA',
  );
  openssl('req', ...ec, '-keyout', 'api.key', '-out', 'api.csr', '-subj', '/CN=127.0.0.1');
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'api.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'api.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  const apiCa = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const [port, managementPort, httpPort, tlsPort] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  await writeFile(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: join(dir, 'api.pem'),
        privateKey: join(dir, 'api.key'),
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn(pebbleBinary, ['-config', join(dir, 'pebble.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEBBLE_VA_ALWAYS_VALID: '1', PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const get = (url: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { ca: apiCa, agent: false, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`pebble exited at start: ${output.slice(-2000)}`);
        return (await get(directoryUrl).catch(() => null))?.status === 200;
      },
      { timeoutMs: 15_000, what: 'pebble to answer' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    directoryUrl,
    apiCaFile: join(dir, 'ca.pem'),
    async issuingRoot() {
      const answer = await get(`https://127.0.0.1:${managementPort}/roots/0`);
      if (answer.status !== 200) throw new Error(`pebble /roots/0 answered ${answer.status}`);
      return answer.body;
    },
    stop,
  };
}
