import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The directory holding this project's package.json (works from src/ and from a compiled dist/). */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = import.meta.dirname;
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sandbox-bot'
    ) {
      cached = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the sandbox-bot project root (package.json) above ' + import.meta.dirname);
}
