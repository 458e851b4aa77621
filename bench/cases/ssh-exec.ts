/**
 * The SSH transport against a real OpenSSH sshd on loopback: connect time,
 * warm exec latency (with a raw ssh2 exec of the same command as the floor),
 * a burst of concurrent execs, and an SFTP 1 MB write + read.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openConnection } from '../../src/infra/hosts/ssh-connection';
import { createSshTransport } from '../../src/infra/hosts/ssh-transport';
import { startSshd } from '../../test/support/sshd';
import type { BenchResult } from '../run';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export default async function sshExec(): Promise<BenchResult> {
  const sshd = await startSshd();
  const options = {
    name: 'bench',
    address: sshd.address,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.privateKey,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
  };
  try {
    const connects: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const started = performance.now();
      const link = await openConnection({ ...options, clientKeyText: 'bench key', connectTimeoutMs: 10_000 });
      connects.push(performance.now() - started);
      link.client.end();
    }
    connects.sort((a, b) => a - b);

    const transport = createSshTransport(options);
    const firstCall = await timed(() => transport.exec(['true']));
    const warm: number[] = [];
    for (let i = 0; i < 200; i += 1) warm.push(await timed(() => transport.exec(['true'])));
    warm.sort((a, b) => a - b);

    const raw = await openConnection({ ...options, clientKeyText: 'bench key', connectTimeoutMs: 10_000 });
    const rawExec = () =>
      new Promise<void>((resolve, reject) =>
        raw.client.exec('true', (error, channel) =>
          error
            ? reject(error)
            : channel
                .on('close', () => resolve())
                .resume()
                .end(),
        ),
      );
    const rawTimes: number[] = [];
    for (let i = 0; i < 200; i += 1) rawTimes.push(await timed(rawExec));
    rawTimes.sort((a, b) => a - b);
    raw.client.end();

    const burst = await timed(() => Promise.all(Array.from({ length: 100 }, () => transport.exec(['true']))));

    const data = randomBytes(1 << 20);
    const path = join(sshd.dir, 'bench.bin');
    await transport.writeFile(path, data); // opens the SFTP session
    const sftp: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      sftp.push(
        await timed(async () => {
          await transport.writeFile(path, data);
          const back = await transport.readFile(path, { maxBytes: data.length });
          if (!back?.equals(data)) throw new Error('sftp round trip changed the data');
        }),
      );
    }
    sftp.sort((a, b) => a - b);
    await transport.close();

    return {
      metrics: {
        connect_p50_ms: percentile(connects, 50),
        first_call_including_connect_ms: firstCall,
        warm_exec_true_p50_ms: percentile(warm, 50),
        warm_exec_true_p99_ms: percentile(warm, 99),
        raw_ssh2_exec_true_p50_ms: percentile(rawTimes, 50),
        raw_ssh2_exec_true_p99_ms: percentile(rawTimes, 99),
        burst_100_execs_ms: burst,
        sftp_1mb_write_read_p50_ms: percentile(sftp, 50),
      },
      notes:
        'loopback sshd (OpenSSH, internal-sftp); exec goes through `timeout … env …` in the login shell; 8 channels per connection',
    };
  } finally {
    await sshd.stop();
  }
}
