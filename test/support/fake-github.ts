import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local fake of the GitHub REST API (the routes the GitHub App uses),
 * served on 127.0.0.1 under `/api/v3` as GitHub Enterprise would be. It
 * records every call; a call it does not know is answered 501 and kept in
 * `unexpected`, which tests assert to be empty.
 */

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  headSha: string;
  headRef: string;
  author: string;
  body: string | null;
  fromFork: boolean;
  closedAt: string | null;
}

export interface FakeCall {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
}

export interface FakeCheckRun {
  id: number;
  repository: string;
  headSha: string;
  name: string;
  /** Every state the run was given, in order (creation first). */
  history: Record<string, unknown>[];
  current: Record<string, unknown>;
}

export interface FakeComment {
  id: number;
  repository: string;
  number: number;
  body: string;
  login: string;
  type: 'Bot' | 'User';
  reactions: string[];
}

interface FakeRepo {
  installationId: number;
  pulls: Map<number, FakePull>;
  permissions: Map<string, string>;
}

export class FakeGitHub {
  readonly calls: FakeCall[] = [];
  readonly unexpected: string[] = [];
  readonly checkRuns = new Map<number, FakeCheckRun>();
  readonly comments = new Map<number, FakeComment>();
  readonly deployments = new Map<
    number,
    { id: number; repository: string; ref: string; environment: string; statuses: Record<string, unknown>[] }
  >();
  readonly teams = new Map<string, Set<string>>();
  readonly appSlug = 'sandbox-bot';
  /** Answers of `POST /app-manifests/:code/conversions` (the register-the-app flow). */
  readonly manifestConversions = new Map<string, Record<string, unknown>>();
  /** Answer the App's JWT with 401, as GitHub does for a key of another App. */
  rejectAppJwt = false;
  private readonly repos = new Map<string, FakeRepo>();
  private nextId = 1000;
  private server: Server | null = null;
  port = 0;

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Idle connections stay open for the whole test: no keep-alive race between the client reusing a socket and the server closing it.
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  addRepo(repository: string, installationId = 1): void {
    this.repos.set(repository.toLowerCase(), { installationId, pulls: new Map(), permissions: new Map() });
  }

  setPermission(repository: string, login: string, permission: 'admin' | 'write' | 'read'): void {
    this.repo(repository).permissions.set(login, permission);
  }

  addTeamMember(team: string, login: string): void {
    const members = this.teams.get(team) ?? new Set<string>();
    members.add(login);
    this.teams.set(team, members);
  }

  /** Creates or changes a pull request (defaults: open, same-repo branch, no body). */
  setPull(repository: string, pull: Partial<FakePull> & Pick<FakePull, 'number' | 'headSha'>): FakePull {
    const pulls = this.repo(repository).pulls;
    const current = pulls.get(pull.number);
    const next: FakePull = {
      state: 'open',
      merged: false,
      draft: false,
      headRef: `feature-${pull.number}`,
      author: 'maintainer',
      body: null,
      fromFork: false,
      closedAt: null,
      ...current,
      ...pull,
    };
    pulls.set(pull.number, next);
    return next;
  }

  pull(repository: string, number: number): FakePull {
    return this.repo(repository).pulls.get(number)!;
  }

  /** The pull request as GitHub's API and webhooks show it. */
  pullJson(repository: string, number: number): Record<string, unknown> {
    const pull = this.pull(repository, number);
    const base = { full_name: repository, clone_url: `https://github.example/${repository}.git` };
    const fork = `${pull.author}/${repository.split('/')[1]}`;
    return {
      number: pull.number,
      state: pull.state,
      merged: pull.merged,
      draft: pull.draft,
      body: pull.body,
      html_url: `https://github.example/${repository}/pull/${pull.number}`,
      closed_at: pull.closedAt,
      user: { login: pull.author, type: 'User' },
      head: {
        sha: pull.headSha,
        ref: pull.headRef,
        repo: pull.fromFork ? { full_name: fork, clone_url: `https://github.example/${fork}.git` } : base,
      },
      base: { ref: 'main', repo: base },
    };
  }

  /** Calls matching a method and a path pattern. */
  callsTo(method: string, pattern: RegExp): FakeCall[] {
    return this.calls.filter((call) => call.method === method && pattern.test(call.path));
  }

  checkRunsFor(headSha: string): FakeCheckRun[] {
    return [...this.checkRuns.values()].filter((run) => run.headSha === headSha);
  }

  commentsOn(repository: string, number: number): FakeComment[] {
    return [...this.comments.values()].filter(
      (comment) => comment.repository === repository && comment.number === number,
    );
  }

  /** A comment written by a person (for `/sandbox` commands); returns its id. */
  addUserComment(repository: string, number: number, login: string, body: string): FakeComment {
    const comment: FakeComment = { id: this.id(), repository, number, body, login, type: 'User', reactions: [] };
    this.comments.set(comment.id, comment);
    return comment;
  }

  private repo(repository: string): FakeRepo {
    const found = this.repos.get(repository.toLowerCase());
    if (!found) throw new Error(`fake GitHub: no repository ${repository}`);
    return found;
  }

  private id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    const method = req.method ?? 'GET';
    this.calls.push({ method, path: `${path}${url.search}`, body });
    const send = (status: number, data?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(data === undefined ? '' : JSON.stringify(data));
    };
    try {
      const answered = this.route(method, path, url.searchParams, body, send);
      if (!answered) {
        this.unexpected.push(`${method} ${path}`);
        send(501, { message: `fake GitHub does not expect ${method} ${path}` });
      }
    } catch (error) {
      this.unexpected.push(`${method} ${path}: ${(error as Error).message}`);
      send(500, { message: (error as Error).message });
    }
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown> | null,
    send: (status: number, data?: unknown) => void,
  ): boolean {
    const m = (pattern: RegExp) => pattern.exec(path);
    let match: RegExpExecArray | null;
    if (method === 'POST' && (match = m(/^\/app\/installations\/(\d+)\/access_tokens$/))) {
      send(201, {
        token: `ghs_fake_${match[1]}`,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: {},
        repository_selection: 'all',
      });
    } else if (method === 'GET' && path === '/app') {
      if (this.rejectAppJwt) send(401, { message: 'A JSON web token could not be decoded' });
      else send(200, { id: 1, slug: this.appSlug, name: 'Sandbox Bot' });
    } else if (method === 'POST' && (match = m(/^\/app-manifests\/([\w-]+)\/conversions$/))) {
      const answer = this.manifestConversions.get(match[1]!);
      if (answer) send(201, answer);
      else send(404, { message: 'Not Found' });
    } else if (method === 'GET' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/installation$/))) {
      const repo = this.repos.get(match[1]!.toLowerCase());
      if (repo) send(200, { id: repo.installationId });
      else send(404, { message: 'Not Found' });
    } else if (method === 'GET' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/))) {
      const repository = match[1]!;
      if (this.repo(repository).pulls.has(Number(match[2]))) send(200, this.pullJson(repository, Number(match[2])));
      else send(404, { message: 'Not Found' });
    } else if (method === 'GET' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/pulls$/))) {
      const repository = match[1]!;
      const state = query.get('state') ?? 'open';
      send(
        200,
        [...this.repo(repository).pulls.values()]
          .filter((p) => state === 'all' || p.state === state)
          .map((p) => this.pullJson(repository, p.number)),
      );
    } else if (method === 'GET' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/collaborators\/([^/]+)\/permission$/))) {
      const permission = this.repo(match[1]!).permissions.get(match[2]!);
      if (permission) send(200, { permission, role_name: permission, user: { login: match[2] } });
      else send(404, { message: 'Not Found' });
    } else if (method === 'GET' && (match = m(/^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/))) {
      if (this.teams.get(`${match[1]}/${match[2]}`)?.has(match[3]!)) send(200, { state: 'active', role: 'member' });
      else send(404, { message: 'Not Found' });
    } else if (method === 'POST' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/check-runs$/))) {
      const run: FakeCheckRun = {
        id: this.id(),
        repository: match[1]!,
        headSha: String(body?.head_sha),
        name: String(body?.name),
        history: [body ?? {}],
        current: { ...body },
      };
      this.checkRuns.set(run.id, run);
      send(201, { id: run.id, head_sha: run.headSha, name: run.name });
    } else if (method === 'PATCH' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/check-runs\/(\d+)$/))) {
      const run = this.checkRuns.get(Number(match[2]));
      if (!run) return (send(404, { message: 'Not Found' }), true);
      run.history.push(body ?? {});
      run.current = { ...run.current, ...body };
      send(200, { id: run.id });
    } else if (method === 'POST' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/deployments$/))) {
      const deployment = {
        id: this.id(),
        repository: match[1]!,
        ref: String(body?.ref),
        environment: String(body?.environment),
        statuses: [],
      };
      this.deployments.set(deployment.id, deployment);
      send(201, { id: deployment.id });
    } else if (method === 'POST' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/deployments\/(\d+)\/statuses$/))) {
      const deployment = this.deployments.get(Number(match[2]));
      if (!deployment) return (send(404, { message: 'Not Found' }), true);
      deployment.statuses.push(body ?? {});
      send(201, { id: this.id() });
    } else if (method === 'GET' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/))) {
      send(
        200,
        this.commentsOn(match[1]!, Number(match[2])).map((c) => ({
          id: c.id,
          body: c.body,
          user: { login: c.login, type: c.type },
        })),
      );
    } else if (method === 'POST' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/))) {
      const comment: FakeComment = {
        id: this.id(),
        repository: match[1]!,
        number: Number(match[2]),
        body: String(body?.body),
        login: `${this.appSlug}[bot]`,
        type: 'Bot',
        reactions: [],
      };
      this.comments.set(comment.id, comment);
      send(201, { id: comment.id });
    } else if (method === 'PATCH' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/))) {
      const comment = this.comments.get(Number(match[2]));
      if (!comment) return (send(404, { message: 'Not Found' }), true);
      comment.body = String(body?.body);
      send(200, { id: comment.id });
    } else if (method === 'POST' && (match = m(/^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)\/reactions$/))) {
      const comment = this.comments.get(Number(match[2]));
      if (!comment) return (send(404, { message: 'Not Found' }), true);
      comment.reactions.push(String(body?.content));
      send(201, { id: this.id(), content: body?.content });
    } else {
      return false;
    }
    return true;
  }
}

/** Starts a fake GitHub API on a free loopback port. */
export function startFakeGitHub(): Promise<FakeGitHub> {
  return new FakeGitHub().start();
}
