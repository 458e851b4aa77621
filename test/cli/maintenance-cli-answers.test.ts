import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { runSbxInProcess } from '../support/sbx-in-process';
import { runSbx, sbxWorkspace } from '../support/spawn-sbx';
import { idleRepositoryYml } from '../support/sandbox-yml';

/*
 * Issue 17: the CLI answers work accepted during maintenance in the words
 * Slack and GitHub use ("in maintenance: <message>, queued"), on stderr so
 * `--json` output stays one object. One command runs as a real process (its
 * stderr and stdout are the process's); the others run in-process, where the
 * CLI writes to the same two streams without seconds of tsx startup each.
 */
describe('sbx answers during maintenance', () => {
  let database: Database;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ dir, env } = sbxWorkspace(
      'sbx-maint-cli-',
      () => `repositories:\n${idleRepositoryYml('acme/sample')}\n`,
      database.url,
      {
        SBX_ACTOR: 'ops-bob',
      },
    ));
  });

  const sbx = (args: string[]) => runSbxInProcess(args, env);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says "in maintenance: <message>, queued" for writes, nothing for reads, and nothing once it is off', async () => {
    expect((await sbx(['maintenance', 'on', '--message', 'upgrading the database'])).code).toBe(0);
    const created = await runSbx(
      ['instances', 'create', 'quiet-box', '--repository', 'acme/sample', '--ref', 'main', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ slug: 'quiet-box' });
    expect(created.stderr).toContain('in maintenance: upgrading the database, queued\n');

    const deployed = await sbx(['deploy', 'quiet-box']);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/deployment \d+ of quiet-box queued/);
    expect(deployed.stderr).toContain('in maintenance: upgrading the database, queued\n');

    const status = await sbx(['status', 'quiet-box']);
    expect(status.code).toBe(0);
    expect(status.stderr).not.toContain('in maintenance');

    expect((await sbx(['maintenance', 'off'])).code).toBe(0);
    const archived = await sbx(['archive', 'quiet-box']);
    expect(archived.code).toBe(0);
    expect(archived.stderr).not.toContain('in maintenance');
  }, 60_000);

  it('uses the default words when maintenance has no message', async () => {
    expect((await sbx(['maintenance', 'on'])).code).toBe(0);
    const restored = await sbx(['restore', 'quiet-box']);
    expect(restored.code).toBe(0);
    expect(restored.stderr).toContain('in maintenance: the bot is being maintained, queued\n');
    expect((await sbx(['maintenance', 'off'])).code).toBe(0);
  }, 60_000);
});
