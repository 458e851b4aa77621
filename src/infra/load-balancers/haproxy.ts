import { createSerializer, describeError, runHostCommand } from './host-commands';
import { posix } from 'node:path';
import { SandboxError, isSandboxError } from '../../core/errors';
import { checkSlug } from '../../core/naming';
import type { HostTransport } from '../../core/ports/host-transport';
import type { LoadBalancer, Route, RouteTarget } from '../../core/ports/load-balancer';
import type { Logger } from '../logger';
import { renderHaproxyErrorFile, renderHaproxyFragment, renderHaproxyFrontend } from './render-haproxy-config';
import { checkRouteSlug, managedMarker } from './render-nginx-fragment';
import type { SleepRouting } from './sleep-routing';
import type { TlsCertificate, UsesCertificate } from './tls-certificate';

export interface HaproxyLoadBalancerOptions {
  /** Where HAProxy runs: this machine or a host over SSH; the code is the same. */
  transport: HostTransport;
  /** Directory HAProxy loads (`haproxy -f haproxy.cfg -f <dir>`: every `*.cfg` in it); the bot's alone. */
  configDir: string;
  /** Prefix of file, backend and userlist names; tells the bot's from others. */
  namePrefix: string;
  /** argv that validates the whole configuration, e.g. `haproxy -c -q -f /etc/haproxy/haproxy.cfg -f <dir>`. */
  testCommand: readonly string[];
  /** argv that makes the running HAProxy load the configuration, e.g. `systemctl reload haproxy`. */
  reloadCommand: readonly string[];
  /** Plain HTTP bind of the sandbox frontend: a port or `address:port`. */
  listen: number | string;
  /** HTTPS bind and the wildcard certificate (`useCertificate` swaps it); `redirectHttp`: plain HTTP answers 308 to HTTPS. null: HTTP only. */
  tls?: { listen: number | string; certificate: TlsCertificate; redirectHttp?: boolean } | null;
  /** The instance's status page, linked from the 502 and holding pages. */
  statusUrl?: (slug: string) => string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Sleep and wake (some repository has `sleep_after`): where the bot answers and hears requests; null: off. */
  sleep?: SleepRouting | null;
  /** Bound on each test/reload command (default 30 s). */
  commandTimeoutMs?: number;
}

/** Wanted content per path; null: the file must not exist. */
type FileSet = Map<string, { content: Buffer | null; mode?: number }>;

/**
 * The HAProxy load balancer, with nginx's contract: per instance a fragment
 * (`<prefix><slug>.cfg`, plus the raw 502 page it names), written, validated
 * with the test command, reloaded; when validation or the reload fails, every
 * file written is put back as it was (and HAProxy reloaded again), so the old
 * route keeps serving. The bot also owns `<prefix>_frontend.cfg` (the shared
 * frontend; `_` cannot start a slug) and, with TLS, `.<prefix>tls.pem`.
 * Operations run one at a time; create one balancer per HAProxy.
 */
export function createHaproxyLoadBalancer(options: HaproxyLoadBalancerOptions): LoadBalancer & UsesCertificate {
  const { transport, testCommand, reloadCommand, logger } = options;
  if (!/^[a-z0-9_-]*$/.test(options.namePrefix)) {
    throw new SandboxError(
      'config_invalid',
      `haproxy load balancer: name_prefix "${options.namePrefix}" may hold only a-z, 0-9, "_" and "-"`,
    );
  }
  if (testCommand.length === 0 || reloadCommand.length === 0) {
    throw new SandboxError(
      'config_invalid',
      'haproxy load balancer: test_command and reload_command must not be empty',
    );
  }
  const where = `haproxy on ${transport.name}`;
  const timeoutMs = options.commandTimeoutMs ?? 30_000;
  const prefix = options.namePrefix;
  const dir = options.configDir;
  const fragmentPath = (slug: string) => posix.join(dir, `${prefix}${slug}.cfg`);
  // Dot files without .cfg: HAProxy loads only `*.cfg` from the directory.
  const errorFilePath = (slug: string) => posix.join(dir, `.${prefix}${slug}.502.http`);
  const frontendPath = posix.join(dir, `${prefix}_frontend.cfg`);
  const pemPath = posix.join(dir, `.${prefix}tls.pem`);
  const tls = options.tls ?? null;
  // With sleep and wake the request log's port may be known only once the bot listens: rendered again at each apply.
  const renderFrontend = (requestLog: RouteTarget | null) =>
    renderHaproxyFrontend({
      namePrefix: prefix,
      listen: options.listen,
      tls: tls ? { listen: tls.listen, pemPath, redirectHttp: tls.redirectHttp ?? false } : null,
      requestLog,
    });
  const shared: FileSet = new Map([[frontendPath, { content: Buffer.from(renderFrontend(null)) }]]);
  // The key is secret: only root (HAProxy reads it before dropping privileges) may read the file.
  const setCertificate = (certificate: TlsCertificate | null) =>
    shared.set(pemPath, {
      content: certificate ? Buffer.from(certificate.certificate + certificate.key) : null,
      mode: 0o600,
    });
  setCertificate(tls?.certificate ?? null);

  const serialize = createSerializer();

  const run = (argv: readonly string[]) => runHostCommand(transport, argv, timeoutMs);

  /** Writes what differs; returns the previous content of every path it touched (for restore). */
  async function writeSet(files: FileSet): Promise<Map<string, Buffer | null>> {
    const previous = new Map<string, Buffer | null>();
    for (const [path, wanted] of files) {
      const current = await transport.readFile(path);
      if (wanted.content === null ? current === null : current?.equals(wanted.content)) continue;
      previous.set(path, current);
      if (wanted.content === null) await transport.remove(path);
      else await transport.writeFile(path, wanted.content, wanted.mode);
    }
    return previous;
  }

  async function restore(previous: Map<string, Buffer | null>): Promise<string> {
    const failed: string[] = [];
    for (const [path, content] of previous) {
      try {
        if (content === null) await transport.remove(path);
        else await transport.writeFile(path, content, path === pemPath ? 0o600 : undefined);
      } catch (error) {
        logger?.warn({ path, err: error }, 'haproxy: restoring a file failed');
        failed.push(`${path} (${describeError(error)})`);
      }
    }
    return failed.length === 0
      ? 'the previous files were restored'
      : `restoring ${failed.join(', ')} failed; fix it by hand`;
  }

  /** Writes `files`, validates and reloads; on failure puts everything back. No change: no reload. */
  async function commit(what: string, files: FileSet): Promise<boolean> {
    const previous = await writeSet(files);
    if (previous.size === 0) return false;
    const tested = await run(testCommand);
    if (!tested.ok) {
      const note = await restore(previous);
      throw new SandboxError(
        'load_balancer_failed',
        `${what} on ${where}: haproxy rejected the configuration: ${tested.detail}; ${note}, the old route keeps serving`,
      );
    }
    const reloaded = await run(reloadCommand);
    if (!reloaded.ok) {
      const note = await restore(previous);
      const again = await run(reloadCommand);
      const detail = again.ok ? `${note} and haproxy reloaded` : `${note}, reloading again failed too: ${again.detail}`;
      throw new SandboxError(
        'load_balancer_failed',
        `${what} on ${where}: reload failed: ${reloaded.detail}; ${detail}; check that haproxy runs and reload_command in sandbox.yml`,
      );
    }
    return true;
  }

  async function guarded(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isSandboxError(error)) throw error;
      throw new SandboxError('load_balancer_failed', `${what} on ${where}: ${describeError(error)}`, { cause: error });
    }
  }

  return {
    kind: 'haproxy',
    async useCertificate(next: TlsCertificate) {
      if (!tls) return;
      const what = 'rotating the certificate';
      return serialize(() =>
        guarded(what, async () => {
          const before = shared.get(pemPath)!;
          setCertificate(next);
          try {
            if (await commit(what, new Map([[pemPath, shared.get(pemPath)!]])))
              logger?.info({ names: next.names, validTo: next.validTo.toISOString() }, 'haproxy: certificate rotated');
          } catch (error) {
            shared.set(pemPath, before);
            throw error;
          }
        }),
      );
    },
    async apply(route: Route) {
      const slug = checkRouteSlug(route.slug);
      const statusUrl = options.statusUrl?.(slug) ?? null;
      const sleep = options.sleep?.() ?? null;
      const fragment = renderHaproxyFragment({
        route,
        namePrefix: prefix,
        errorFile: errorFilePath(slug),
        statusUrl,
        sleep: sleep ? { upstream: sleep.upstream } : null,
      });
      if (sleep) shared.set(frontendPath, { content: Buffer.from(renderFrontend(sleep.requestLog)) });
      const files: FileSet = new Map(shared);
      files.set(errorFilePath(slug), {
        content:
          route.target && !route.sleeping
            ? Buffer.from(renderHaproxyErrorFile(slug, statusUrl, route.switching ?? false))
            : null,
      });
      files.set(fragmentPath(slug), { content: Buffer.from(fragment) });
      const what = `routing ${slug}`;
      return serialize(() =>
        guarded(what, async () => {
          const started = Date.now();
          if (await commit(what, files)) logger?.info({ slug, ms: Date.now() - started }, 'haproxy: route applied');
        }),
      );
    },
    async remove(slug: string) {
      checkRouteSlug(slug);
      const what = `removing the route of ${slug}`;
      const files: FileSet = new Map([
        [fragmentPath(slug), { content: null }],
        [errorFilePath(slug), { content: null }],
      ]);
      return serialize(() =>
        guarded(what, async () => {
          if (await commit(what, files)) logger?.info({ slug }, 'haproxy: route removed');
        }),
      );
    },
    async listRoutes() {
      const slugs: string[] = [];
      for (const name of await transport.listDir(dir)) {
        if (!name.startsWith(prefix) || !name.endsWith('.cfg')) continue;
        const slug = name.slice(prefix.length, -'.cfg'.length);
        if (!checkSlug(slug).ok) continue;
        if (
          prefix === '' &&
          (await transport.readFile(posix.join(dir, name), { maxBytes: managedMarker.length }))?.toString() !==
            managedMarker
        )
          continue;
        slugs.push(slug);
      }
      return slugs.sort();
    },
    async check() {
      const tested = await run(testCommand);
      if (!tested.ok) return { ok: false, detail: `${where}: ${tested.detail}` };
      const installed = await transport.readFile(frontendPath).catch(() => null);
      const note =
        installed === null ? `; the sandbox frontend (${frontendPath}) is written at the first activation` : '';
      return { ok: true, detail: `${where}: ${tested.detail || 'configuration is valid'}${note}` };
    },
  };
}

/**
 * argv that reloads a master-worker HAProxy (`-W`/`-Ws`) and waits until the
 * master has started a new worker. A USR2 that arrives while the master is
 * still finishing the previous reload is dropped (measured with 2.6: about
 * one in ten when reloads follow each other within ~100 ms), so the signal is
 * sent again after 2 s, up to three times; no new worker then means the
 * master could not load the configuration (exit 1, with a hint).
 */
export function confirmedReloadCommand(masterPidFile: string): string[] {
  const script = [
    'pid=$(cat "$1" 2>/dev/null) || { echo "cannot read the haproxy master pid from $1" >&2; exit 1; }',
    'kill -0 "$pid" 2>/dev/null || { echo "the haproxy master $pid (from $1) is not running" >&2; exit 1; }',
    'before=" $(pgrep -P "$pid" | tr "\\n" " ") "',
    'for attempt in 1 2 3; do',
    '  kill -USR2 "$pid" || exit 1',
    '  i=0',
    '  while [ $i -lt 40 ]; do',
    '    sleep 0.05',
    '    for child in $(pgrep -P "$pid"); do case "$before" in *" $child "*) ;; *) exit 0 ;; esac; done',
    '    i=$((i + 1))',
    '  done',
    'done',
    'echo "the haproxy master $pid started no new worker after 3 reload signals; see its log for the configuration error" >&2',
    'exit 1',
  ].join('\n');
  return ['sh', '-c', script, 'sbx-haproxy-reload', masterPidFile];
}
