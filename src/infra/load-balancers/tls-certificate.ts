import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SandboxError } from '../../core/errors';

/** The wildcard certificate every load balancer serves sandbox domains with (PEM). */
export interface TlsCertificate {
  /** The certificate chain: the leaf first, then intermediates. */
  certificate: string;
  key: string;
  /** When the leaf expires. */
  validTo: Date;
  /** The leaf's DNS names (subjectAltName), e.g. `*.sandboxes.example.com`. */
  names: string[];
}

export interface TlsSource {
  certificate_file: string | null;
  certificate_env: string | null;
  key_file: string | null;
  key_env: string | null;
}

/**
 * Reads the configured certificate and key (each from a file or an
 * environment variable), checks that they parse, belong together and cover
 * `*.<base_domain>`; throws SandboxError('config_invalid') naming the fix.
 */
export function loadTlsCertificate(source: TlsSource, baseDomain: string, env: NodeJS.ProcessEnv): TlsCertificate {
  const certificate = readPem('certificate', source.certificate_file, source.certificate_env, env);
  const key = readPem('key', source.key_file, source.key_env, env);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificate);
  } catch (error) {
    throw new SandboxError(
      'config_invalid',
      `load_balancer.tls: the certificate is not a PEM certificate (${describe(error)})`,
    );
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new SandboxError(
      'config_invalid',
      `load_balancer.tls: the key is not a PEM private key (${describe(error)})`,
    );
  }
  if (!matches)
    throw new SandboxError(
      'config_invalid',
      'load_balancer.tls: the key does not belong to the certificate; check key_file/key_env',
    );
  const names = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  const probe = `sandbox-probe.${baseDomain}`;
  if (!leaf.checkHost(probe)) {
    throw new SandboxError(
      'config_invalid',
      `load_balancer.tls: the certificate (${names.join(', ') || 'no DNS names'}) does not cover *.${baseDomain}; sandboxes live at <slug>.${baseDomain}`,
    );
  }
  return {
    certificate: certificate.endsWith('\n') ? certificate : `${certificate}\n`,
    key: key.endsWith('\n') ? key : `${key}\n`,
    validTo: new Date(leaf.validTo),
    names,
  };
}

function readPem(what: string, file: string | null, envName: string | null, env: NodeJS.ProcessEnv): string {
  if ((file === null) === (envName === null)) {
    throw new SandboxError('config_invalid', `load_balancer.tls: give exactly one of ${what}_file and ${what}_env`);
  }
  if (envName !== null) {
    const value = env[envName];
    if (!value)
      throw new SandboxError(
        'config_invalid',
        `load_balancer.tls: the environment variable ${envName} (${what}_env) is not set`,
      );
    return value.replaceAll('\\n', '\n');
  }
  try {
    return readFileSync(file!, 'utf8');
  } catch (error) {
    throw new SandboxError('config_invalid', `load_balancer.tls: cannot read ${what}_file ${file}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A load balancer (or listener) that can switch to a new certificate without dropping connections. */
export interface UsesCertificate {
  /** Installs `certificate` and reloads; on failure the previous one keeps serving and this throws. */
  useCertificate(certificate: TlsCertificate): Promise<void>;
}
