import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema';
import { SandboxError } from '../core/errors';
import { createAcmeCertificates, type AcmeCertificates } from '../infra/load-balancers/acme-certificate';
import { loadTlsCertificate, type TlsCertificate, type UsesCertificate } from '../infra/load-balancers/tls-certificate';
import type { AcmeTxtRecords } from '../infra/dns/gandi';
import type { Logger } from '../infra/logger';
import { createDns } from './create-dns';

/** How long a starting process waits for another one that is obtaining the first ACME certificate. */
const initialWaitMs = 180_000;

/** Where the load balancers' certificate comes from: `load_balancer.tls` (files, environment variables, or ACME). */
export interface CertificateSupply {
  /** The ACME store and renewer; null when the certificate is configured. */
  acme: AcmeCertificates | null;
  /** The certificate to serve now; with ACME, obtained first when none is stored yet. */
  initial(): Promise<TlsCertificate>;
  /** Reads the source again and checks it (throws SandboxError('config_invalid') naming the problem). */
  read(): TlsCertificate;
  /** The certificate there is now, without ordering one: null while ACME has none stored yet. */
  stored(): TlsCertificate | null;
}

/** The certificate supply for this configuration; null without `load_balancer.tls`. */
export function createCertificateSupply(
  config: Config,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  now?: () => Date,
): CertificateSupply | null {
  const tls = config.load_balancer.tls;
  if (!tls) return null;
  if (!tls.acme) {
    const read = () => loadTlsCertificate(tls, config.base_domain, env);
    return { acme: null, initial: async () => read(), read, stored: read };
  }
  const dns = createDns(config, env, logger);
  if (!hasTxtRecords(dns))
    throw new SandboxError('config_invalid', 'load_balancer.tls.acme: the DNS-01 challenge needs dns.provider gandi');
  const settings = tls.acme;
  const acme = createAcmeCertificates({
    directoryUrl: settings.directory_url,
    email: settings.email,
    caPem: settings.ca_file === null ? null : readCa(settings.ca_file),
    dnsCheck: settings.dns_check,
    renewBeforeMs: settings.renew_before,
    dir: join(resolve(config.data_dir), 'tls'),
    baseDomain: config.base_domain,
    txt: dns,
    logger,
    ...(now ? { now } : {}),
  });
  const read = () => {
    const stored = acme.load();
    if (!stored)
      throw new SandboxError(
        'config_invalid',
        `load_balancer.tls.acme: no certificate in ${acme.certificateFile} yet; the renew_certificate job obtains it`,
      );
    return stored;
  };
  return {
    acme,
    read,
    stored: () => acme.load(),
    async initial() {
      // Another process starting at the same time may hold the lock: wait (bounded) for its certificate.
      for (let waited = 0; !acme.load() && (await acme.renew()) === 'busy' && waited < initialWaitMs; waited += 1_000)
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      return read();
    },
  };
}

function hasTxtRecords(dns: object): dns is AcmeTxtRecords {
  return 'addTxt' in dns && 'removeTxt' in dns;
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SandboxError(
      'config_invalid',
      `load_balancer.tls.acme.ca_file: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface CertificateRotation {
  /** Reads the source; when the certificate changed, hands it to every user. True when it rotated. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Watches the certificate source (a renewal writes the ACME files; an
 * operator replaces a configured file) every `intervalMs` and rotates every
 * load balancer to a new certificate without downtime (nginx and HAProxy
 * reload; the builtin listener swaps its secure context). A certificate that
 * does not load (half-written, wrong key) is logged and the old one keeps
 * serving; the next check tries again.
 */
export function startCertificateRotation({
  supply,
  initial,
  users,
  intervalMs,
  logger,
}: {
  supply: CertificateSupply;
  initial: TlsCertificate;
  users: UsesCertificate[];
  intervalMs: number;
  logger: Logger;
}): CertificateRotation {
  let current = initial;
  let running: Promise<boolean> | null = null;
  async function rotate(): Promise<boolean> {
    let next: TlsCertificate;
    try {
      next = supply.read();
    } catch (error) {
      logger.warn({ err: error }, 'tls: the certificate source does not load; the current certificate keeps serving');
      return false;
    }
    if (next.certificate === current.certificate && next.key === current.key) return false;
    for (const user of users) await user.useCertificate(next);
    current = next;
    logger.info({ names: next.names, validTo: next.validTo.toISOString() }, 'tls: certificate rotated');
    return true;
  }
  const check = () => {
    running ??= rotate().finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => {
    check().catch((error: unknown) => logger.error({ err: error }, 'tls: rotating the certificate failed'));
  }, intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
