/**
 * Opens one ssh2 connection (TCP no-delay, pinned host key, key auth) and
 * reports its loss. Connection failures become `host_unreachable` errors
 * that say what went wrong and what to fix in sandbox.yml.
 */
import { connect as connectTcp } from 'node:net';
import ssh2 from 'ssh2';
import type { Client, SFTPWrapper } from 'ssh2';
import { SandboxError } from '../../core/errors';
import { checkHostKey, type HostKeyPins, keyTypeOf, sshFingerprint } from './ssh-host-key';

export type SshLogger = {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
};

export type ConnectionSettings = HostKeyPins & {
  user: string;
  privateKey: string | Buffer;
  /** Shown when the server refuses the key, e.g. `ssh-ed25519 key SHA256:…`. */
  clientKeyText: string;
  connectTimeoutMs: number;
};

/** One live connection. `lost` is set once it is gone; the in-flight calls registered in `onLost` are told why. */
export type Link = {
  client: Client;
  lost?: Error;
  sftp?: Promise<SFTPWrapper>;
  onLost: Set<(reason: Error) => void>;
};

export function where(settings: Pick<ConnectionSettings, 'name' | 'address' | 'port'>): string {
  return `${settings.name} (${settings.address}:${settings.port})`;
}

export function openConnection(settings: ConnectionSettings, logger?: SshLogger): Promise<Link> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const link: Link = { client, onLost: new Set() };
    let ready = false;
    let refusal: string | undefined;
    const socket = connectTcp({ host: settings.address, port: settings.port, noDelay: true });
    socket.setNoDelay(true);

    client.on('ready', () => {
      ready = true;
      resolve(link);
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (!ready) {
        reject(connectError(settings, error, refusal));
        client.destroy();
        return;
      }
      logger?.warn({ host: settings.name, err: error.message }, 'ssh connection error');
      markLost(link, error);
    });
    client.on('close', () => {
      if (!ready)
        reject(connectError(settings, new Error('the server closed the connection during the handshake'), refusal));
      markLost(link, new Error('the connection closed'));
    });
    client.connect({
      sock: socket,
      username: settings.user,
      privateKey: settings.privateKey,
      readyTimeout: settings.connectTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(settings, key);
        if (!verdict.ok) refusal = verdict.message;
        return verdict.ok;
      },
    });
  });
}

/** Marks the connection gone and rejects the calls in flight on it. */
export function markLost(link: Link, reason: Error): void {
  if (link.lost) return;
  link.lost = reason;
  for (const reject of link.onLost) reject(reason);
  link.onLost.clear();
  link.client.destroy();
}

function connectError(
  settings: ConnectionSettings,
  error: Error & { level?: string; code?: unknown },
  refusal: string | undefined,
): SandboxError {
  if (refusal) return new SandboxError('host_unreachable', refusal, { cause: error });
  if (error.level === 'client-authentication') {
    return new SandboxError(
      'host_unreachable',
      `ssh to ${where(settings)} as ${settings.user} was refused: the server did not accept the ${settings.clientKeyText}; add its public key to ~${settings.user}/.ssh/authorized_keys on the host, or fix user and the private key of ${settings.name} in sandbox.yml`,
      { cause: error },
    );
  }
  return new SandboxError(
    'host_unreachable',
    `ssh to ${where(settings)} failed: ${reasonOf(error, settings.connectTimeoutMs)}; check the address and port of ${settings.name} under compute.hosts in sandbox.yml`,
    { cause: error },
  );
}

function reasonOf(error: Error & { level?: string; code?: unknown }, timeoutMs: number): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the address does not resolve (DNS)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'ETIMEDOUT':
      return `timed out after ${timeoutMs}ms`;
    case 'ECONNRESET':
      return 'the connection was reset';
  }
  if (error.level === 'client-timeout') return `timed out after ${timeoutMs}ms`;
  return error.message;
}

/** `ssh-ed25519 key SHA256:…` of the private key's public half, for messages; a key ssh2 cannot use is a configuration error. */
export function describeClientKey(name: string, privateKey: string | Buffer): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new SandboxError(
      'config_invalid',
      `the private key for ssh host ${name} cannot be used: ${key instanceof Error ? key.message : 'no key found'}; set private_key_path or private_key_env of ${name} in sandbox.yml`,
    );
  }
  const blob = key.getPublicSSH();
  return `${keyTypeOf(blob)} key ${sshFingerprint(blob)}`;
}
