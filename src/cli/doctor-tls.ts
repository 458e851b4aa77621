import { createCertificateSupply } from '../app/tls-certificates';
import { createLogger } from '../infra/logger';
import type { DoctorCheck } from './doctor-check';

const day = 24 * 60 * 60_000;
/** A configured certificate closer to its expiry than this is a warning (nothing renews it). */
const configuredWarnMs = 14 * day;

/**
 * The certificate of load_balancer.tls: it loads, covers `*.<base_domain>`,
 * and is far enough from expiry; with ACME, when the renewal job renews it.
 * Orders nothing.
 */
export const checkTlsCertificate: DoctorCheck = async ({ config, env }) => {
  const tls = config.load_balancer.tls;
  if (!tls) return [{ check: 'tls certificate', status: 'skip', detail: 'load_balancer.tls is not set: HTTP only' }];
  try {
    const supply = createCertificateSupply(config, env, createLogger({ level: 'silent', format: 'json' }))!;
    const certificate = supply.stored();
    if (!certificate)
      return [
        {
          check: 'tls certificate',
          status: 'warn',
          detail: `no ACME certificate in ${supply.acme!.certificateFile} yet`,
          hint: `the bot obtains it from ${tls.acme!.directory_url} when it starts`,
        },
      ];
    const left = certificate.validTo.getTime() - Date.now();
    const detail = `${certificate.names.join(', ')}, valid until ${certificate.validTo.toISOString()} (${Math.floor(left / day)} days)`;
    if (left <= 0)
      return [{ check: 'tls certificate', status: 'fail', detail: `expired: ${detail}`, hint: 'replace it' }];
    if (tls.acme)
      return [
        {
          check: 'tls certificate',
          status: 'ok',
          detail: `${detail}; ACME renews it from ${new Date(certificate.validTo.getTime() - tls.acme.renew_before).toISOString()}`,
        },
      ];
    return left < configuredWarnMs
      ? [
          {
            check: 'tls certificate',
            status: 'warn',
            detail,
            hint: 'replace certificate_file/key_file (the bot rotates it) or use load_balancer.tls.acme',
          },
        ]
      : [{ check: 'tls certificate', status: 'ok', detail }];
  } catch (error) {
    return [
      {
        check: 'tls certificate',
        status: 'fail',
        detail: error instanceof Error ? error.message : String(error),
        hint: 'check load_balancer.tls in sandbox.yml',
      },
    ];
  }
};
