import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { freePort, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';

// No container runtime runs on these machines: the image is never built here. These tests check what a build
// would rely on: the final stage's essentials, and that the files it copies are enough to run the bot.

const root = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** The instructions of each stage, with continuation lines joined and comments dropped. */
function stages(text: string): Instruction[][] {
  const joined = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Instruction[][] = [];
  for (const line of joined) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const final = stages(dockerfile).at(-1)!;
const last = (keyword: string) => final.filter((i) => i.keyword === keyword).at(-1)?.args ?? null;
/** Paths the final stage copies from the build context (not from another stage). */
const copiedFromContext = final
  .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
  .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

describe('Dockerfile', () => {
  it('is multi-stage, installs production dependencies only, and runs as a user that is not root', () => {
    expect(stages(dockerfile).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const user = last('USER');
    expect(user).not.toBeNull();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
  });

  it('checks /healthz, and starts the whole bot by default through an init that passes signals on', () => {
    expect(last('HEALTHCHECK')).toContain('/healthz');
    expect(JSON.parse(last('ENTRYPOINT')!)).toEqual(['tini', '--', 'node', 'bin/sbx.js']);
    expect(JSON.parse(last('CMD')!)).toEqual(['start']);
    expect(final.find((i) => i.keyword === 'ENV')?.args).toContain('HOST=0.0.0.0');
  });

  it('no file the image runs imports a devDependency (the image has none)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const devOnly = Object.keys(manifest.devDependencies);
    const offenders: string[] = [];
    const visit = (path: string) => {
      if (statSync(path).isDirectory()) return readdirSync(path).forEach((entry) => visit(join(path, entry)));
      if (!/\.(ts|js|mjs)$/.test(path)) return;
      for (const match of readFileSync(path, 'utf8').matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
        const name = match[1]!.startsWith('@') ? match[1]!.split('/').slice(0, 2).join('/') : match[1]!.split('/')[0]!;
        // `import type` lines vanish at run time.
        const line = match.input.slice(match.input.lastIndexOf('\n', match.index) + 1, match.index);
        if (devOnly.includes(name) && !/^\s*import type\b/.test(line) && !/^\s*export type\b/.test(line))
          offenders.push(`${path}: ${name}`);
      }
    };
    for (const path of copiedFromContext.filter((p) => !p.endsWith('.json') && !p.endsWith('.yml')))
      visit(join(root, path));
    expect(offenders).toEqual([]);
  });

  describe('the files it copies', () => {
    let image: string;
    let database: Database;
    let bot: SbxProcess | undefined;
    beforeAll(async () => {
      image = mkdtempSync(join(tmpdir(), 'sbx-image-'));
      for (const path of copiedFromContext) cpSync(join(root, path), join(image, path), { recursive: true });
      // Stands in for the deps stage's node_modules.
      symlinkSync(join(root, 'node_modules'), join(image, 'node_modules'));
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await bot?.stop();
      await database?.close();
      rmSync(image, { recursive: true, force: true });
    });

    it('run the CLI, migrate a database, serve /healthz, and pass the HEALTHCHECK command', async () => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: image,
        SBX_DATA_DIR: join(image, 'data'),
        DATABASE_URL: database.url,
        LOG_LEVEL: 'warn',
      };
      const help = spawnSync(process.execPath, ['bin/sbx.js', '--help'], { cwd: image, env, encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('start');
      const migrate = spawnSync(process.execPath, ['bin/sbx.js', 'migrate'], { cwd: image, env, encoding: 'utf8' });
      expect(migrate.stderr).toBe('');
      expect(migrate.status).toBe(0);

      const port = await freePort();
      bot = spawnSbx(['web'], { ...env, PORT: String(port) }, image);
      await waitForStatus(`http://127.0.0.1:${port}/healthz`);
      const [command, ...args] = JSON.parse(last('HEALTHCHECK')!.replace(/^.*?CMD\s+/, '')) as string[];
      expect(command).toBe('node');
      const check = spawnSync(process.execPath, args, {
        env: { ...env, PORT: String(port) },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(check.status).toBe(0);
    }, 60_000);
  });
});

describe('compose.yaml', () => {
  it('runs the image against its own PostgreSQL with a health check', () => {
    const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8')) as {
      services: Record<
        string,
        {
          image?: string;
          build?: string;
          environment?: Record<string, string>;
          depends_on?: Record<string, { condition: string }>;
        }
      >;
    };
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(compose.services.bot?.build).toBe('.');
    expect(compose.services.bot?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(compose.services.bot?.depends_on?.postgres?.condition).toBe('service_healthy');
  });
});
