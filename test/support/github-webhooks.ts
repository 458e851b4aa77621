import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';

/** `sha256=<hex>`: GitHub's X-Hub-Signature-256 of a body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface PostedWebhook {
  status: number;
  ms: number;
  deliveryId: string;
  text: string;
}

/** Posts one delivery to the bot's webhook endpoint as GitHub does (signed unless `signature` says otherwise). */
export async function postWebhook(
  baseUrl: string,
  event: string,
  payload: unknown,
  options: { secret: string; deliveryId?: string; signature?: string | null },
): Promise<PostedWebhook> {
  const body = JSON.stringify(payload);
  const deliveryId = options.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'user-agent': 'GitHub-Hookshot/test',
  };
  const signature = options.signature === undefined ? signBody(body, options.secret) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/github/webhooks`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - started, deliveryId, text };
}

/** A throwaway RSA key for the App (JWTs signed with it are checked by nobody but the fake). */
export function testPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

export const webhookSecret = 'test-webhook-secret';

/** The environment that points the App at a fake GitHub. */
export function gitHubEnv(fakeHost: string, privateKey: string): Record<string, string> {
  return {
    APP_ID: '1',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: webhookSecret,
    GHE_HOST: fakeHost,
    GHE_PROTOCOL: 'http',
    APP_SLUG: 'sandbox-bot',
  };
}

/** A pull_request delivery as GitHub sends it, built from the fake's current state of the PR. */
export function pullRequestEvent(
  action: string,
  repository: string,
  pull: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const [owner] = repository.split('/');
  return {
    action,
    number: pull.number,
    pull_request: pull,
    repository: { full_name: repository, name: repository.split('/')[1], owner: { login: owner } },
    installation: { id: 1 },
    sender: { login: (pull.user as { login: string }).login, type: 'User' },
    ...extra,
  };
}

/** An issue_comment.created delivery on a pull request. */
export function commentEvent(
  repository: string,
  number: number,
  comment: { id: number; body: string; login: string; createdAt?: Date },
): Record<string, unknown> {
  return {
    action: 'created',
    issue: { number, pull_request: { url: `https://github.example/${repository}/pull/${number}` } },
    comment: {
      id: comment.id,
      body: comment.body,
      created_at: (comment.createdAt ?? new Date()).toISOString(),
      user: { login: comment.login, type: 'User' },
    },
    repository: { full_name: repository },
    installation: { id: 1 },
    sender: { login: comment.login, type: 'User' },
  };
}
