/**
 * Browser URLs of a sandbox's domains. They take the scheme of the bot's
 * public URL; with the builtin load balancer the bot's own server answers
 * them, so its port as well (`http://pr42-app.localhost:3000`).
 */
export function sandboxUrls(domains: readonly string[], options: { publicUrl: string; builtinLoadBalancer: boolean }): string[] {
  const base = new URL(options.publicUrl);
  const port = options.builtinLoadBalancer && base.port ? `:${base.port}` : '';
  return domains.map((domain) => `${base.protocol}//${domain}${port}`);
}

/** The status page of a sandbox on the bot's web server. */
export function statusPageUrl(publicUrl: string, slug: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/sandboxes/${encodeURIComponent(slug)}`;
}
