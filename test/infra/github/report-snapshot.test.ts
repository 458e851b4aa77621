import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRequestRecord } from '../../../src/core/ports/pull-requests';
import type { Store } from '../../../src/core/ports/store';
import type { Database } from '../../../src/infra/db/database';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { loadReportState } from '../../../src/infra/github/report/load-report-state';
import { createTestDatabase } from '../../support/database';
import { createBareSandbox } from '../../support/manual-sandbox';

let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('the report of a pull request', () => {
  it('reads the sandbox and its appservers in one snapshot, even when an activation lands between them', async () => {
    const store = createSandboxStore(database.db);
    const instance = await createBareSandbox(store, {
      slug: 'torn',
      repository: { name: 'acme/app', url: null },
      baseDomain: 'localhost',
    });
    const appserver = await store.insertAppserver({
      instanceId: instance.id,
      config: {},
      commitSha: 'a'.repeat(40),
      readyAt: new Date(),
    });
    await store.updateAppserver(appserver.id, { state: 'running' } as never);
    // Activation commits from another connection right after the report has read the sandbox.
    let activated = false;
    const activateNow = () =>
      store.transaction(async (other) => {
        await other.updateInstance(instance.id, { activeAppserverId: appserver.id });
        await other.updateAppserver(appserver.id, { activatedAt: new Date() });
        activated = true;
      });
    const racing: Store = {
      ...store,
      snapshot: (work) =>
        store.snapshot((inner) =>
          work({
            ...inner,
            getInstance: async (id) => {
              const found = await inner.getInstance(id);
              if (!activated) await activateNow();
              return found;
            },
          }),
        ),
    };
    const record = { instanceId: instance.id, headSha: 'a'.repeat(40), repository: 'acme/app' } as PullRequestRecord;
    const state = await loadReportState(
      { store: racing, policy: { repositories: [] } as never, publicUrl: 'http://127.0.0.1', sandboxPort: null },
      record,
      new Date(),
    );
    expect(activated).toBe(true);
    // Both from before the activation: never "active: none" next to an appserver already activated.
    expect(state.instance!.activeAppserverId).toBeNull();
    expect(state.appservers.map((a) => a.activatedAt)).toEqual([null]);
    // And the next read sees the activation whole.
    const after = await loadReportState(
      { store, policy: { repositories: [] } as never, publicUrl: 'http://127.0.0.1', sandboxPort: null },
      record,
      new Date(),
    );
    expect(after.instance!.activeAppserverId).toBe(appserver.id);
    expect(after.appservers[0]!.activatedAt).not.toBeNull();
  });
});
