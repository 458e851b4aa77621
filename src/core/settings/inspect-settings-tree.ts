import { isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { makeDenyMatcher } from './deny-list';
import type { BodyLocator } from './locate-in-body';
import { describePosition, settingsLimits, type BodyPosition, type SettingsError } from './types';

/** Where a top-level key of the block stands, and the source text of its value when that is a plain scalar. */
export interface TopLevelKey {
  position: BodyPosition;
  /** The scalar as written (`1.10`, not the number 1.1); null for mappings, lists and aliases. */
  valueSource: string | null;
}

export interface TreeInspection {
  errors: SettingsError[];
  /** Errors that make the document unusable (nesting, aliases); denied keys are reported but not fatal to reading. */
  fatal: boolean;
  topLevelKeys: Map<string, TopLevelKey>;
  /** The first alias in the block, where an alias-limit error points. */
  firstAlias: BodyPosition | null;
}

type Frame =
  | { kind: 'enter'; node: Node; parentDepth: number; path: string; keyOf: Pair | null; siblings?: Set<string> }
  | { kind: 'exit'; node: Node; children: Node[] };

/**
 * One walk over the parsed block, in document order and without recursion:
 * nesting depth (counting what aliases bring in), aliases that point nowhere
 * or at their own container, duplicate keys, and keys on the deny-list. Linear in the size of
 * the tree: aliases are measured, never expanded.
 */
export function inspectSettingsTree(root: Node, locate: BodyLocator, denyPatterns: readonly string[]): TreeInspection {
  const errors: SettingsError[] = [];
  const topLevelKeys = new Map<string, TopLevelKey>();
  const heights = new Map<Node, number>();
  const anchors = new Map<string, Node>();
  const open = new Set<Node>();
  const findDenyingPattern = makeDenyMatcher(denyPatterns);
  let fatal = false;
  let firstAlias: BodyPosition | null = null;
  let tooDeepReported = false;
  const at = (node: Node) => locate(node.range?.[0] ?? 0);
  const reportTooDeep = (node: Node) => {
    fatal = true;
    if (tooDeepReported) return;
    tooDeepReported = true;
    const position = at(node);
    errors.push({
      code: 'settings_too_deep',
      message: `settings ${describePosition(position)}: values are nested more than ${settingsLimits.maxDepth} levels deep; flatten the structure`,
      ...position,
    });
  };

  const stack: Frame[] = [{ kind: 'enter', node: root, parentDepth: 0, path: '', keyOf: null }];
  while (stack.length > 0 && errors.length < settingsLimits.maxErrors) {
    const frame = stack.pop() as Frame;
    if (frame.kind === 'exit') {
      open.delete(frame.node);
      let tallest = 0;
      for (const child of frame.children) tallest = Math.max(tallest, heights.get(child) ?? 0);
      heights.set(frame.node, 1 + tallest);
      continue;
    }
    const { node, parentDepth, path, keyOf } = frame;
    if (keyOf) checkKey(keyOf, node, parentDepth, path, frame.siblings);
    if (isAlias(node)) {
      inspectAlias(node.source, node, parentDepth);
      continue;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (!isMap(node) && !isSeq(node)) continue;
    const depth = parentDepth + 1;
    if (depth > settingsLimits.maxDepth) {
      reportTooDeep(node);
      continue;
    }
    open.add(node);
    const children: Frame[] = [];
    const childNodes: Node[] = [];
    const siblings = isMap(node) ? new Set<string>() : undefined;
    node.items.forEach((item: unknown, index: number) => {
      if (isPair(item)) {
        const name = keyName(item.key);
        const childPath = isMap(node) ? joinPath(path, name) : `${path}[${index}]`;
        if (isNodeLike(item.key))
          children.push({ kind: 'enter', node: item.key, parentDepth: depth, path: childPath, keyOf: item, siblings });
        if (isNodeLike(item.value))
          children.push({ kind: 'enter', node: item.value, parentDepth: depth, path: childPath, keyOf: null });
        for (const part of [item.key, item.value]) if (isNodeLike(part)) childNodes.push(part);
      } else if (isNodeLike(item)) {
        children.push({ kind: 'enter', node: item, parentDepth: depth, path: `${path}[${index}]`, keyOf: null });
        childNodes.push(item);
      }
    });
    stack.push({ kind: 'exit', node, children: childNodes });
    for (let index = children.length - 1; index >= 0; index -= 1) stack.push(children[index] as Frame);
  }
  return { errors, fatal, topLevelKeys, firstAlias };

  function inspectAlias(source: string, node: Node, parentDepth: number): void {
    const target = anchors.get(source);
    const position = at(node);
    firstAlias ??= position;
    if (!target || open.has(target)) {
      fatal = true;
      const fix = target
        ? `*${source} points at a value that contains it; a value cannot include itself`
        : `*${source} is used before any &${source} defines it; define the anchor first or write the value out`;
      errors.push({ code: 'settings_yaml', message: `settings ${describePosition(position)}: ${fix}`, ...position });
      return;
    }
    const height = heights.get(target) ?? 0;
    heights.set(node, height);
    if (parentDepth + height > settingsLimits.maxDepth) reportTooDeep(node);
  }

  function checkKey(
    pair: Pair,
    keyNode: Node,
    mapDepth: number,
    path: string,
    siblings: Set<string> | undefined,
  ): void {
    if (isMergeKey(keyNode)) return;
    const name = keyName(keyNode);
    const position = at(keyNode);
    // Checked here rather than with yaml's uniqueKeys, which compares every pair with every other.
    if (siblings?.has(name)) {
      errors.push({
        code: 'settings_duplicate_key',
        message: `settings ${describePosition(position)}: the key "${name}" is set twice in the same mapping; keep only one of them`,
        ...position,
      });
      return;
    }
    siblings?.add(name);
    if (mapDepth === 1 && !topLevelKeys.has(name)) {
      const value = pair.value;
      topLevelKeys.set(name, {
        position,
        valueSource: isScalar(value) && typeof value.source === 'string' ? value.source : null,
      });
    }
    const pattern = findDenyingPattern(name, path);
    if (pattern === null) return;
    errors.push({
      code: 'settings_denied_key',
      message:
        `settings ${describePosition(position)}: "${path}" may not be set from a pull request (it matches the deny-list entry "${pattern}"); ` +
        `remove it, or ask an operator to set it in the repository's default settings`,
      ...position,
    });
  }
}

function isNodeLike(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

function isMergeKey(node: Node): boolean {
  if (!isScalar(node)) return false;
  const value: unknown = node.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

/** The key as it ends up in the JavaScript object. */
function keyName(key: unknown): string {
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  if (key === null || key === undefined) return '';
  return String(key);
}

function joinPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
