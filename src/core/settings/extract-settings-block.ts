import { splitLines } from './split-lines';

/** A settings block found in a PR body. */
export interface SettingsBlock {
  /** The YAML text: the lines between the fences, joined with LF, ending in LF unless empty. */
  text: string;
  /** 1-based body line and column of the opening fence. */
  fenceLine: number;
  fenceColumn: number;
  /** 1-based body line of the block's first line (the line after the opening fence). */
  firstLine: number;
  /** For each block line, how many leading spaces were removed (an indented fence's indentation). */
  removedIndent: number[];
}

/** What a PR body holds: no settings, a settings block, or a block whose fence is never closed. */
export type ExtractedSettings =
  | { kind: 'none' }
  | { kind: 'block'; block: SettingsBlock }
  | { kind: 'unclosed'; fenceLine: number; fenceColumn: number; fence: string };

interface Fence {
  char: '`' | '~';
  length: number;
  indent: number;
  info: string;
}

// A settings heading is short; anything longer is prose that happens to mention settings.
const maxHeadingLength = 64;
const emphasisMarkers = ['**', '__', '*', '_'] as const;
const yamlInfoStrings = new Set(['', 'yaml', 'yml']);

/**
 * Finds the first settings block in a PR body: a settings heading (`**Settings**`,
 * `## Settings`, `Settings:` …, any case), optional blank lines, then a fenced
 * block (``` or ~~~) whose info string is empty, `yaml` or `yml`. Scans lines
 * once; never throws.
 */
export function extractSettingsBlock(body: string | null | undefined): ExtractedSettings {
  if (typeof body !== 'string' || body.length === 0) return { kind: 'none' };
  const lines = splitLines(body);
  for (let index = 0; index < lines.length; index += 1) {
    if (!isSettingsHeading(lines[index] ?? '')) continue;
    let fenceIndex = index + 1;
    while (fenceIndex < lines.length && (lines[fenceIndex] ?? '').trim() === '') fenceIndex += 1;
    const fence = fenceIndex < lines.length ? parseFenceOpening(lines[fenceIndex] ?? '') : null;
    if (!fence || !yamlInfoStrings.has(firstWord(fence.info))) continue;
    return readFencedBlock(lines, fenceIndex, fence);
  }
  return { kind: 'none' };
}

/** True for a line that introduces the settings block, e.g. `**Settings**`, `### settings:`, `Settings:`. */
export function isSettingsHeading(line: string): boolean {
  let text = line.trim();
  if (text.length === 0 || text.length > maxHeadingLength) return false;
  if (text.startsWith('#')) {
    let level = 0;
    while (text[level] === '#') level += 1;
    if (level > 6) return false;
    text = text.slice(level).trim();
    let end = text.length;
    while (end > 0 && text[end - 1] === '#') end -= 1;
    if (end < text.length && (end === 0 || text[end - 1] === ' ' || text[end - 1] === '\t'))
      text = text.slice(0, end).trim();
  }
  text = stripColon(text);
  text = stripEmphasis(text);
  text = stripColon(text);
  return text.toLowerCase() === 'settings';
}

function stripColon(text: string): string {
  return text.endsWith(':') ? text.slice(0, -1).trim() : text;
}

function stripEmphasis(text: string): string {
  for (const marker of emphasisMarkers) {
    if (text.length > marker.length * 2 && text.startsWith(marker) && text.endsWith(marker)) {
      return text.slice(marker.length, -marker.length).trim();
    }
  }
  return text;
}

function firstWord(info: string): string {
  const space = info.search(/\s/);
  return (space === -1 ? info : info.slice(0, space)).toLowerCase();
}

function parseFenceOpening(line: string): Fence | null {
  const indent = countLeadingSpaces(line);
  if (indent > 3) return null;
  const char = line[indent];
  if (char !== '`' && char !== '~') return null;
  let end = indent;
  while (line[end] === char) end += 1;
  if (end - indent < 3) return null;
  const info = line.slice(end).trim();
  if (char === '`' && info.includes('`')) return null;
  return { char, length: end - indent, indent, info };
}

function isClosingFence(line: string, fence: Fence): boolean {
  const indent = countLeadingSpaces(line);
  if (indent > 3) return false;
  let end = indent;
  while (line[end] === fence.char) end += 1;
  return end - indent >= fence.length && line.slice(end).trim() === '';
}

function readFencedBlock(lines: string[], fenceIndex: number, fence: Fence): ExtractedSettings {
  const content: string[] = [];
  const removedIndent: number[] = [];
  for (let index = fenceIndex + 1; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (isClosingFence(line, fence)) {
      return {
        kind: 'block',
        block: {
          text: content.length === 0 ? '' : content.join('\n') + '\n',
          fenceLine: fenceIndex + 1,
          fenceColumn: fence.indent + 1,
          firstLine: fenceIndex + 2,
          removedIndent,
        },
      };
    }
    // Content lines lose up to the fence's own indentation, as in CommonMark.
    const removed = Math.min(fence.indent, countLeadingSpaces(line));
    content.push(line.slice(removed));
    removedIndent.push(removed);
  }
  return {
    kind: 'unclosed',
    fenceLine: fenceIndex + 1,
    fenceColumn: fence.indent + 1,
    fence: fence.char.repeat(fence.length),
  };
}

function countLeadingSpaces(line: string): number {
  let count = 0;
  while (line[count] === ' ') count += 1;
  return count;
}
