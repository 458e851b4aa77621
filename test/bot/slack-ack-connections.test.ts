import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../drizzle/schema';
import { createCommandDeps } from '../../src/app/command-deps';
import { parseSlashCommand } from '../../src/bot/handle-command';
import { createPermissions } from '../../src/bot/permissions';
import { runSlackCommand } from '../../src/bot/run-slack-command';
import { loadConfig } from '../../src/config/load-config';
import type { Db } from '../../src/infra/db/database';
import { createMaintenanceReader } from '../../src/infra/db/maintenance-flag';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { createSlackMessageRepo } from '../../src/infra/db/slack-message-repo';
import { createLogger } from '../../src/infra/logger';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { createBareSandbox } from '../support/manual-sandbox';

let database: Database;
let onePool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  // A pool with a single connection: what every connection of a busy pool looks like to one more command.
  onePool = new pg.Pool({ connectionString: database.url, max: 1, connectionTimeoutMillis: 2_000 });
  onePool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    Object.assign(client, {
      query: (...args: unknown[]) => {
        const first = args[0] as string | { text: string };
        statements.push(typeof first === 'string' ? first : first.text);
        return query(...args);
      },
    });
  });
});

/** Every statement the single connection ran, in order. */
const statements: string[] = [];

afterAll(async () => {
  await onePool?.end();
  await database?.close();
});

describe('a Slack command that starts work', () => {
  it('holds no connection while it reads (no transaction), and records its work and message in one statement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-slack-ack-'));
    writeFileSync(
      join(dir, 'sandbox.yml'),
      'repositories:\n  - name: acme/sample\n    url: file:///nonexistent\n    script:\n      start: exec sleep 600\n',
    );
    const config = loadConfig({ cwd: dir, env: {} });
    const db = drizzle(onePool, { schema }) as unknown as Db;
    const store = createSandboxStore(db);
    // Maintenance mode read from the database on every command (no cache to hide a read inside the transaction).
    const commands = { ...createCommandDeps({ config, db, store }), maintenance: createMaintenanceReader(db, 0) };
    await createBareSandbox(store, {
      slug: 'busy',
      repository: { name: 'acme/sample', url: 'file:///nonexistent' },
      baseDomain: config.base_domain,
      actor: { surface: 'cli', id: 'tester' },
    });
    const parsed = parseSlashCommand('/redeploy', 'busy');
    statements.length = 0;
    if (parsed.kind !== 'run') throw new Error('test setup: /redeploy busy did not parse');
    const result = await runSlackCommand(
      {
        config,
        db,
        store,
        commands,
        messages: createSlackMessageRepo(db),
        permissions: createPermissions({ rules: { deploy: ['*'] }, groupMembers: async () => [] }),
        logger: createLogger({ level: 'silent', format: 'json' }),
        ackDeadlineMs: 2_500,
      },
      { userId: 'U1', channelId: 'C1' },
      parsed.command,
    );
    // No transaction: the lookup, then one statement with the deployment, its job, audit event and message.
    expect(statements.filter((text) => !/system_flags/.test(text)).map((text) => text.trim().split(/\s+/)[0])).toEqual([
      'select',
      'with',
    ]);
    expect(result.ok).toBe(true);
    const messages = await database.pool.query('select purpose, channel, subject_id from slack_messages');
    expect(messages.rows).toEqual([
      {
        purpose: 'deploy',
        channel: 'C1',
        subject_id: result.ok && 'deployment' in result.answer ? result.answer.deployment?.id : -1,
      },
    ]);
  });
});
