import { describe, expect, it } from 'vitest';
import { answerWithin } from '../../src/bot/answer-within';
import { parseSlashCommand } from '../../src/bot/handle-command';
import { createPermissions } from '../../src/bot/permissions';
import { selectSlackMode } from '../../src/infra/slack/slack-mode';
import { createSlackApp } from '../../src/bot/create-slack-app';
import { configSchema } from '../../src/config/schema';
import { isSandboxError } from '../../src/core/errors';
import type { SlackView } from '../../src/infra/slack/blocks';
import { createLogger } from '../../src/infra/logger';

const slack = (values: Record<string, unknown>) => configSchema.parse({ slack: values }).slack;

describe('receiver selection', () => {
  it.each([
    [{}, 'off'],
    [{ signing_secret: 's' }, 'off'],
    [{ bot_token: 'xoxb-1' }, 'off'],
    [{ bot_token: 'xoxb-1', signing_secret: 's' }, 'http'],
    [{ bot_token: 'xoxb-1', app_token: 'xapp-1' }, 'socket'],
    [{ bot_token: 'xoxb-1', app_token: 'xapp-1', signing_secret: 's' }, 'socket'],
  ])('%j → %s', (values, kind) => {
    expect(selectSlackMode(slack(values)).kind).toBe(kind);
  });

  it('says what to set when Slack is off', () => {
    expect(selectSlackMode(slack({ bot_token: 'xoxb-1' }))).toMatchObject({
      kind: 'off',
      reason: expect.stringContaining('neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode)'),
    });
  });

  it('builds an HTTP receiver for the shared server, or a Socket Mode receiver with no listener', () => {
    const logger = createLogger({ level: 'silent', format: 'json' });
    const http = createSlackApp({ kind: 'http', botToken: 'xoxb-1', signingSecret: 's' }, { apiUrl: null, logger });
    expect(http.mode).toBe('http');
    expect(typeof http.requestListener).toBe('function');
    const socket = createSlackApp({ kind: 'socket', botToken: 'xoxb-1', appToken: 'xapp-1' }, { apiUrl: null, logger });
    expect(socket.mode).toBe('socket');
    expect(socket.requestListener).toBeNull();
  });
});

describe('slash command names map onto the shared parser', () => {
  it.each([
    ['/redeploy', 'demo --no-activate', { name: 'redeploy', instance: 'demo', activate: false }],
    ['/activate', 'demo 3', { name: 'activate', instance: 'demo', appserver: 3 }],
    ['/sandbox', 'status demo', { name: 'status', instance: 'demo' }],
    ['/sbx-redeploy', 'o/r#4', { name: 'redeploy', instance: 'o/r#4', activate: true }],
  ])('%s %s', (command, text, expected) => {
    expect(parseSlashCommand(command, text)).toEqual({ kind: 'run', command: expected });
  });

  it.each([
    ['/redeploy', ''],
    ['/activate', 'help'],
    ['/sandbox', ''],
  ])('%s %j answers with help', (command, text) => {
    expect(parseSlashCommand(command, text)).toMatchObject({ kind: 'reply', reason: 'help' });
  });
});

describe('permissions', () => {
  const refusal = async (promise: Promise<void>): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      if (isSandboxError(error, 'not_permitted')) return error.message;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('lets everyone read and nobody change anything by default', async () => {
    const permissions = createPermissions({ rules: {}, groupMembers: async () => [] });
    await expect(permissions.require('U1', 'read')).resolves.toBeUndefined();
    expect(await refusal(permissions.require('U1', 'deploy'))).toContain(
      'nobody may yet: an operator can list Slack user or user-group ids under `slack.permissions.deploy` in sandbox.yml',
    );
  });

  it('reads user groups once per cache period and names who may', async () => {
    let lookups = 0;
    let clock = 0;
    const permissions = createPermissions({
      rules: { deploy: ['U1', 'S1'], read: ['U1'] },
      groupMembers: async () => {
        lookups += 1;
        return ['U2'];
      },
      cacheMs: 1_000,
      now: () => clock,
    });
    await permissions.require('U1', 'deploy');
    expect(lookups).toBe(0);
    await permissions.require('U2', 'deploy');
    await permissions.require('U2', 'deploy');
    expect(lookups).toBe(1);
    clock = 2_000;
    await permissions.require('U2', 'deploy');
    expect(lookups).toBe(2);
    expect(await refusal(permissions.require('U3', 'deploy'))).toBe(
      'you may not deploy from Slack; ask <@U1> or members of <!subteam^S1>',
    );
    expect(await refusal(permissions.require('U2', 'read'))).toContain(
      'you may not look at sandboxes from Slack; ask <@U1>',
    );
  });

  it('a group that cannot be read refuses, and says why', async () => {
    const permissions = createPermissions({
      rules: { delete: ['S9'] },
      groupMembers: async () => Promise.reject(new Error('missing_scope')),
    });
    expect(await refusal(permissions.require('U1', 'delete'))).toContain(
      'could not read the members of <!subteam^S9> (missing_scope)',
    );
  });

  it('`*` allows everyone', async () => {
    await expect(
      createPermissions({ rules: { create: ['*'] }, groupMembers: async () => [] }).require('U9', 'create'),
    ).resolves.toBeUndefined();
  });
});

describe('answering within the deadline', () => {
  const recorder = () => {
    const events: { what: 'ack' | 'respond'; view?: SlackView; at: number }[] = [];
    const started = Date.now();
    return {
      events,
      responder: {
        ack: async (view?: SlackView) => void events.push({ what: 'ack', view, at: Date.now() - started }),
        respond: async (view: SlackView) => void events.push({ what: 'respond', view, at: Date.now() - started }),
      },
    };
  };
  const after = (ms: number, text: string) =>
    new Promise<SlackView>((resolve) => setTimeout(() => resolve({ text }), ms));

  it('acks with the answer when the work is quick', async () => {
    const { events, responder } = recorder();
    expect(await answerWithin(500, after(10, 'done'), responder, { text: 'holding' })).toBe('acknowledged');
    expect(events.map((e) => [e.what, e.view?.text])).toEqual([['ack', 'done']]);
  });

  it('acks at the deadline when the database is slow, then responds with the answer', async () => {
    const { events, responder } = recorder();
    expect(await answerWithin(100, after(400, 'done late'), responder, { text: 'holding' })).toBe('late');
    expect(events.map((e) => [e.what, e.view?.text])).toEqual([
      ['ack', 'holding'],
      ['respond', 'done late'],
    ]);
    expect(events[0]!.at).toBeGreaterThanOrEqual(90);
    expect(events[0]!.at).toBeLessThan(300);
  });
});
