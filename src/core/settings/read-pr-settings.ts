import { extractSettingsBlock } from './extract-settings-block';
import type { TopLevelKey } from './inspect-settings-tree';
import { parseSettings, type ParseSettingsOptions } from './parse-settings';
import { describePosition, type SettingsError, type SettingsMap } from './types';

/** A PR body's settings, as every surface sees them. */
export interface PrSettings {
  /** The extracted YAML text; null when the body has no settings block (or its fence is never closed). */
  block: string | null;
  /** The block's mapping; `{}` when there is no block; null when there are errors. */
  settings: SettingsMap | null;
  errors: SettingsError[];
  topLevelKeys: ReadonlyMap<string, TopLevelKey>;
}

/**
 * Finds and reads the settings block of a PR body. A null or empty body, or a
 * body without a settings heading, means "no settings" (not an error).
 */
export function readPrSettings(body: string | null | undefined, options: ParseSettingsOptions = {}): PrSettings {
  const extracted = extractSettingsBlock(body);
  if (extracted.kind === 'none') return { block: null, settings: {}, errors: [], topLevelKeys: new Map() };
  if (extracted.kind === 'unclosed') {
    const position = { line: extracted.fenceLine, column: extracted.fenceColumn };
    const error: SettingsError = {
      code: 'settings_unclosed_fence',
      message:
        `settings block at ${describePosition(position)}: the ${extracted.fence} fence that opens it is never closed; ` +
        `add a line with ${extracted.fence} after the last setting`,
      ...position,
    };
    return { block: null, settings: null, errors: [error], topLevelKeys: new Map() };
  }
  const parsed = parseSettings(extracted.block, options);
  return { block: extracted.block.text, ...parsed };
}
