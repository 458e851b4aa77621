import { describe, expect, it } from 'vitest';
import { protectBotFiles } from '../../src/app/sandbox-isolation';
import { checkSandboxIsolation } from '../../src/cli/doctor-provisioning';
import { configSchema } from '../../src/config/schema';
import type { Logger } from '../../src/infra/logger';
import { isolationOf } from '../../src/infra/hosts/local-isolation';

const run = (switchUsers: boolean, input: object = {}) =>
  checkSandboxIsolation(() => switchUsers)({ config: configSchema.parse(input), database: null, env: {} });

describe('sbx doctor: what runs as whom', () => {
  it('warns when the bot cannot switch users, so PR code would run as the bot', async () => {
    const [result] = await run(false);
    expect(result).toMatchObject({ check: 'sandbox isolation', status: 'warn' });
    expect(result!.detail).toContain('PR code runs as the bot’s own user');
    expect(result!.detail).toContain('allow_forks_unisolated');
  });

  it('is ok as root, naming the sandbox users and the work root outside the bot’s folder', async () => {
    const [result] = await run(true);
    expect(result).toMatchObject({ check: 'sandbox isolation', status: 'ok' });
    expect(result!.detail).toContain('sbx-sandbox-<n>');
    expect(result!.detail).toContain('/var/lib/sandbox-bot/appservers');
  });

  it('warns about SSH hosts whose user is root', async () => {
    const results = await run(false, {
      compute: {
        provider: 'ssh',
        hosts: [
          { name: 'h1', address: 'h1.example', user: 'root' },
          { name: 'h2', address: 'h2.example' },
        ],
      },
    });
    expect(results).toEqual([expect.objectContaining({ check: 'host h1 user', status: 'warn' })]);
  });
});

describe('the start-up warning', () => {
  it('says that PR code runs as the bot’s user when it cannot switch users', async () => {
    const warnings: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args), info: () => undefined } as unknown as Logger;
    const config = configSchema.parse({});
    await protectBotFiles({ config, logger, env: {}, isolation: isolationOf(config, false) });
    expect(JSON.stringify(warnings)).toContain('PR code runs as the bot’s own user');
  });
});
