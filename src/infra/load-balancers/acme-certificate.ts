import * as acme from 'acme-client';
import { Agent } from 'node:https';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxError, isSandboxError } from '../../core/errors';
import type { AcmeTxtRecords } from '../dns/gandi';
import type { Logger } from '../logger';
import { loadTlsCertificate, type TlsCertificate } from './tls-certificate';

export interface AcmeCertificateOptions {
  /** The ACME directory URL. */
  directoryUrl: string;
  email: string;
  /** PEM of the CA behind the ACME server's own HTTPS (a private ACME server); null: the system CAs. */
  caPem: string | null;
  /** Wait for public DNS to answer the TXT record before asking for validation. */
  dnsCheck: boolean;
  /** Renew when the certificate expires within this many milliseconds. */
  renewBeforeMs: number;
  /** Where the account key, certificate and key are kept (`<data_dir>/tls`), every file 0600. */
  dir: string;
  /** The certificate covers `*.<baseDomain>` and `<baseDomain>`. */
  baseDomain: string;
  /** Where the DNS-01 challenge's TXT record goes (Gandi LiveDNS). */
  txt: AcmeTxtRecords;
  logger?: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

export interface AcmeCertificates {
  certificateFile: string;
  keyFile: string;
  /** The stored certificate, checked; null before the first one was obtained. */
  load(): TlsCertificate | null;
  /**
   * Obtains a certificate when none is stored or the stored one expires
   * within `renewBeforeMs` (or no longer covers the base domain); `busy`
   * when another process holds the lock. Safe to run twice.
   */
  renew(): Promise<'fresh' | 'renewed' | 'busy'>;
}

// Another process's lock older than this is left over from a crash.
const staleLockMs = 15 * 60_000;

/** Certificates for `*.<base_domain>` through ACME with the DNS-01 challenge (acme-client), stored in the data directory. */
export function createAcmeCertificates(options: AcmeCertificateOptions): AcmeCertificates {
  const now = options.now ?? (() => new Date());
  const certificateFile = join(options.dir, 'acme-certificate.pem');
  const keyFile = join(options.dir, 'acme-key.pem');
  const accountKeyFile = join(options.dir, 'acme-account.key');
  const lockFile = join(options.dir, 'acme.lock');
  const names = [`*.${options.baseDomain}`, options.baseDomain];

  function load(): TlsCertificate | null {
    if (!existsSync(certificateFile) || !existsSync(keyFile)) return null;
    return loadTlsCertificate(
      { certificate_file: certificateFile, certificate_env: null, key_file: keyFile, key_env: null },
      options.baseDomain,
      {},
    );
  }

  function due(): boolean {
    let stored: TlsCertificate | null;
    try {
      stored = load();
    } catch (error) {
      // A damaged or foreign file is replaced rather than served.
      options.logger?.warn({ err: error }, 'acme: the stored certificate is unusable; obtaining a new one');
      return true;
    }
    return stored === null || stored.validTo.getTime() - now().getTime() <= options.renewBeforeMs;
  }

  function lock(): boolean {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lockFile).mtimeMs < staleLockMs) return false;
      rmSync(lockFile, { force: true });
      return lock();
    }
  }

  async function obtain(): Promise<void> {
    if (options.caPem) acme.axios.defaults.httpsAgent = new Agent({ ca: options.caPem });
    const client = new acme.Client({ directoryUrl: options.directoryUrl, accountKey: await accountKey() });
    const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names });
    const started = Date.now();
    const certificate = await client.auto({
      csr,
      email: options.email,
      termsOfServiceAgreed: true,
      challengePriority: ['dns-01'],
      skipChallengeVerification: !options.dnsCheck,
      challengeCreateFn: async (authz, _challenge, keyAuthorization) =>
        options.txt.addTxt(`_acme-challenge.${authz.identifier.value}`, keyAuthorization),
      challengeRemoveFn: async (authz, _challenge, keyAuthorization) =>
        options.txt.removeTxt(`_acme-challenge.${authz.identifier.value}`, keyAuthorization),
    });
    // The key first: a reader that sees the new certificate must find its key (the pair is checked on load).
    writeSecret(keyFile, key.toString());
    writeSecret(certificateFile, certificate);
    options.logger?.info(
      { names, ms: Date.now() - started, directory: options.directoryUrl },
      'acme: certificate obtained',
    );
  }

  /** The ACME account's key, made once and kept: the account (and its rate limits) stays the same across renewals. */
  async function accountKey(): Promise<string> {
    if (existsSync(accountKeyFile)) return readFileSync(accountKeyFile, 'utf8');
    const key = (await acme.crypto.createPrivateEcdsaKey()).toString();
    writeSecret(accountKeyFile, key);
    return key;
  }

  return {
    certificateFile,
    keyFile,
    load,
    async renew() {
      if (!due()) return 'fresh';
      if (!lock()) return 'busy';
      try {
        if (!due()) return 'fresh';
        await obtain();
        return 'renewed';
      } catch (error) {
        if (isSandboxError(error)) throw error;
        throw new SandboxError(
          'load_balancer_failed',
          `obtaining the certificate for ${names.join(', ')} from ${options.directoryUrl}: ${error instanceof Error ? error.message : String(error)}; check load_balancer.tls.acme and dns.gandi`,
          { cause: error },
        );
      } finally {
        rmSync(lockFile, { force: true });
      }
    },
  };
}

/** Written whole (temporary file, then rename), readable by the owner only. */
function writeSecret(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}
