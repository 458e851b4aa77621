import { assertSafeName } from '../../core/databases/database-names';
import type { DatabaseAdmin, DatabaseGrant, ServerCheck } from '../../core/databases/types';
import { describeError, parseAdminUrl } from './admin-url';

/**
 * RabbitMQ through its management HTTP API (the predecessor's calls): a vhost
 * and a user with permissions on that vhost only. Chosen over rabbitmqctl
 * because it needs no shell on the broker's machine nor its Erlang cookie,
 * works with hosted brokers, and is plain HTTP from the bot.
 */
export function createRabbitmqAdmin(url: string, amqpUrl: string | null): DatabaseAdmin {
  const admin = parseAdminUrl(url, 15672);
  const target = admin.hosts[0]!;
  const base = `${admin.protocol}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/api`;
  const authorization = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
  const broker = amqpUrl ? parseAdminUrl(amqpUrl, amqpUrl.startsWith('amqps:') ? 5671 : 5672) : null;

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status >= 400 && response.status !== 404)
      throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : null };
  };
  const vhostPath = (vhost: string) => `/vhosts/${encodeURIComponent(vhost)}`;
  const userPath = (user: string) => `/users/${encodeURIComponent(user)}`;

  return {
    async ensure(grant: DatabaseGrant) {
      const created: string[] = [];
      const found: string[] = [];
      const vhost = assertSafeName(grant.names[0]!);
      const user = assertSafeName(grant.user);
      if ((await call('GET', vhostPath(vhost))).status === 404) {
        await call('PUT', vhostPath(vhost), {});
        created.push(`vhost ${vhost}`);
      } else found.push(`vhost ${vhost}`);
      const had = (await call('GET', userPath(user))).status !== 404;
      // PUT sets the password either way: the recorded one is the one that works.
      await call('PUT', userPath(user), { password: grant.password, tags: '' });
      (had ? found : created).push(`user ${user}`);
      await call('PUT', `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
        configure: '.*',
        write: '.*',
        read: '.*',
      });
      return { created, found };
    },

    async drop(grant: DatabaseGrant) {
      const dropped: string[] = [];
      const absent: string[] = [];
      const vhost = assertSafeName(grant.names[0]!);
      const user = assertSafeName(grant.user);
      ((await call('DELETE', vhostPath(vhost))).status === 404 ? absent : dropped).push(`vhost ${vhost}`);
      ((await call('DELETE', userPath(user))).status === 404 ? absent : dropped).push(`user ${user}`);
      return { dropped, absent };
    },

    endpoint: () => ({
      hosts: broker ? broker.hosts.slice(0, 1) : [{ host: target.host, port: 5672 }],
      tls: broker?.protocol === 'amqps',
      options: {},
    }),

    async check(): Promise<ServerCheck[]> {
      try {
        const whoami = (await call('GET', '/whoami')).json as { name?: string; tags?: string | string[] } | null;
        const overview = (await call('GET', '/overview')).json as { rabbitmq_version?: string } | null;
        const tags = Array.isArray(whoami?.tags) ? whoami.tags : String(whoami?.tags ?? '').split(',');
        const results: ServerCheck[] = [
          {
            status: 'ok',
            detail: `management API at ${target.host}:${target.port} as ${whoami?.name ?? admin.user} (RabbitMQ ${overview?.rabbitmq_version ?? '?'})`,
          },
        ];
        results.push(
          tags.includes('administrator')
            ? { status: 'ok', detail: 'may create virtual hosts and users (administrator)' }
            : {
                status: 'fail',
                detail: `the admin user has tags [${tags.join(', ')}], not administrator: it cannot create vhosts and users`,
                hint: 'rabbitmqctl set_user_tags <user> administrator',
              },
        );
        if (!broker)
          results.push({
            status: 'ok',
            detail: `sandboxes connect to amqp://${target.host}:5672 (set amqp_url to change)`,
          });
        return results;
      } catch (error) {
        return [
          {
            status: 'fail',
            detail: `cannot reach the management API at ${target.host}:${target.port}: ${describeError(error)}`,
            hint: 'enable the rabbitmq_management plugin and check the admin URL',
          },
        ];
      }
    },
  };
}
