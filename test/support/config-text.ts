import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import type { Config } from '../../src/config/schema';

/** Writes `yaml` as sandbox.yml in a fresh directory and loads it as the bot and `sbx config check` do. */
export function loadConfigText(yaml: string, env: Record<string, string> = {}): Config {
  const cwd = mkdtempSync(join(tmpdir(), 'sbx-config-'));
  writeFileSync(join(cwd, 'sandbox.yml'), yaml);
  return loadConfig({ cwd, env });
}

/** The problems listed by the ConfigError that `run` throws; anything else thrown, or nothing, fails the test. */
export function configProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
