/**
 * sandbox.yml pieces that many tests and benchmarks write the same way. Each returns YAML lines at the indentation
 * its place in the file wants, to be put into a template between the lines that make that test's case; keys a
 * caller passes are added to the block or replace a default, in the order given.
 */

type Keys = Record<string, string | number>;

const lines = (indent: number, keys: Keys): string[] =>
  Object.entries(keys).map(([key, value]) => `${' '.repeat(indent)}${key}: ${value}`);

/**
 * A `repositories:` item deploying test/fixtures/sample-app (see sample-repo.ts) with its no-op recipe: the deploy
 * records the commit it built in built-commit.txt, the app answers /healthz. Other keys of the item (quotas,
 * trigger, ttl…) go on lines after it, at four spaces.
 */
export function sampleRepositoryYml(name: string, url: string, script: Keys = {}): string {
  const recipe = {
    deploy: 'git rev-parse HEAD > built-commit.txt',
    start: 'exec node server.mjs',
    health_path: '/healthz',
  };
  return [`  - name: ${name}`, `    url: ${url}`, '    script:', ...lines(6, { ...recipe, ...script })].join('\n');
}

/** A `repositories:` item that is never cloned or built: its URL leads nowhere, its deploy does nothing, its start idles. */
export function idleRepositoryYml(name: string, script: Keys = {}): string {
  const url = `file:///nonexistent/${name.split('/').at(-1)}.git`;
  const recipe = { deploy: '"true"', start: 'exec sleep 60' };
  return [`  - name: ${name}`, `    url: ${url}`, '    script:', ...lines(6, { ...recipe, ...script })].join('\n');
}

/** `compute:` on the bot's own machine, working under `workRoot` (`local` keys such as `port_range` or `run_as` added). */
export function localComputeYml(workRoot: string, local: Keys = {}): string {
  return ['compute:', '  local:', ...lines(4, { work_root: workRoot, ...local })].join('\n');
}

/** `github:` for the bot as a GitHub App against a fake GitHub API at `host` (plain HTTP, no throttling). */
export function fakeGitHubAppYml(host: string, webhookSecret: string, privateKey: string, github: Keys = {}): string {
  const key = privateKey
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`);
  return [
    'github:',
    ...lines(2, {
      app_id: '"1"',
      webhook_secret: webhookSecret,
      ghe_host: host,
      ghe_protocol: 'http',
      app_slug: 'sandbox-bot',
      throttle: 'false',
      ...github,
    }),
    '  private_key: |',
    ...key,
  ].join('\n');
}
