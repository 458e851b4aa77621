import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { startFakeSocketMode, type FakeSocketMode } from '../support/fake-socket-mode';
import { createSampleRepo } from '../support/sample-repo';
import { slashCommandForm } from '../support/slack-requests';
import { sampleRepository } from '../support/slack-test-bot';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';

let fake: FakeSlack;
let socket: FakeSocketMode;
let t: TestBot;

beforeAll(async () => {
  socket = await startFakeSocketMode();
  fake = await startFakeSlack({ allow: ['auth.test', 'chat.postMessage', 'chat.update'] });
  fake.allow('apps.connections.open', () => ({ ok: true, url: socket.url }));
  const repo = createSampleRepo();
  t = await startTestBot(
    `
repositories:${sampleRepository('acme/sample', repo.url)}
slack:
  permissions:
    deploy: [U0ALICE]
`,
    { SLACK_BOT_TOKEN: 'xoxb-socket', SLACK_APP_TOKEN: 'xapp-socket', SLACK_API_URL: fake.apiUrl },
  );
  const repository = t.config.repositories[0]!;
  await createBareSandbox(t.bot.provisioning.store, {
    slug: 'demo',
    repository,
    baseDomain: t.config.base_domain,
  });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await socket?.close();
  await fake?.close();
});

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('opens the connection with the app token and needs no public endpoint', async () => {
    await waitFor(() => socket.connections() === 1, { what: 'the Socket Mode connection' });
    expect(fake.callsTo('apps.connections.open').map((call) => call.token)).toEqual(['xapp-socket']);
    expect(fake.callsTo('auth.test').map((call) => call.token)).toEqual(['xoxb-socket']);
    expect((await fetch(`${t.url}/slack/events`, { method: 'POST' })).status).toBe(404);
  });

  it('acks a slash command over the socket with the ephemeral reply, after queueing the deployment', async () => {
    const form = slashCommandForm({ command: '/redeploy', text: 'demo', responseUrl: fake.responseUrl() });
    const ack = await socket.send('slash_commands', form);
    expect(ack).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('On it: redeploying') });
    const demo = (await t.bot.provisioning.store.findInstanceBySlug('demo'))!;
    expect((await t.bot.provisioning.store.listDeployments(demo.id)).at(-1)).toMatchObject({
      requestedBy: 'U0ALICE',
      surface: 'slack',
    });
  });

  it('refusals travel the same way', async () => {
    const ack = await socket.send(
      'slash_commands',
      slashCommandForm({ command: '/redeploy', text: 'demo', user: 'U0BOB', responseUrl: fake.responseUrl() }),
    );
    expect(ack).toMatchObject({ text: expect.stringContaining('you may not deploy from Slack; ask <@U0ALICE>') });
  });

  it('leaves nothing unexpected at the Web API', () => {
    expect(fake.unexpected).toEqual([]);
  });
});
