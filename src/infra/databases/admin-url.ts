/** The parts of an admin URL (`mysql://root:pw@db:3306`), credentials decoded. */
export interface AdminUrl {
  hosts: { host: string; port: number }[];
  user: string;
  password: string;
  params: URLSearchParams;
  protocol: string;
}

/** Parses `scheme://user:pw@host[:port][,host2[:port]]/…?…`; several hosts only where the scheme allows them (MongoDB). */
export function parseAdminUrl(text: string, defaultPort: number): AdminUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)([^?]*)(?:\?(.*))?$/i.exec(text.trim());
  if (!match) throw new Error('the admin URL is not of the form scheme://user:password@host:port');
  const [, protocol, user = '', password = '', authority] = match as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
    string,
  ];
  const hosts = authority.split(',').map((part) => {
    const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(part);
    if (!hostPort) throw new Error(`the admin URL has an invalid host "${part}"`);
    return { host: hostPort[1]!.replace(/^\[|\]$/g, ''), port: hostPort[2] ? Number(hostPort[2]) : defaultPort };
  });
  return {
    protocol: protocol.toLowerCase(),
    hosts,
    user: decodeURIComponent(user),
    password: decodeURIComponent(password),
    params: new URLSearchParams(match[6] ?? ''),
  };
}

export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));
