import type { Command } from 'commander';
import { liveStates } from '../../core/appserver-state';
import { SandboxError } from '../../core/errors';
import type { CliContext } from '../context';
import { table } from '../present';
import { withRuntime, writeJson } from '../runtime';

export function registerHosts(program: Command, ctx: CliContext): void {
  const hosts = program.command('hosts').description('hosts that run appservers');

  hosts
    .command('list')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning: { store } }) => {
        const live = await store.listAppserversInStates(liveStates);
        const rows = (await store.listHosts()).map((host) => ({
          name: host.name,
          provider: host.provider,
          address: host.address,
          port: host.port,
          user: host.user,
          load: live.filter((a) => a.hostId === host.id).length,
          capacity: host.capacity,
          accepts_new: host.acceptsNew,
          work_root: host.workRoot,
        }));
        if (options.json) return writeJson(ctx, { hosts: rows });
        ctx.stdout.write(
          table([
            ['NAME', 'PROVIDER', 'ADDRESS', 'LOAD', 'STATE'],
            ...rows.map((h) => [
              h.name,
              h.provider,
              `${h.address}${h.provider === 'ssh' ? `:${h.port}` : ''}`,
              `${h.load}/${h.capacity}`,
              h.accepts_new ? 'accepting' : 'drained',
            ]),
          ]),
        );
      });
    });

  hosts
    .command('add <name>')
    .description('add an SSH host (hosts in sandbox.yml are added at every start)')
    .requiredOption('--address <address>', 'address or DNS name')
    .requiredOption('--host-key-fingerprint <sha256>', 'pinned host key, SHA256:… (ssh-keygen -lf)')
    .option('--port <port>', 'SSH port', '22')
    .option('--user <user>', 'SSH user', 'sandbox')
    .option('--private-key-path <file>', 'private key file')
    .option('--private-key-env <name>', 'environment variable holding the private key')
    .option('--capacity <n>', 'live appservers it takes', '10')
    .option('--port-range <low-high>', 'ports for appservers', '20000-29999')
    .option('--work-root <dir>', 'work directories', '/var/lib/sandboxes')
    .action(
      async (
        name: string,
        o: {
          address: string;
          hostKeyFingerprint: string;
          port: string;
          user: string;
          privateKeyPath?: string;
          privateKeyEnv?: string;
          capacity: string;
          portRange: string;
          workRoot: string;
        },
      ) => {
        if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
          throw new SandboxError('usage', `host name "${name}": use lowercase letters, digits and "-"`);
        if (!o.privateKeyPath && !o.privateKeyEnv)
          throw new SandboxError('usage', 'give --private-key-path or --private-key-env');
        const range = /^(\d+)-(\d+)$/.exec(o.portRange);
        if (!range || Number(range[1]) > Number(range[2]))
          throw new SandboxError('usage', `--port-range "${o.portRange}": expected low-high, e.g. 20000-29999`);
        await withRuntime(ctx, async ({ provisioning: { store } }) => {
          const host = await store.upsertHost({
            name,
            provider: 'ssh',
            address: o.address,
            port: Number(o.port),
            user: o.user,
            capacity: Number(o.capacity),
            portRangeLow: Number(range[1]),
            portRangeHigh: Number(range[2]),
            workRoot: o.workRoot,
            privateKeyPath: o.privateKeyPath ?? null,
            privateKeyEnv: o.privateKeyEnv ?? null,
            hostKeyFingerprint: o.hostKeyFingerprint,
            fromConfig: false,
          });
          ctx.stdout.write(`host ${host.name} added (${host.address}:${host.port}); check it with: npx sbx doctor\n`);
        });
      },
    );

  hosts
    .command('drain <name>')
    .description('stop placing new appservers on a host (running ones stay); --undo to accept again')
    .option('--undo', 'accept new appservers again')
    .action(async (name: string, options: { undo?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning: { store } }) => {
        const host = (await store.listHosts()).find((h) => h.name === name);
        if (!host) throw new SandboxError('not_found', `no host named ${name}; see \`sbx hosts list\``);
        await store.updateHost(host.id, { acceptsNew: Boolean(options.undo) });
        ctx.stdout.write(
          `host ${name} ${options.undo ? 'accepts new appservers again' : 'is drained: no new appservers go there'}\n`,
        );
      });
    });
}
