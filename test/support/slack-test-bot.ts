import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createSampleRepo, type SampleRepo } from './sample-repo';
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from './fake-slack';
import { postToSlack, slashCommandForm, buttonClickForm, type SlackHttpAnswer } from './slack-requests';
import { startTestBot, type TestBot } from './test-bot';
import { waitFor } from './wait-for';

export const signingSecret = 'test-signing-secret-8f2c';
export const botToken = 'xoxb-test-token';

export interface SlackTestBot {
  t: TestBot;
  fake: FakeSlack;
  repo: SampleRepo;
  /** Sends a signed slash command; returns the HTTP answer and the response_url it carried. */
  command(
    command: string,
    text: string,
    options?: { user?: string; channel?: string },
  ): Promise<SlackHttpAnswer & { responseUrl: string }>;
  click(
    actionId: string,
    value: string | undefined,
    options?: { user?: string; channel?: string; url?: string },
  ): Promise<SlackHttpAnswer & { responseUrl: string }>;
  /** Messages sent to a response_url, waiting until there are `count`. */
  responses(responseUrl: string, count?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** A script recipe over the sample app; `deploy` is extra shell run before the build marker. */
export function sampleRepository(name: string, url: string, deploy = 'true'): string {
  return `
  - name: ${name}
    url: ${url}
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        ${deploy}
      start: "exec node server.mjs"
      health_path: /healthz
      health_timeout: 5s`;
}

/** The whole bot with Slack in HTTP mode against a fake Slack Web API. */
export async function startSlackTestBot(extraYaml: string, options: { allow?: string[] } = {}): Promise<SlackTestBot> {
  const fake = await startFakeSlack({
    allow: ['auth.test', 'chat.postMessage', 'chat.update', ...(options.allow ?? [])],
  });
  const repo = createSampleRepo();
  const yaml = extraYaml.replaceAll('REPO_URL', repo.url);
  // A known port, so links in messages (http://localhost:<port>/sandboxes/…) are real.
  const t = await startTestBot(yaml, {
    PORT: String(await freePort()),
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: fake.apiUrl,
  });
  return {
    t,
    fake,
    repo,
    async command(command, text, extra = {}) {
      const responseUrl = fake.responseUrl();
      const answer = await postToSlack(
        t.url,
        signingSecret,
        slashCommandForm({ command, text, responseUrl, ...extra }),
      );
      return { ...answer, responseUrl };
    },
    async click(actionId, value, extra = {}) {
      const responseUrl = fake.responseUrl();
      const answer = await postToSlack(
        t.url,
        signingSecret,
        buttonClickForm({ actionId, value, responseUrl, ...extra }),
      );
      return { ...answer, responseUrl };
    },
    async responses(responseUrl, count = 1) {
      await waitFor(() => fake.responsesTo(responseUrl).length >= count, {
        what: `${count} response(s) at ${responseUrl}`,
      });
      return fake.responsesTo(responseUrl).map((r) => r.body);
    },
    async stop() {
      await t.stop();
      await fake.close();
    },
  };
}

/**
 * The Slack test bot for one test file: started in `beforeAll` (then `setup` runs on it), stopped in `afterAll`, and
 * every test fails if the fake Slack saw a call it did not allow. The handle may be used in hooks and tests only.
 */
export function useSlackTestBot(
  extraYaml: string,
  options: { allow?: string[]; setup?: (s: SlackTestBot) => Promise<void>; timeoutMs?: number } = {},
): SlackTestBot {
  let current: SlackTestBot | undefined;
  const started = (): SlackTestBot => {
    if (!current) throw new Error('test setup: the Slack test bot is used before beforeAll started it');
    return current;
  };
  beforeAll(async () => {
    current = await startSlackTestBot(extraYaml, options);
    await options.setup?.(current);
  }, options.timeoutMs ?? 60_000);
  afterAll(async () => {
    await current?.stop();
  });
  afterEach(() => {
    if (current) expect(current.fake.unexpected).toEqual([]);
  });
  return {
    get t() {
      return started().t;
    },
    get fake() {
      return started().fake;
    },
    get repo() {
      return started().repo;
    },
    command: (command, text, extra) => started().command(command, text, extra),
    click: (actionId, value, extra) => started().click(actionId, value, extra),
    responses: (responseUrl, count) => started().responses(responseUrl, count),
    stop: () => started().stop(),
  };
}

/** The mrkdwn text of a message's blocks and its fallback text, for assertions. */
export function messageText(params: Record<string, unknown>): string {
  return `${String(params.text ?? '')}\n${JSON.stringify(params.blocks ?? [])}`;
}

/** The calls that made and edited the newest message in `channel` whose text includes `what`: its chat.postMessage, then every chat.update of its ts. */
export function messageHistory(fake: FakeSlack, channel: string, what: string): FakeSlackCall[] {
  const post = fake
    .callsTo('chat.postMessage')
    .filter((call) => call.params.channel === channel && call.result?.ok && messageText(call.params).includes(what))
    .at(-1);
  if (!post) return [];
  const ts = post.result!.ts;
  return [
    post,
    ...fake.callsTo('chat.update').filter((call) => call.params.channel === channel && call.params.ts === ts),
  ];
}

/** The buttons in a message's blocks. */
export function buttonsOf(
  params: Record<string, unknown>,
): { action_id: string; value?: string; url?: string; text: { text: string } }[] {
  const blocks = (params.blocks ?? []) as {
    type: string;
    elements?: { type: string; action_id: string; value?: string; url?: string; text: { text: string } }[];
  }[];
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.type === 'button');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
