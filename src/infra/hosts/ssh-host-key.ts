/**
 * Host key pinning for SSH hosts: a `SHA256:…` fingerprint from the
 * configuration and/or a known_hosts file. An unknown or different key is
 * refused, and so is a host with nothing pinned: the bot never trusts on
 * first use.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it, of an SSH public key blob. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of a public key blob, e.g. `ssh-ed25519`. */
export function keyTypeOf(publicKeyBlob: Buffer): string {
  if (publicKeyBlob.length < 4) return 'unknown';
  const length = publicKeyBlob.readUInt32BE(0);
  return publicKeyBlob.subarray(4, 4 + length).toString('latin1') || 'unknown';
}

export type HostKeyPins = {
  name: string;
  address: string;
  port: number;
  hostKeyFingerprint?: string | null;
  knownHostsPath?: string | null;
};

export type HostKeyVerdict = { ok: true } | { ok: false; message: string };

/** Decides whether the key a host offered is the pinned one; the refusal says what was expected, what was offered and the fix. */
export function checkHostKey(pins: HostKeyPins, offered: Buffer): HostKeyVerdict {
  const { name, address, port } = pins;
  const offeredText = `${keyTypeOf(offered)} key ${sshFingerprint(offered)}`;
  const where = `${name} (${address}:${port})`;
  const expectations: string[] = [];

  if (pins.hostKeyFingerprint) {
    const expected = normalizeFingerprint(pins.hostKeyFingerprint);
    if (expected === sshFingerprint(offered)) return { ok: true };
    expectations.push(`${pins.hostKeyFingerprint} (host_key_fingerprint)`);
  }
  if (pins.knownHostsPath) {
    const lookup = lookUpKnownHosts(pins.knownHostsPath, knownHostsName(address, port), offered);
    if (lookup.kind === 'match') return { ok: true };
    if (lookup.kind === 'revoked')
      return {
        ok: false,
        message: `host key of ${where} is marked @revoked in ${pins.knownHostsPath}: offered ${offeredText}; refusing to connect`,
      };
    if (lookup.kind === 'unreadable')
      return {
        ok: false,
        message: `host key of ${where} cannot be checked: known_hosts file ${pins.knownHostsPath} cannot be read (${lookup.reason}); fix known_hosts for ${name} in sandbox.yml`,
      };
    expectations.push(
      lookup.keys.length > 0
        ? `${lookup.keys.join(' or ')} (${pins.knownHostsPath})`
        : `an entry for ${knownHostsName(address, port)} in ${pins.knownHostsPath}, which has none`,
    );
  }
  if (expectations.length === 0) {
    return {
      ok: false,
      message: `no host key pinned for ${name}; add host_key_fingerprint: SHA256:… (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) or known_hosts: <file> to ${name} under compute.hosts in sandbox.yml (the host offered ${offeredText}; check it on the host before pinning it)`,
    };
  }
  return {
    ok: false,
    message: `host key of ${where} does not match: expected ${expectations.join(', or ')}, offered ${offeredText}; if the host was reinstalled, check its key on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and update host_key_fingerprint or known_hosts for ${name} in sandbox.yml, otherwise something may be intercepting the connection`,
  };
}

function normalizeFingerprint(text: string): string {
  return text.trim().replace(/=+$/, '');
}

/** How OpenSSH names a host in known_hosts: the bare address on port 22, `[address]:port` otherwise. */
function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

type Lookup =
  | { kind: 'match' }
  | { kind: 'revoked' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'different'; keys: string[] };

function lookUpKnownHosts(path: string, host: string, offered: Buffer): Lookup {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { kind: 'unreadable', reason: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  const keys: string[] = [];
  let matched = false;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [patterns, , base64] = fields;
    if (!patterns || !base64 || marker === '@cert-authority' || !hostMatches(patterns, host)) continue;
    const blob = Buffer.from(base64, 'base64');
    const same = blob.equals(offered);
    if (marker === '@revoked') {
      if (same) return { kind: 'revoked' };
      continue;
    }
    if (same) matched = true;
    else keys.push(`${keyTypeOf(blob)} key ${sshFingerprint(blob)}`);
  }
  return matched ? { kind: 'match' } : { kind: 'different', keys };
}

/** known_hosts host field: comma-separated patterns (`*`, `?`, `!negation`) or one hashed `|1|salt|hash` entry. */
function hostMatches(field: string, host: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(host).digest('base64') === hash;
  }
  let positive = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, host)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, 'i').test(text);
}
