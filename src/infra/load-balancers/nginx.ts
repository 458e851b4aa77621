import { createSerializer, describeError, runHostCommand } from './host-commands';
import { posix } from 'node:path';
import { SandboxError, isSandboxError } from '../../core/errors';
import { checkSlug } from '../../core/naming';
import type { HostTransport } from '../../core/ports/host-transport';
import type { LoadBalancer, Route } from '../../core/ports/load-balancer';
import type { Logger } from '../logger';
import type { BasicCredentials } from '../../core/ports/load-balancer';
import { htpasswdAccepts, renderHtpasswd } from './render-htpasswd';
import { checkRouteSlug, managedMarker, renderNginxFragment } from './render-nginx-fragment';
import type { SleepRouting } from './sleep-routing';
import type { TlsCertificate, UsesCertificate } from './tls-certificate';

export interface NginxLoadBalancerOptions {
  /** Where nginx runs: this machine or a host over SSH; the code is the same. */
  transport: HostTransport;
  /** Directory nginx includes (`include <dir>/*.conf;` inside `http {}`). */
  configDir: string;
  /** Prefix of the fragment file names; tells the bot's fragments from others. */
  namePrefix: string;
  /** argv that validates the whole configuration, e.g. `nginx -t`. */
  testCommand: readonly string[];
  /** argv that makes the running nginx load the configuration, e.g. `nginx -s reload`. */
  reloadCommand: readonly string[];
  /** `listen` of every fragment: a port or `address:port`. */
  listen: number | string;
  /** The link the preliminary page offers (the instance's status page). */
  preliminaryUrl?: (slug: string) => string;
  /**
   * HTTPS on every fragment with the wildcard certificate, installed next to
   * the fragments (`useCertificate` swaps it); `redirectHttp`: plain HTTP
   * answers 308 to HTTPS. null: HTTP only.
   */
  tls?: { listen: number | string; certificate: TlsCertificate; redirectHttp?: boolean } | null;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Sleep and wake (some repository has `sleep_after`): where the bot answers and hears requests; null: off. */
  sleep?: SleepRouting | null;
  /** Bound on each test/reload command (default 30 s). */
  commandTimeoutMs?: number;
}

/**
 * The nginx load balancer: one fragment per instance in `configDir`, written
 * atomically, validated and reloaded; a fragment nginx rejects is replaced by
 * the previous one so the old route keeps serving. Operations of one
 * balancer run one at a time, so two activations never interleave on the files;
 * create one balancer per nginx. `apply` resolves once nginx has accepted the
 * configuration and been told to reload: its old workers keep serving the
 * previous route for ~100 ms and finish their requests, so the old appserver
 * must stay up a little after the switch (retention keeps it as the fallback).
 */
export function createNginxLoadBalancer(options: NginxLoadBalancerOptions): LoadBalancer & UsesCertificate {
  const { transport, testCommand, reloadCommand, logger } = options;
  if (!/^[a-z0-9_-]*$/.test(options.namePrefix)) {
    throw new SandboxError(
      'config_invalid',
      `nginx load balancer: name_prefix "${options.namePrefix}" may hold only a-z, 0-9, "_" and "-"`,
    );
  }
  if (testCommand.length === 0 || reloadCommand.length === 0) {
    throw new SandboxError('config_invalid', 'nginx load balancer: test_command and reload_command must not be empty');
  }
  const where = `nginx on ${transport.name}`;
  const timeoutMs = options.commandTimeoutMs ?? 30_000;
  const fragmentPath = (slug: string) => posix.join(options.configDir, `${options.namePrefix}${slug}.conf`);
  // A dot file next to the fragment: nginx's `include <dir>/*` globs skip it, so it is never read as configuration.
  const authPath = (slug: string) => posix.join(options.configDir, `.${options.namePrefix}${slug}.htpasswd`);
  const tlsFiles = options.tls
    ? {
        certificateFile: posix.join(options.configDir, `.${options.namePrefix}tls.crt`),
        keyFile: posix.join(options.configDir, `.${options.namePrefix}tls.key`),
      }
    : null;

  let certificate = options.tls?.certificate ?? null;

  /**
   * Writes the certificate and key when they differ from what is installed;
   * returns what was there before (for restore), empty when nothing changed.
   */
  async function installCertificate(): Promise<Map<string, Buffer | null>> {
    const previous = new Map<string, Buffer | null>();
    if (!certificate || !tlsFiles) return previous;
    // The key only for root (nginx's master reads it before the workers start).
    for (const [path, content, mode] of [
      [tlsFiles.certificateFile, certificate.certificate, 0o644],
      [tlsFiles.keyFile, certificate.key, 0o600],
    ] as const) {
      const installed = await transport.readFile(path);
      if (installed?.toString() === content) continue;
      previous.set(path, installed);
      await transport.writeFile(path, content, mode);
    }
    return previous;
  }

  /** Installs a new certificate, validates and reloads; on failure the previous files come back and this throws. */
  async function rotateCertificate(next: TlsCertificate): Promise<void> {
    const before = certificate;
    certificate = next;
    const previous = await installCertificate();
    if (previous.size === 0) return;
    const tested = await run(testCommand);
    const reloaded = tested.ok ? await run(reloadCommand) : tested;
    if (tested.ok && reloaded.ok) {
      logger?.info({ names: next.names, validTo: next.validTo.toISOString() }, 'nginx: certificate rotated');
      return;
    }
    certificate = before;
    for (const [path, content] of previous) {
      if (content === null) await transport.remove(path);
      else await transport.writeFile(path, content, path === tlsFiles?.keyFile ? 0o600 : 0o644);
    }
    if (tested.ok) await run(reloadCommand);
    throw new SandboxError(
      'load_balancer_failed',
      `rotating the certificate on ${where}: ${tested.ok ? `reload failed: ${reloaded.detail}` : `nginx rejected it: ${tested.detail}`}; the previous certificate keeps serving`,
    );
  }

  const serialize = createSerializer();

  const run = (argv: readonly string[]) => runHostCommand(transport, argv, timeoutMs);

  /** Puts back what was there before (or nothing); returns a note for the error message. */
  async function restore(path: string, previous: Buffer | null): Promise<string> {
    try {
      if (previous === null) await transport.remove(path);
      else await transport.writeFile(path, previous);
      return previous === null ? 'the new fragment was removed' : 'the previous fragment was restored';
    } catch (error) {
      logger?.warn({ path, err: error }, 'nginx: restoring a fragment failed');
      return `restoring ${path} also failed (${describeError(error)}); fix it by hand`;
    }
  }

  async function reloadAfterRestore(path: string, previous: Buffer | null, detail: string): Promise<string> {
    const note = await restore(path, previous);
    const again = await run(reloadCommand);
    return again.ok
      ? `${detail}; ${note} and nginx reloaded`
      : `${detail}; ${note}, reloading again failed too: ${again.detail}`;
  }

  /** The htpasswd content the route needs: the file as it is when it already holds the credentials (no new salt, no change). */
  async function wantedAuth(
    slug: string,
    access: BasicCredentials,
  ): Promise<{ previous: Buffer | null; wanted: Buffer }> {
    const previous = await transport.readFile(authPath(slug));
    return {
      previous,
      wanted: previous && htpasswdAccepts(previous.toString(), access) ? previous : Buffer.from(renderHtpasswd(access)),
    };
  }

  /**
   * The htpasswd file exists exactly while the fragment names it (a proxied
   * route with credentials); nginx reads it on each request, so new
   * credentials apply without a reload.
   */
  async function applyRoute(
    slug: string,
    path: string,
    fragment: string,
    access: BasicCredentials | null,
    force = false,
  ): Promise<void> {
    const previous = await transport.readFile(path);
    const fragmentChanged = !previous?.equals(Buffer.from(fragment));
    const named = fragment.includes('auth_basic_user_file');
    const auth = access && named ? await wantedAuth(slug, access) : null;
    const authChanged = auth !== null && !auth.previous?.equals(auth.wanted);
    if (!fragmentChanged && !authChanged && !force) return;
    const started = Date.now();
    // nginx's workers run unprivileged and must read it; it holds a salted hash only.
    if (auth && authChanged) await transport.writeFile(authPath(slug), auth.wanted, 0o644);
    if (fragmentChanged || force) {
      await transport.writeFile(path, fragment);
      const tested = await run(testCommand);
      if (!tested.ok) {
        const note = await restore(path, previous);
        if (auth && authChanged) await restore(authPath(slug), auth.previous);
        throw new SandboxError(
          'load_balancer_failed',
          `routing ${slug} on ${where}: nginx rejected the configuration: ${tested.detail}; ${note}, the old route keeps serving`,
        );
      }
      const reloaded = await run(reloadCommand);
      if (!reloaded.ok) {
        const detail = await reloadAfterRestore(path, previous, reloaded.detail);
        if (auth && authChanged) await restore(authPath(slug), auth.previous);
        throw new SandboxError(
          'load_balancer_failed',
          `routing ${slug} on ${where}: reload failed: ${detail}; check that nginx runs and reload_command in sandbox.yml`,
        );
      }
      // Only once nginx no longer names the file.
      if (!named && previous?.includes('auth_basic_user_file')) await transport.remove(authPath(slug));
    }
    logger?.info({ slug, path, ms: Date.now() - started }, 'nginx: route applied');
  }

  async function removeRoute(slug: string, path: string): Promise<void> {
    const previous = await transport.readFile(path);
    if (previous === null) return;
    await transport.remove(path);
    const reloaded = await run(reloadCommand);
    if (!reloaded.ok) {
      // Keep the file while nginx still serves it, so a retry removes and reloads again.
      const detail = await reloadAfterRestore(path, previous, reloaded.detail);
      throw new SandboxError(
        'load_balancer_failed',
        `removing the route of ${slug} on ${where}: reload failed: ${detail}; check that nginx runs and reload_command in sandbox.yml`,
      );
    }
    if (previous.includes('auth_basic_user_file')) await transport.remove(authPath(slug));
    logger?.info({ slug, path }, 'nginx: route removed');
  }

  /** Transport failures (SSH down, permission denied) become load_balancer_failed with the context. */
  async function guarded(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isSandboxError(error)) throw error;
      throw new SandboxError('load_balancer_failed', `${what} on ${where}: ${describeError(error)}`, { cause: error });
    }
  }

  return {
    kind: 'nginx',
    useCertificate: (next) => serialize(() => guarded('rotating the certificate', () => rotateCertificate(next))),
    async apply(route: Route) {
      // Render (and so validate) before touching anything.
      const slug = checkRouteSlug(route.slug);
      const tls =
        options.tls && tlsFiles
          ? { listen: options.tls.listen, redirectHttp: options.tls.redirectHttp ?? false, ...tlsFiles }
          : null;
      const fragment = renderNginxFragment({
        route,
        listen: options.listen,
        preliminaryUrl: options.preliminaryUrl?.(slug) ?? null,
        authFile: authPath(slug),
        tls,
        sleep: options.sleep?.() ?? null,
      });
      const path = fragmentPath(slug);
      return serialize(() =>
        guarded(`routing ${slug}`, async () =>
          applyRoute(slug, path, fragment, route.access ?? null, (await installCertificate()).size > 0),
        ),
      );
    },
    async remove(slug: string) {
      const path = fragmentPath(checkRouteSlug(slug));
      return serialize(() => guarded(`removing the route of ${slug}`, () => removeRoute(slug, path)));
    },
    async listRoutes() {
      const prefix = options.namePrefix;
      const slugs: string[] = [];
      for (const name of await transport.listDir(options.configDir)) {
        if (!name.startsWith(prefix) || !name.endsWith('.conf')) continue;
        const slug = name.slice(prefix.length, -'.conf'.length);
        if (!checkSlug(slug).ok) continue;
        // Without a prefix only the marker tells our fragments from the operator's.
        if (prefix === '' && !(await isManaged(transport, posix.join(options.configDir, name)))) continue;
        slugs.push(slug);
      }
      return slugs.sort();
    },
    async check() {
      const tested = await run(testCommand);
      return {
        ok: tested.ok,
        detail: tested.ok ? `${where}: ${tested.detail || 'configuration ok'}` : `${where}: ${tested.detail}`,
      };
    },
  };
}

async function isManaged(transport: HostTransport, path: string): Promise<boolean> {
  const head = await transport.readFile(path, { maxBytes: managedMarker.length });
  return head?.toString() === managedMarker;
}
