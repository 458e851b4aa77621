import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { createSampleRepo } from '../support/sample-repo';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';
import { sampleRepositoryYml } from '../support/sandbox-yml';

const actor: Actor = { surface: 'cli', id: 'tester' };
// A block of its own below the ephemeral range (other files use 22000–29999 through test-bot).
const low = 30_000 + (process.pid % 250) * 10;
let t: TestBot;
const squatters: Server[] = [];

beforeAll(async () => {
  // Five ports of the range held by programs that are not ours: more than the host's capacity of 2.
  for (let port = low; port < low + 5; port += 1) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    squatters.push(server);
  }
  const repo = createSampleRepo();
  t = await startTestBot(`
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { health_timeout: '20s' })}
compute:
  local:
    capacity: 2
    port_range: [${low}, ${low + 9}]
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await Promise.all(squatters.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('ports held by other programs', () => {
  it('are skipped without counting against the host’s capacity', async () => {
    const store = t.bot.provisioning.store;
    const instance = await createBareSandbox(store, {
      slug: 'squatted',
      repository: { name: 'acme/sample', url: t.config.repositories[0]!.url },
      baseDomain: t.config.base_domain,
      actor,
    });
    await requestDeployment({ store }, instance, { actor });
    await waitFor(
      async () => ['running', 'failed', 'error'].includes((await store.findAppserver(instance.id, 1))?.state ?? ''),
      { timeoutMs: 30_000, what: 'the appserver to settle' },
    );
    const appserver = (await store.findAppserver(instance.id, 1))!;
    expect(appserver.failureReason).toBeNull();
    expect(appserver).toMatchObject({ state: 'running', port: low + 5 });
  }, 60_000);
});
