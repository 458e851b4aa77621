import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTransport } from '../../src/core/ports/host-transport';
import { createSshTransport, sshFingerprint, type SshTransportOptions } from '../../src/infra/hosts/ssh-transport';
import { startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait-for';

let sshd: TestSshd;
let work: string;
const transports: HostTransport[] = [];

function transport(overrides: Partial<SshTransportOptions> = {}, server: TestSshd = sshd): HostTransport {
  const created = createSshTransport({
    name: 'test-host',
    address: server.address,
    port: server.port,
    user: server.user,
    privateKey: server.privateKey,
    hostKeyFingerprint: server.hostKeyFingerprint,
    connectTimeoutMs: 5_000,
    ...overrides,
  });
  transports.push(created);
  return created;
}

beforeAll(async () => {
  sshd = await startSshd();
  work = mkdtempSync(join(tmpdir(), 'sbx-ssh-work-'));
});

afterAll(async () => {
  await Promise.all(transports.map((each) => each.close()));
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
});

function splitNul(text: string): string[] {
  const parts = text.split('\0');
  parts.pop();
  return parts;
}

describe('exec', () => {
  it('hands argv full of shell metacharacters to the program unchanged, and runs none of it', async () => {
    const marker = join(work, 'marker-exec');
    const args = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `; touch ${marker}`,
      `| touch ${marker}`,
      `&& touch ${marker}`,
      `\ntouch ${marker}`,
      `'"; touch ${marker}`,
      '*',
      '',
      '-n',
      'é 漢 🙂',
    ];
    const result = await transport().exec(['printf', '%s\\0', ...args]);
    expect(result.code).toBe(0);
    expect(splitNul(result.stdout)).toEqual(args);
    expect(existsSync(marker)).toBe(false);
  });

  it('passes env and cwd, with values that must not be interpreted', async () => {
    const marker = join(work, 'marker-env');
    const cwd = join(work, `dir with 'quotes' and $(touch ${marker})`);
    await transport().exec(['mkdir', '-p', cwd]);
    const env = { GREETING: `hi $(touch ${marker}) \`x\``, MULTI_LINE: 'a\'b\nc"d', EMPTY: '' };
    const result = await transport().exec(
      ['sh', '-c', 'printf "%s\\0" "$PWD" "$GREETING" "$MULTI_LINE" "${EMPTY-unset}"'],
      { cwd, env },
    );
    expect(splitNul(result.stdout)).toEqual([cwd, env.GREETING, env.MULTI_LINE, '']);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a bad environment variable name or program name before sending anything', async () => {
    await expect(transport().exec(['true'], { env: { 'A;B': 'x' } })).rejects.toThrow(
      /invalid environment variable name/,
    );
    await expect(transport().exec([])).rejects.toThrow(/empty argv/);
    await expect(transport().exec(['A=b'])).rejects.toThrow(/contains "="/);
  });

  it('feeds stdin and closes it; without stdin the program sees end of file', async () => {
    const input = Buffer.concat([Buffer.from('héllo\nwörld\n'), randomBytes(100_000)]);
    expect((await transport().exec(['wc', '-c'], { stdin: input })).stdout.trim()).toBe(String(input.length));
    expect((await transport().exec(['cat'], { stdin: 'some text\n' })).stdout).toBe('some text\n');
    expect(await transport().exec(['cat'], { timeoutMs: 5_000 })).toMatchObject({ code: 0, stdout: '' });
  });

  it('reports non-zero exits, missing programs and signals like the local transport', async () => {
    expect(await transport().exec(['sh', '-c', 'echo out; echo oops >&2; exit 3'])).toEqual({
      code: 3,
      signal: null,
      stdout: 'out\n',
      stderr: 'oops\n',
    });
    expect((await transport().exec(['no-such-program-sbx'])).code).toBe(127);
    expect(await transport().exec(['sh', '-c', 'kill -TERM $$'])).toMatchObject({ code: null, signal: 'SIGTERM' });
    const inMissingDir = await transport().exec(['true'], { cwd: join(work, 'no-such-dir') });
    expect(inMissingDir.code).not.toBe(0);
  });

  it('times out, and kills the remote process group', async () => {
    const started = Date.now();
    await expect(transport().exec(['sh', '-c', 'sleep 31.4159; echo never'], { timeoutMs: 300 })).rejects.toThrow(
      'test-host: `sh` timed out after 300ms',
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitFor(() => !processRunning('31.4159'), { timeoutMs: 3_000, what: 'the remote sleep to be killed' });
  });

  it('runs 25 execs at once over one connection (the channel cap queues them)', async () => {
    const host = transport();
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => host.exec(['sh', '-c', 'sleep 0.5; echo "$1"', 'sh', String(i)])),
    );
    expect(results.map((result) => result.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    // The same burst, files included, mixes SFTP and exec channels under the cap.
    const mixed = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? host.exec(['echo', String(i)]).then((r) => r.stdout)
          : host.writeFile(join(work, 'burst', `${i}`), `${i}`).then(() => 'written'),
      ),
    );
    expect(mixed.filter((value) => value === 'written')).toHaveLength(10);
  });

  it('control: without a cap below MaxSessions, OpenSSH refuses the 11th channel', async () => {
    const uncapped = transport({ maxChannels: 25 });
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, () => uncapped.exec(['sleep', '2'])));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/refused a channel/);
  });

  it('does not source the login shell rc files (warm exec stays fast)', async () => {
    const host = transport();
    await host.exec(['true']);
    const times: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const started = performance.now();
      await host.exec(['true']);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    expect(times[7]).toBeLessThan(50); // ~3 ms here; ~100 ms when root's ~/.bashrc runs
  });
});

describe('files over SFTP', () => {
  it('writes atomically, creating parent directories, with the mode, and leaves no temporary file', async () => {
    const host = transport();
    const marker = join(work, 'marker-mkdir');
    const dir = join(work, 'a', `b c $(touch ${marker})`, 'd');
    const path = join(dir, 'run.sh');
    await host.writeFile(path, '#!/bin/sh\necho ran\n', 0o755);
    expect(readFileSync(path, 'utf8')).toBe('#!/bin/sh\necho ran\n');
    expect(statSync(path).mode & 0o777).toBe(0o755);
    expect(await host.listDir(dir)).toEqual(['run.sh']);
    expect((await host.exec([path])).stdout).toBe('ran\n');
    await host.writeFile(path, 'replaced');
    expect(await host.readFile(path)).toEqual(Buffer.from('replaced'));
    expect(readdirSync(dir)).toEqual(['run.sh']);
    expect(existsSync(marker)).toBe(false);
  });

  it('reads from an offset up to maxBytes, also after the file grew', async () => {
    const host = transport();
    const path = join(work, 'log.txt');
    await host.writeFile(path, 'hello world');
    expect((await host.readFile(path, { offset: 6 }))?.toString()).toBe('world');
    expect((await host.readFile(path, { maxBytes: 3 }))?.toString()).toBe('hel');
    expect((await host.readFile(path, { offset: 100 }))?.length).toBe(0);
    await host.exec(['sh', '-c', 'printf "%s" "$1" >> "$2"', 'sh', '\nmore', path]);
    expect((await host.readFile(path, { offset: 11 }))?.toString()).toBe('\nmore');
    expect(await host.fileSize(path)).toBe(16);
  });

  it('reads a 5 MB file in chunks, byte-exact', async () => {
    const host = transport();
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const path = join(work, 'big.bin');
    await host.writeFile(path, data);
    expect(readFileSync(path).equals(data)).toBe(true);
    for (const chunk of [1 << 20, 777_777]) {
      const parts: Buffer[] = [];
      for (let offset = 0; ;) {
        const part = await host.readFile(path, { offset, maxBytes: chunk });
        if (!part || part.length === 0) break;
        expect(part.length).toBeLessThanOrEqual(chunk);
        parts.push(part);
        offset += part.length;
      }
      expect(Buffer.concat(parts).equals(data)).toBe(true);
    }
  });

  it('answers null, [] and no error for missing paths', async () => {
    const host = transport();
    const missing = join(work, 'missing', 'file');
    expect(await host.readFile(missing)).toBeNull();
    expect(await host.fileSize(missing)).toBeNull();
    expect(await host.listDir(missing)).toEqual([]);
    await expect(host.remove(missing)).resolves.toBeUndefined();
  });

  it('removes a directory tree', async () => {
    const host = transport();
    const dir = join(work, 'tree');
    await host.writeFile(join(dir, 'x', 'y.txt'), 'y');
    await host.writeFile(join(dir, 'z.txt'), 'z');
    expect((await host.listDir(dir)).sort()).toEqual(['x', 'z.txt']);
    await host.remove(dir);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('host keys', () => {
  it('computes fingerprints the way ssh-keygen does', () => {
    const publicKey = readFileSync(join(sshd.dir, 'host_ed25519_key.pub'), 'utf8');
    expect(sshFingerprint(Buffer.from(publicKey.split(' ')[1] ?? '', 'base64'))).toBe(sshd.hostKeyFingerprint);
  });

  it('refuses a host whose key does not match the pinned fingerprint, saying what was expected and offered', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const error = await transport({ hostKeyFingerprint: wrong })
      .exec(['true'])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'host_unreachable' });
    const message = (error as Error).message;
    expect(message).toContain(`expected ${wrong}`);
    expect(message).toContain(`offered ssh-ed25519 key ${sshd.hostKeyFingerprint}`);
    expect(message).toContain('update host_key_fingerprint');
  });

  it('refuses a host with no key pinned', async () => {
    await expect(transport({ hostKeyFingerprint: null }).exec(['true'])).rejects.toMatchObject({
      code: 'host_unreachable',
      message: expect.stringMatching(
        /^no host key pinned for test-host; add host_key_fingerprint: SHA256:… \(ssh-keygen -lf/,
      ),
    });
  });

  it('accepts a key listed in known_hosts, plain or hashed, and refuses one that is not', async () => {
    const [type, base64] = readFileSync(join(sshd.dir, 'host_ed25519_key.pub'), 'utf8').split(' ');
    const name = `[127.0.0.1]:${sshd.port}`;
    const plain = join(work, 'known_hosts');
    writeFileSync(plain, `# comment\nother.example ${type} ${base64}\n${name} ${type} ${base64}\n`);
    expect((await transport({ hostKeyFingerprint: null, knownHostsPath: plain }).exec(['echo', 'ok'])).stdout).toBe(
      'ok\n',
    );

    const hashed = join(work, 'known_hosts_hashed');
    writeFileSync(hashed, `${name} ${type} ${base64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    expect((await transport({ hostKeyFingerprint: null, knownHostsPath: hashed }).exec(['echo', 'ok'])).stdout).toBe(
      'ok\n',
    );

    const otherKey = execFileSync(
      'sh',
      ['-c', `ssh-keygen -q -t ed25519 -N '' -f ${work}/other_key && cat ${work}/other_key.pub`],
      { encoding: 'utf8' },
    ).split(' ');
    const wrong = join(work, 'known_hosts_wrong');
    writeFileSync(wrong, `${name} ${otherKey[0]} ${otherKey[1]}\n`);
    await expect(transport({ hostKeyFingerprint: null, knownHostsPath: wrong }).exec(['true'])).rejects.toMatchObject({
      code: 'host_unreachable',
      message: expect.stringContaining(`(${wrong}), offered ssh-ed25519 key ${sshd.hostKeyFingerprint}`),
    });
    const empty = join(work, 'known_hosts_empty');
    writeFileSync(empty, '');
    await expect(transport({ hostKeyFingerprint: null, knownHostsPath: empty }).exec(['true'])).rejects.toThrow(
      `an entry for ${name} in ${empty}, which has none`,
    );
  });
});

describe('connection failures', () => {
  it('names the address when nothing listens on the port', async () => {
    const port = await closedPort();
    await expect(transport({ port }).exec(['true'])).rejects.toMatchObject({
      code: 'host_unreachable',
      message: `ssh to test-host (127.0.0.1:${port}) failed: connection refused; check the address and port of test-host under compute.hosts in sandbox.yml`,
    });
  });

  it('gives up after connectTimeoutMs when the server never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      await expect(transport({ port, connectTimeoutMs: 400 }).exec(['true'])).rejects.toMatchObject({
        code: 'host_unreachable',
        message: expect.stringContaining('timed out after 400ms'),
      });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('says which user and key the server refused', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'stranger_key')]);
    const strangerKey = readFileSync(join(work, 'stranger_key'), 'utf8');
    const strangerFingerprint = execFileSync('ssh-keygen', ['-lf', join(work, 'stranger_key.pub')], {
      encoding: 'utf8',
    }).split(' ')[1];
    await expect(transport({ privateKey: strangerKey }).exec(['true'])).rejects.toMatchObject({
      code: 'host_unreachable',
      message: expect.stringContaining(
        `as root was refused: the server did not accept the ssh-ed25519 key ${strangerFingerprint}`,
      ),
    });
  });

  it('refuses an unusable private key when created', () => {
    expect(() => transport({ privateKey: 'not a key' })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});

describe('a host without the SFTP subsystem', () => {
  let bare: TestSshd;
  beforeAll(async () => {
    bare = await startSshd({ sftp: false });
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it('fails file calls with the fix and keeps the connection for exec', async () => {
    const client = transport({}, bare);
    expect((await client.exec(['echo', 'first'])).stdout).toBe('first\n');
    const pidsBefore = bare.sessionPids();
    await expect(client.readFile(join(work, 'anything'))).rejects.toThrow(
      /enable the sftp subsystem in the host's sshd_config/,
    );
    expect((await client.exec(['echo', 'still'])).stdout).toBe('still\n');
    expect(bare.sessionPids().slice(0, 2)).toEqual(pidsBefore.slice(0, 2)); // same connection, not a reconnect
  });
});

describe('losing the connection', () => {
  let host: TestSshd;
  beforeAll(async () => {
    host = await startSshd();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('rejects the calls in flight, then reconnects on the next call', async () => {
    const client = transport({}, host);
    const file = join(work, 'survives.txt');
    await client.writeFile(file, 'before');
    // A duration no other process uses: waiting for any `sleep 30` on the machine could match another
    // test's and kill the host before this call has even connected.
    const duration = `29.${process.pid}${Date.now() % 100_000}`;
    const inFlight = client.exec(['sleep', duration]).catch((error: unknown) => error);
    await waitFor(() => processRunning(`sleep\0${duration}\0`), { what: 'the remote sleep to start' });
    host.kill();
    const error = await inFlight;
    expect(error).toMatchObject({
      code: 'host_unreachable',
      message: expect.stringContaining('lost the connection while running `sleep`'),
    });

    await expect(client.exec(['true'])).rejects.toMatchObject({
      code: 'host_unreachable',
      message: expect.stringContaining('connection refused'),
    });
    await host.restart();
    expect((await client.exec(['echo', 'back'])).stdout).toBe('back\n');
    expect(await client.readFile(file)).toEqual(Buffer.from('before'));

    // Lost while idle: the next call reconnects without an error.
    host.kill();
    await host.restart();
    expect((await client.readFile(file))?.toString()).toBe('before');
    expect((await client.exec(['echo', 'again'])).stdout).toBe('again\n');
  });

  it('close() ends the connection and later calls fail', async () => {
    const before = host.sessionPids().length; // connections of the other test are still open
    const client = transport({}, host);
    await client.exec(['true']);
    await client.writeFile(join(work, 'closing.txt'), 'x');
    expect(host.sessionPids().length).toBeGreaterThan(before);
    await client.close();
    await waitFor(() => host.sessionPids().length === before, { what: 'sshd to drop the session' });
    await expect(client.exec(['true'])).rejects.toThrow(/transport is closed/);
  });
});

/** Whether a process whose command line contains `needle` runs on this machine (the test sshd's host). */
function processRunning(needle: string): boolean {
  return readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
