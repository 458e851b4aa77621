import type { Command } from 'commander';
import { localSignInUrl, openLocalToken } from '../../infra/local-token';
import { SandboxError } from '../../core/errors';
import type { CliContext } from '../context';
import { writeJson } from '../runtime';

/** `sbx auth local [--rotate]`: the local operator's sign-in link (its token is also the `/probot` setup code). */
export function registerAuth(program: Command, ctx: CliContext): void {
  const auth = program.command('auth').description('sign-in to the status pages');
  auth
    .command('local')
    .description('print the link that signs in as the local operator (every permission); --rotate replaces the token')
    .option('--rotate', 'make a new token: the old link and every local session stop working')
    .option('--json', 'print one JSON object')
    .action((options: { rotate?: boolean; json?: boolean }) => {
      const config = ctx.config();
      const token = openLocalToken({ dataDir: config.data_dir, fixed: config.web.auth.local_token });
      if (options.rotate && token.source === 'config')
        throw new SandboxError(
          'usage',
          'the local token is set by SBX_LOCAL_TOKEN (web.auth.local_token); change it there and restart the web processes',
        );
      const value = options.rotate ? token.rotate() : token.current();
      const url = localSignInUrl({ publicUrl: config.public_url, port: config.server.port, token: value });
      if (options.json)
        return writeJson(ctx, {
          url,
          token: value,
          source: token.source,
          path: token.path,
          rotated: Boolean(options.rotate),
        });
      ctx.stdout.write(`${options.rotate ? 'rotated: earlier links and local sessions no longer work\n' : ''}${url}\n`);
    });
}
