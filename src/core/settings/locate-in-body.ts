import type { LineCounter } from 'yaml';
import type { SettingsBlock } from './extract-settings-block';
import type { BodyPosition } from './types';

/** Maps an offset in the block text to a 1-based line and column in the PR body. */
export type BodyLocator = (offset: number) => BodyPosition;

/** Builds the locator for one block, from yaml's line counter over the block text. */
export function makeBodyLocator(block: SettingsBlock, lineCounter: LineCounter): BodyLocator {
  return (offset) => {
    const { line, col } = lineCounter.linePos(Math.max(0, offset));
    return {
      line: block.firstLine + line - 1,
      column: col + (block.removedIndent[line - 1] ?? 0),
    };
  };
}

/** The place of the block's first line in the PR body. */
export function locateBlockStart(block: SettingsBlock): BodyPosition {
  return { line: block.firstLine, column: 1 + (block.removedIndent[0] ?? 0) };
}
