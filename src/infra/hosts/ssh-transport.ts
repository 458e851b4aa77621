/**
 * A host reached over SSH (the `ssh` compute provider), with the semantics of
 * the local transport. One connection per host, opened lazily and reused; at
 * most `maxChannels` channels at once (OpenSSH's MaxSessions defaults to 10);
 * one SFTP session per connection for files. Command lines are built only by
 * `quoteArgv`; environment variables travel in the command line through
 * `env`, since sshd refuses most env requests.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { ClientChannel, SFTPWrapper } from 'ssh2';
import { SandboxError } from '../../core/errors';
import type { ExecOptions, ExecResult, HostTransport } from '../../core/ports/host-transport';
import { createChannelLimit } from './channel-limit';
import {
  closeFile,
  isMissing,
  openFile,
  readDirNames,
  readRange,
  renameOver,
  statSize,
  unlinkFile,
  writeAll,
} from './sftp-files';
import {
  type ConnectionSettings,
  describeClientKey,
  type Link,
  markLost,
  openConnection,
  type SshLogger,
  where,
} from './ssh-connection';
import { buildRemoteCommand, collectExec } from './ssh-exec';
import { sshFingerprint } from './ssh-host-key';

export { sshFingerprint };
export type { SshLogger };

export type SshTransportOptions = {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKey: string | Buffer;
  /** `SHA256:…` as printed by `ssh-keygen -lf`. */
  hostKeyFingerprint?: string | null;
  knownHostsPath?: string | null;
  /** Channels open at once (exec and the SFTP session); default 8, below OpenSSH's MaxSessions of 10. */
  maxChannels?: number;
  /** TCP connect plus handshake; default 10 s. */
  connectTimeoutMs?: number;
  logger?: SshLogger;
};

const defaultTimeoutMs = 60_000;
const defaultMaxBytes = 1 << 20;

/** The channel could not even be opened on a connection that turned out dead: nothing ran, so one reconnect is safe. */
class StaleConnection extends Error {}
/** The server refused to open a channel (over its MaxSessions, usually): nothing ran, so a retry is safe. */
class ChannelRefused extends Error {}
type Opener<T> = (callback: (error: Error | undefined, channel: T) => void) => void;
const refusalRetriesMs = [10, 20, 40, 80, 160];

export function createSshTransport(options: SshTransportOptions): HostTransport {
  const { name, address, logger } = options;
  const maxChannels = options.maxChannels ?? 8;
  if (!Number.isInteger(maxChannels) || maxChannels < 2)
    throw new RangeError(`ssh ${name}: maxChannels must be an integer ≥ 2 (one is kept by SFTP)`);
  const settings: ConnectionSettings = {
    ...options,
    clientKeyText: describeClientKey(name, options.privateKey),
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  };
  const channels = createChannelLimit(maxChannels);
  let current: Promise<Link> | undefined;
  let closed = false;

  function connectNow(): Promise<Link> {
    const attempt = openConnection(settings, logger).then((opened) => {
      if (!closed) return opened;
      opened.client.end(); // close() ran while we were connecting
      throw new Error(`ssh ${name}: the transport is closed`);
    });
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined; // the next call tries again
    });
    return attempt;
  }

  /** The live connection; connects when there is none and reconnects when it was lost. Callers waiting on one attempt share its outcome. */
  async function link(): Promise<Link> {
    if (closed) throw new Error(`ssh ${name}: the transport is closed`);
    const pending = current ?? connectNow();
    const known = await pending;
    if (!known.lost) return known;
    if (current !== pending) return current ?? connectNow(); // another call already reconnects
    logger?.debug({ host: name, reason: known.lost.message }, 'ssh reconnecting');
    return connectNow();
  }

  /** Runs `use` on the live connection; when the connection was already dead before anything was sent, reconnects once. */
  async function withLink<T>(use: (link: Link) => Promise<T>): Promise<T> {
    const first = await link();
    try {
      return await use(first);
    } catch (error) {
      if (!(error instanceof StaleConnection)) throw error;
      markLost(first, error);
    }
    try {
      return await use(await link());
    } catch (error) {
      if (error instanceof StaleConnection)
        throw new SandboxError(
          'host_unreachable',
          `ssh to ${where(options)} failed: ${error.message}; check the host and sshd`,
          { cause: error },
        );
      throw error;
    }
  }

  /** Rejects with a clear error if the connection drops while `work` is in flight. */
  function whileConnected<T>(link: Link, what: string, work: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const onLost = (reason: Error) => reject(lostError(what, reason));
      link.onLost.add(onLost);
      if (link.lost) onLost(link.lost);
      work
        .then(resolve, (error: unknown) => reject(link.lost ? lostError(what, link.lost) : error))
        .finally(() => link.onLost.delete(onLost));
    });
  }

  function lostError(what: string, reason: Error): SandboxError {
    if (closed)
      return new SandboxError('host_unreachable', `ssh ${name}: the transport was closed while ${what}`, {
        cause: reason,
      });
    return new SandboxError(
      'host_unreachable',
      `ssh to ${where(options)} lost the connection while ${what} (${reason.message}); the next call reconnects`,
      { cause: reason },
    );
  }

  /**
   * Opens a channel. sshd frees a closed session a moment after we see it
   * close, so a burst at the cap can briefly exceed MaxSessions: a refusal is
   * retried a few times (nothing ran yet), then reported. `prepare` runs
   * synchronously on the new channel: ssh2 may emit its data, exit and close
   * in the same tick, before an awaiting caller could listen.
   */
  async function openChannel<T>(link: Link, open: Opener<T>, prepare: (channel: T) => void): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await openChannelOnce(link, open, prepare);
      } catch (error) {
        if (!(error instanceof ChannelRefused) || attempt >= refusalRetriesMs.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, refusalRetriesMs[attempt]));
      }
    }
  }

  function openChannelOnce<T>(link: Link, open: Opener<T>, prepare: (channel: T) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      if (link.lost) return reject(new StaleConnection(link.lost.message));
      try {
        open((error, channel) => {
          if (!error) {
            prepare(channel);
            return resolve(channel);
          }
          if (link.lost) return reject(new StaleConnection(link.lost.message));
          // A refused channel open carries a reason code (MaxSessions, usually); a refused exec or subsystem does not.
          if ((error as { reason?: unknown }).reason !== undefined) {
            return reject(
              new ChannelRefused(
                `ssh ${name}: the server refused a channel (${error.message}); lower maxChannels below the host's sshd MaxSessions`,
              ),
            );
          }
          reject(
            new Error(
              `ssh ${name}: ${error.message}${error.message.includes('subsystem') ? "; enable the sftp subsystem in the host's sshd_config" : ''}`,
            ),
          );
        });
      } catch (error) {
        reject(new StaleConnection((error as Error).message)); // ssh2 throws "Not connected" synchronously
      }
    });
  }

  /** The connection's SFTP session, opened on first use and reopened if it ends; it holds one channel slot while open. */
  function sftpOf(link: Link): Promise<SFTPWrapper> {
    link.sftp ??= openSftp(link);
    return link.sftp;
  }

  async function openSftp(link: Link): Promise<SFTPWrapper> {
    const release = await channels.acquire();
    try {
      const sftp = await openChannel<SFTPWrapper>(
        link,
        (callback) => link.client.sftp(callback),
        (opened) =>
          opened.on('close', () => {
            release();
            link.sftp = undefined; // only this session can be in link.sftp: it is cleared before a new one opens
          }),
      );
      link.onLost.add(release);
      return sftp;
    } catch (error) {
      release();
      link.sftp = undefined;
      throw error;
    }
  }

  async function exec(argv: readonly string[], execOptions: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = execOptions.timeoutMs ?? defaultTimeoutMs;
    const command = buildRemoteCommand(argv, execOptions, timeoutMs);
    const label = `\`${argv[0]}\``;
    const release = await channels.acquire();
    try {
      return await withLink(async (link) => {
        let result: Promise<ExecResult> | undefined;
        await openChannel<ClientChannel>(
          link,
          (callback) => link.client.exec(command, callback),
          (channel) =>
            (result = collectExec(channel, {
              name,
              label,
              stdin: execOptions.stdin,
              timeoutMs,
              onOutput: execOptions.onOutput,
            })),
        );
        return await whileConnected(link, `running ${label}`, result as Promise<ExecResult>);
      });
    } finally {
      release();
    }
  }

  async function withSftp<T>(what: string, use: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return withLink(async (link) => {
      const sftp = await sftpOf(link);
      return whileConnected(link, what, use(sftp));
    });
  }

  async function mkdirP(path: string): Promise<void> {
    const result = await exec(['mkdir', '-p', '--', path]);
    if (result.code !== 0) throw new Error(`${name}: creating directory ${path} failed: ${result.stderr.trim()}`);
  }

  const transport: HostTransport = {
    name,
    address,
    exec,
    async writeFile(path, content, mode = 0o644) {
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
      await withSftp(`writing ${path}`, async (sftp) => {
        const handle = await openFile(sftp, temporary, 'w', mode).catch(async (error: unknown) => {
          if (!isMissing(error)) throw error;
          await mkdirP(posix.dirname(path));
          return openFile(sftp, temporary, 'w', mode);
        });
        try {
          try {
            await writeAll(sftp, handle, data);
          } finally {
            await closeFile(sftp, handle);
          }
          await renameOver(sftp, temporary, path);
        } catch (error) {
          await unlinkFile(sftp, temporary).catch(() => undefined); // best effort; the write error is the one to report
          throw error;
        }
      });
    },
    async readFile(path, { offset = 0, maxBytes = defaultMaxBytes } = {}) {
      return withSftp(`reading ${path}`, async (sftp) => {
        let handle: Buffer;
        try {
          handle = await openFile(sftp, path, 'r');
        } catch (error) {
          if (isMissing(error)) return null;
          throw error;
        }
        try {
          return await readRange(sftp, handle, offset, maxBytes);
        } finally {
          await closeFile(sftp, handle);
        }
      });
    },
    async fileSize(path) {
      return withSftp(`reading the size of ${path}`, (sftp) =>
        statSize(sftp, path).catch((error: unknown) => (isMissing(error) ? null : Promise.reject(error))),
      );
    },
    async listDir(path) {
      return withSftp(`listing ${path}`, (sftp) =>
        readDirNames(sftp, path).catch((error: unknown) => (isMissing(error) ? [] : Promise.reject(error))),
      );
    },
    async remove(path) {
      const result = await exec(['rm', '-rf', '--', path]);
      if (result.code !== 0) throw new Error(`${name}: removing ${path} failed: ${result.stderr.trim()}`);
    },
    async close() {
      closed = true;
      const open = current && (await current.catch(() => undefined));
      current = undefined;
      if (!open || open.lost) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          markLost(open, new Error('the transport was closed'));
          resolve();
        }, 2_000);
        open.client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        open.client.end();
      });
    },
  };
  return transport;
}
