/**
 * Where people reach sandboxes: the scheme of the bot's public URL, and the
 * port the load balancer listens on when it is not the scheme's default. With
 * the builtin load balancer the bot's own server answers sandbox domains, so
 * that is its public port (`http://pr42-app.localhost:3000`); nginx listens
 * on `load_balancer.nginx.listen`.
 */
export interface SandboxLinks {
  publicUrl: string;
  /** Port sandbox domains are served on; null: the scheme's default port. */
  sandboxPort: number | null;
}

/** Browser URLs of a sandbox's domains; each works when pasted. */
export function sandboxUrls(domains: readonly string[], links: SandboxLinks): string[] {
  const { protocol } = new URL(links.publicUrl);
  const defaultPort = protocol === 'https:' ? 443 : 80;
  const port = links.sandboxPort !== null && links.sandboxPort !== defaultPort ? `:${links.sandboxPort}` : '';
  return domains.map((domain) => `${protocol}//${domain}${port}`);
}

/** The status page of a sandbox on the bot's web server. */
export function statusPageUrl(publicUrl: string, slug: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/sandboxes/${encodeURIComponent(slug)}`;
}
