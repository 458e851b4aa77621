import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../../config/schema';
import { openDatabase, type Database } from '../../infra/db/database';
import { migrationsCurrent } from '../../infra/db/migrate';
import { describeSurfaces } from '../../config/describe-surfaces';
import type { CliContext } from '../context';
import type { CheckResult, DoctorCheck } from '../doctor-check';
import { checkHostsAndLoadBalancer, checkSandboxIsolation } from '../doctor-provisioning';
import { checkSlackTokens } from '../doctor-slack';
import { checkGitHubApp } from '../doctor-github';
import { checkDatabaseServers } from '../doctor-databases';
import { checkOpenStackCompute } from '../doctor-openstack';
import { checkTlsCertificate } from '../doctor-tls';
import { checkDiskSpace, parseSize } from '../doctor-disk';
import { SandboxError } from '../../core/errors';

export type { CheckResult, CheckStatus, DoctorCheck } from '../doctor-check';

const checkDataDir: DoctorCheck = async ({ config }) => {
  try {
    mkdirSync(config.data_dir, { recursive: true });
    accessSync(config.data_dir, constants.W_OK);
    return [{ check: 'data directory', status: 'ok', detail: config.data_dir }];
  } catch (error) {
    return [
      {
        check: 'data directory',
        status: 'fail',
        detail: String(error),
        hint: 'set SBX_DATA_DIR to a writable directory',
      },
    ];
  }
};

const checkMigrations: DoctorCheck = async ({ database }) => {
  if (!database) return [{ check: 'migrations', status: 'skip', detail: 'no database' }];
  const state = await migrationsCurrent(database.pool);
  return [
    state.current
      ? { check: 'migrations', status: 'ok', detail: `${state.applied}/${state.expected} applied` }
      : {
          check: 'migrations',
          status: 'fail',
          detail: `${state.applied}/${state.expected} applied`,
          hint: 'run `npx sbx migrate`',
        },
  ];
};

const checkSurfaces: DoctorCheck = async ({ config }) =>
  describeSurfaces(config)
    .filter((surface) => surface.name === 'GitHub App' || surface.name === 'Slack app')
    .map((surface) => ({ check: surface.name, status: surface.on ? 'ok' : 'skip', detail: surface.detail }));

export const doctorChecks: DoctorCheck[] = [
  checkDataDir,
  checkMigrations,
  checkSurfaces,
  checkSandboxIsolation(),
  checkHostsAndLoadBalancer,
  checkTlsCertificate,
  checkOpenStackCompute,
  checkDiskSpace,
  checkDatabaseServers,
  checkSlackTokens,
  checkGitHubApp,
];

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description(
      'check configuration, database and migrations, GitHub and Slack credentials, hosts, load balancer, DNS, database servers and disk space; a table with hints, exits non-zero when a check fails',
    )
    .option('--json', 'print one JSON object')
    .option('--min-free <size>', 'free space each host’s work root needs, e.g. 500M or 10G', '2G')
    .action(async (options: { json?: boolean; minFree: string }) => {
      let minFreeBytes: number;
      try {
        minFreeBytes = parseSize(options.minFree);
      } catch (error) {
        throw new SandboxError('usage', `--min-free: ${(error as Error).message}`);
      }
      const results: CheckResult[] = [];
      let config: Config | null = null;
      try {
        config = ctx.config();
        results.push({
          check: 'configuration',
          status: 'ok',
          detail: ctx.env.SBX_CONFIG ?? 'sandbox.yml (or defaults)',
        });
      } catch (error) {
        results.push({
          check: 'configuration',
          status: 'fail',
          detail: error instanceof Error ? error.message : String(error),
          hint: 'fix the listed keys; see docs/configuration.md',
        });
      }
      let database: Database | null = null;
      if (config) {
        try {
          database = await openDatabase({ url: config.database.url, dataDir: config.data_dir, poolSize: 2 });
          results.push({
            check: 'database',
            status: 'ok',
            detail: config.database.url ? 'DATABASE_URL' : `embedded PostgreSQL (port ${database.embedded?.port})`,
          });
        } catch (error) {
          results.push({
            check: 'database',
            status: 'fail',
            detail: error instanceof Error ? error.message : String(error),
            hint: 'check DATABASE_URL or unset it',
          });
        }
        try {
          for (const check of doctorChecks)
            results.push(...(await check({ config, database, env: ctx.env, options: { minFreeBytes } })));
        } finally {
          await database?.close();
        }
      }
      const ok = results.every((result) => result.status !== 'fail');
      if (options.json) ctx.stdout.write(`${JSON.stringify({ ok, checks: results })}\n`);
      else ctx.stdout.write(renderTable(results) + `\n${ok ? 'all checks passed' : 'some checks failed'}\n`);
      ctx.setExitCode(ok ? 0 : 1);
    });
}

function renderTable(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length), 5);
  return results
    .map(
      (r) =>
        `${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail.split('\n').join(' ')}${r.hint ? `\n${' '.repeat(width + 8)}hint: ${r.hint}` : ''}`,
    )
    .join('\n');
}
