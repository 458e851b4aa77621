import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getWithHost, lastReloadFailure, startNginx, type NginxHarness } from './nginx';

/**
 * The harness's settle() is what end-to-end tests lean on before they change
 * nginx's files or assert which route answers. A reload nginx has not acted
 * on yet is held here deterministically by stopping the master (SIGSTOP), as
 * a loaded machine holds it for a while: ssh-nginx.test.ts once returned from
 * settle() with the last reload still pending, the next test wrote a broken
 * file, the pending reload failed on it and the previous route kept serving.
 */
const run = promisify(execFile);
let nginx: NginxHarness;
let master: number;

beforeEach(async () => {
  nginx = await startNginx();
  master = Number(readFileSync(join(nginx.prefix, 'nginx.pid'), 'utf8').trim());
});
afterEach(async () => {
  if (master) process.kill(master, 'SIGCONT');
  await nginx?.stop();
});

const route = (body: string) =>
  writeFileSync(
    join(nginx.configDir, 'site.conf'),
    `server {\n    listen ${nginx.listen};\n    server_name site.test;\n    return 200 "${body}\\n";\n}\n`,
  );
const reload = async () => {
  await run(nginx.reloadCommand[0]!, nginx.reloadCommand.slice(1));
};
const served = async () => (await getWithHost(nginx.port, 'site.test')).body.trim();
/** 'pending' when `promise` has not settled after a while (it never will while the master is stopped). */
const stillPending = (promise: Promise<unknown>) =>
  Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), 500)),
  ]);

describe('nginx harness settle()', () => {
  it('waits for a reload the master has not acted on yet, then only the new configuration answers', async () => {
    route('one');
    await reload();
    await nginx.settle();
    expect(await served()).toBe('one');

    process.kill(master, 'SIGSTOP');
    route('two');
    await reload(); // signalled, not acted on: one worker of the old generation is all there is
    const settling = nginx.settle();
    expect(await stillPending(settling)).toBe('pending');
    expect(await served()).toBe('one');
    process.kill(master, 'SIGCONT');
    await settling;
    expect(await served()).toBe('two');
  });

  it('fails when the reload it waited for failed, and the previous configuration keeps serving', async () => {
    route('one');
    await reload();
    await nginx.settle();

    process.kill(master, 'SIGSTOP');
    route('two');
    await reload();
    // The files break before nginx acts on the reload (what the next test did).
    const broken = join(nginx.configDir, 'zz-broken.conf');
    writeFileSync(broken, 'this is not nginx configuration;\n');
    process.kill(master, 'SIGCONT');
    try {
      await expect(nginx.settle()).rejects.toThrow(/last reload failed .*unknown directive "this"/);
      expect(await served()).toBe('one');
    } finally {
      rmSync(broken, { force: true });
    }
    await reload();
    await nginx.settle();
    expect(await served()).toBe('two');
  });
});

describe('lastReloadFailure', () => {
  const started = [
    '2026/11/28 03:00:01 [notice] 10#10: signal 1 (SIGHUP) received from 12, reconfiguring',
    '2026/11/28 03:00:01 [notice] 10#10: reconfiguring',
    '2026/11/28 03:00:01 [notice] 10#10: using the "epoll" event method',
    '2026/11/28 03:00:01 [notice] 10#10: start worker processes',
    '2026/11/28 03:00:01 [notice] 10#10: start worker process 13',
  ];
  const failed = [
    '2026/11/28 03:00:02 [notice] 10#10: signal 1 (SIGHUP) received from 14, reconfiguring',
    '2026/11/28 03:00:02 [notice] 10#10: reconfiguring',
    '2026/11/28 03:00:02 [emerg] 10#10: unknown directive "this" in /p/sites/zz-broken.conf:1',
  ];
  it.each([
    ['no reload yet', ['2026/11/28 03:00:00 [notice] 10#10: start worker processes'], null],
    ['the last reload started its workers', [...failed, ...started], null],
    ['the last reload failed', [...started, ...failed], failed[2]],
    ['the last reload started nothing', [...started, ...failed.slice(0, 2)], 'it started no new workers'],
  ])('%s', (_, lines, expected) => {
    expect(lastReloadFailure(lines.join('\n'))).toBe(expected);
  });
});
