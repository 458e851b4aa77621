import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load-config';
import type { Config } from '../config/schema';
import { isSandboxError } from '../core/errors';
import type { CliContext } from './context';
import { describeCliError } from './describe-error';
import { describeSandboxError } from './error-words';
import { registerConfigCommands } from './commands/config';
import { registerDoctor } from './commands/doctor';
import { registerMigrate } from './commands/migrate';
import { registerStart } from './commands/start';
import { registerSettingsExplain } from './commands/settings-explain';
import { registerInstances } from './commands/instances';
import { registerLifecycle } from './commands/lifecycle';
import { registerLogs } from './commands/logs';
import { registerHosts } from './commands/hosts';
import { registerCleanup } from './commands/cleanup';
import { registerDb } from './commands/db';
import { registerActivity } from './commands/activity';
import { registerCampaigns } from './commands/campaigns';
import { registerMaintenance } from './commands/maintenance';
import { registerAuth } from './commands/auth';
import { registerAudit } from './commands/audit';
import { registerReport } from './commands/report';
import { registerBackup } from './commands/backup';
import { registerTask } from './commands/task';
import { registerExec } from './commands/exec';

/** Builds the `sbx` program; `ctx` is injectable so tests can run commands in-process. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('sbx')
    .description('Sandbox Bot: a running copy of the application for every pull request')
    .showHelpAfterError('(run `sbx --help` for the commands)')
    .configureOutput({ writeOut: (text) => ctx.stdout.write(text), writeErr: (text) => ctx.stderr.write(text) })
    .exitOverride()
    // `sbx exec` passes everything after its instance through (the command's own options); sbx has no global options.
    .enablePositionalOptions();
  registerStart(program, ctx);
  registerMigrate(program, ctx);
  registerDoctor(program, ctx);
  registerConfigCommands(program, ctx);
  registerSettingsExplain(program, ctx);
  registerInstances(program, ctx);
  registerLifecycle(program, ctx);
  registerLogs(program, ctx);
  registerHosts(program, ctx);
  registerCleanup(program, ctx);
  registerDb(program, ctx);
  registerActivity(program, ctx);
  registerCampaigns(program, ctx);
  registerMaintenance(program, ctx);
  registerAuth(program, ctx);
  registerAudit(program, ctx);
  registerReport(program, ctx);
  registerBackup(program, ctx);
  registerTask(program, ctx);
  registerExec(program, ctx);
  return program;
}

export function createContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  let config: Config | undefined;
  return {
    env,
    stdout: process.stdout,
    stderr: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    config() {
      config ??= loadConfig({ env });
      return config;
    },
  };
}

export async function main(argv: string[]): Promise<void> {
  const ctx = createContext();
  try {
    await buildProgram(ctx).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isSandboxError(error)) {
      const { text, exitCode } = describeSandboxError(error);
      ctx.stderr.write(exitCode === 2 ? `${text}\n` : `sbx: ${text}\n`);
      process.exitCode = exitCode;
      return;
    }
    ctx.stderr.write(`sbx: ${describeCliError(error)}\n`);
    process.exitCode = 1;
  }
}
