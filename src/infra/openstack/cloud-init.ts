import ssh2 from 'ssh2';
import { stringify } from 'yaml';
import { sshFingerprint } from '../hosts/ssh-host-key';

export interface MachineHostKey {
  privateKey: string;
  publicKey: string;
  /** `SHA256:…` the bot pins for this machine. */
  fingerprint: string;
}

/** A fresh ed25519 host key for one VM: the bot knows its fingerprint before the VM exists, so it never trusts on first use. */
export function makeHostKey(): MachineHostKey {
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  const blob = Buffer.from(pair.public.trim().split(/\s+/)[1] ?? '', 'base64');
  return { privateKey: pair.private, publicKey: pair.public.trim(), fingerprint: sshFingerprint(blob) };
}

/**
 * cloud-init user data of a VM: the bot's host key instead of generated
 * ones, and the work root owned by the login user.
 */
export function renderUserData({
  hostKey,
  user,
  workRoot,
}: {
  hostKey: MachineHostKey;
  user: string;
  workRoot: string;
}): string {
  const config = {
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
    runcmd: [
      ['mkdir', '-p', workRoot],
      ['chown', user, workRoot],
    ],
  };
  return `#cloud-config\n${stringify(config)}`;
}

/** The OpenSSH public key line (`type base64`) of a private key, for the key pair. */
export function publicKeyOf(privateKey: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error)
    throw new Error(`cannot read the SSH private key: ${key instanceof Error ? key.message : 'no key found'}`);
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}
