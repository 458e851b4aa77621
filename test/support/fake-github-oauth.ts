import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakeUser {
  login: string;
  /** Org names and org/team slugs the user is an active member of. */
  memberOf: string[];
}

export interface FakeGitHubOAuth {
  /** `127.0.0.1:<port>`: use as GHE_HOST with GHE_PROTOCOL=http. */
  host: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization signs in as (GitHub's consent screen, answered yes). */
  signInAs(user: FakeUser): void;
  /** Every request, as `METHOD path`. */
  calls: string[];
  /** Requests the fake did not expect: a test fails when this is not empty. */
  unexpected: string[];
  close(): Promise<void>;
}

/**
 * A local double of GitHub's OAuth web flow and the few API calls sign-in
 * makes (`/user`, org and team memberships), on 127.0.0.1. It checks the
 * client credentials, the redirect URI, one-time codes and bearer tokens, and
 * records any call it does not know in `unexpected`.
 */
export async function startFakeGitHubOAuth(): Promise<FakeGitHubOAuth> {
  const clientId = 'Iv1.fakeclient';
  const clientSecret = `fake-client-secret-${randomBytes(6).toString('hex')}`;
  const codes = new Map<string, { user: FakeUser; redirectUri: string }>();
  const tokens = new Map<string, FakeUser>();
  const calls: string[] = [];
  const unexpected: string[] = [];
  let nextUser: FakeUser | null = null;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const bearer = (req: IncomingMessage) =>
    tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, '')) ?? null;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      calls.push(`${req.method} ${url.pathname}`);
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const redirectUri = url.searchParams.get('redirect_uri') ?? '';
        if (url.searchParams.get('client_id') !== clientId || !redirectUri || !nextUser) {
          unexpected.push(`authorize without a client id, redirect_uri or user to sign in: ${url.search}`);
          json(res, 400, { error: 'bad request' });
          return;
        }
        const code = randomBytes(8).toString('hex');
        codes.set(code, { user: nextUser, redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.toString() });
        res.end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const form = new URLSearchParams(body);
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
          json(res, 200, {
            error: 'incorrect_client_credentials',
            error_description: 'The client_id and/or client_secret passed are incorrect.',
          });
          return;
        }
        if (!pending || pending.redirectUri !== form.get('redirect_uri')) {
          json(res, 200, {
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
          });
          return;
        }
        const token = `ghu_${randomBytes(12).toString('hex')}`;
        tokens.set(token, pending.user);
        json(res, 200, { access_token: token, token_type: 'bearer', scope: '' });
        return;
      }
      const user = bearer(req);
      const teamPath = /^\/api\/v3\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(url.pathname);
      const orgPath = /^\/api\/v3\/user\/memberships\/orgs\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && (url.pathname === '/api/v3/user' || teamPath || orgPath)) {
        if (!user) {
          json(res, 401, { message: 'Bad credentials' });
          return;
        }
        if (url.pathname === '/api/v3/user') json(res, 200, { login: user.login, id: 1 });
        else if (orgPath) {
          const member = user.memberOf.includes(decodeURIComponent(orgPath[1]!));
          json(
            res,
            member ? 200 : 404,
            member
              ? { state: 'active', role: 'member', organization: { login: orgPath[1] } }
              : { message: 'Not Found' },
          );
        } else {
          const group = `${decodeURIComponent(teamPath![1]!)}/${decodeURIComponent(teamPath![2]!)}`;
          const member = decodeURIComponent(teamPath![3]!) === user.login && user.memberOf.includes(group);
          json(res, member ? 200 : 404, member ? { state: 'active', role: 'member' } : { message: 'Not Found' });
        }
        return;
      }
      unexpected.push(`${req.method} ${url.pathname}`);
      json(res, 404, { message: 'Not Found (unexpected call to the fake)' });
    })().catch((error: unknown) => {
      unexpected.push(`fake failed: ${String(error)}`);
      if (!res.headersSent) json(res, 500, { message: 'fake failed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    clientId,
    clientSecret,
    signInAs: (user) => void (nextUser = user),
    calls,
    unexpected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
