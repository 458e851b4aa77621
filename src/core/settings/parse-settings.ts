import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type YAMLError } from 'yaml';
import { defaultDenyPatterns } from './deny-list';
import type { SettingsBlock } from './extract-settings-block';
import { inspectSettingsTree, type TopLevelKey } from './inspect-settings-tree';
import { locateBlockStart, makeBodyLocator, type BodyLocator } from './locate-in-body';
import { describePosition, isSettingsMap, settingsLimits, type SettingsError, type SettingsMap } from './types';
import { settingsToJsOptions, settingsYamlOptions } from './yaml-options';

/** What a settings block holds: its mapping, or the errors that stop it from being used. */
export interface ParsedSettings {
  /** The block's mapping (`{}` when the block is empty or only comments); null when there are errors. */
  settings: SettingsMap | null;
  errors: SettingsError[];
  /** Where each top-level key stands in the body, for field errors. */
  topLevelKeys: ReadonlyMap<string, TopLevelKey>;
}

export interface ParseSettingsOptions {
  /** Deny patterns on top of the built-in list (global and repository configuration). */
  extraDenyPatterns?: readonly string[];
}

const noKeys: ReadonlyMap<string, TopLevelKey> = new Map();

/**
 * Reads a settings block as YAML (1.1, as Ansible and PyYAML read it) within
 * the limits in `settingsLimits`, and checks it against the deny-list. Never
 * throws: every problem comes back as a settings error placed in the PR body.
 */
export function parseSettings(block: SettingsBlock, options: ParseSettingsOptions = {}): ParsedSettings {
  const bytes = measureUtf8(block.text);
  if (bytes > settingsLimits.maxBlockBytes) {
    const position = { line: block.fenceLine, column: block.fenceColumn };
    const message =
      `settings block at ${describePosition(position)}: ${formatKiB(bytes)} is more than the ${formatKiB(settingsLimits.maxBlockBytes)} limit; ` +
      `keep PR settings short and move large values into the repository's default settings`;
    return failed([{ code: 'settings_too_large', message, ...position }]);
  }

  const lineCounter = new LineCounter();
  const locate = makeBodyLocator(block, lineCounter);
  let doc;
  try {
    doc = parseDocument(block.text, { ...settingsYamlOptions, lineCounter });
  } catch (error) {
    return failed([unexpected(error, block)]);
  }
  if (doc.errors.length > 0) return failed(describeYamlErrors(doc.errors, locate));

  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) {
    return { settings: {}, errors: [], topLevelKeys: noKeys };
  }
  if (!isMap(root)) return failed([notMapping(root, locate)]);

  const inspection = inspectSettingsTree(root, locate, [...defaultDenyPatterns, ...(options.extraDenyPatterns ?? [])]);
  if (inspection.fatal) return failed(inspection.errors);

  let value: unknown;
  try {
    value = doc.toJS(settingsToJsOptions);
  } catch (error) {
    // yaml signals its alias limit only by this message; missing and circular aliases were caught above.
    if (error instanceof ReferenceError && /alias count/i.test(error.message)) {
      const position = inspection.firstAlias ?? locateBlockStart(block);
      const message =
        `settings ${describePosition(position)}: aliases (*name) expand to too many values (the limit is ${settingsLimits.maxAliasCount}); ` +
        `write the values out, or repeat fewer of them`;
      return failed([{ code: 'settings_alias_limit', message, ...position }, ...inspection.errors]);
    }
    return failed([unexpected(error, block)]);
  }
  if (inspection.errors.length > 0) return failed(inspection.errors);
  if (!isSettingsMap(value)) return failed([notMapping(root, locate)]);
  return { settings: value, errors: [], topLevelKeys: inspection.topLevelKeys };
}

function failed(errors: SettingsError[]): ParsedSettings {
  const sorted = [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { settings: null, errors: sorted.slice(0, settingsLimits.maxErrors), topLevelKeys: noKeys };
}

const yamlFixes: Partial<Record<YAMLError['code'], string>> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MULTIPLE_DOCS: 'remove the "---" line: the block must be a single YAML document',
  MISSING_CHAR: 'close the quote or bracket that is left open',
  BAD_INDENT: 'line the keys of one mapping up at the same indentation',
};

/** The first syntax error (later ones are usually its echoes); duplicate keys are found by the tree walk. */
function describeYamlErrors(yamlErrors: readonly YAMLError[], locate: BodyLocator): SettingsError[] {
  const [first] = yamlErrors;
  if (!first) return [];
  const position = locate(first.pos[0]);
  const where = `settings ${describePosition(position)}`;
  if (first.code === 'RESOURCE_EXHAUSTION') {
    const message = `${where}: values are nested more than ${settingsLimits.maxDepth} levels deep; flatten the structure`;
    return [{ code: 'settings_too_deep', message, ...position }];
  }
  const fix = yamlFixes[first.code] ?? 'check the indentation and the quoting on that line';
  const detail = (first.message.split('\n')[0] ?? '').replace(/\.$/, '');
  return [{ code: 'settings_yaml', message: `${where}: YAML syntax error (${detail}); ${fix}`, ...position }];
}

function notMapping(root: Node, locate: BodyLocator): SettingsError {
  const position = locate(root.range?.[0] ?? 0);
  const what = isSeq(root) ? 'a list' : isScalar(root) ? 'a single value' : 'not a mapping';
  return {
    code: 'settings_not_mapping',
    message:
      `settings ${describePosition(position)}: the block is ${what}, but settings must be a mapping of names to values; ` +
      `write one "NAME: value" per line, e.g. "EDXAPP_FEATURES:" followed by indented "ALLOW_HIDING_DISCUSSION_TAB: true"`,
    ...position,
  };
}

function unexpected(error: unknown, block: SettingsBlock): SettingsError {
  const position = locateBlockStart(block);
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return {
    code: 'settings_yaml',
    message: `settings ${describePosition(position)}: the YAML could not be read (${detail}); simplify the block`,
    ...position,
  };
}

/** UTF-8 length of a string without allocating a buffer. */
function measureUtf8(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index += 1;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function formatKiB(bytes: number): string {
  const kib = bytes / 1024;
  return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
}
