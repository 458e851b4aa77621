import { z } from 'zod';
import { envBindings } from './load-config';
import { configSchema } from './schema';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  pattern?: string;
};

/** Renders docs/configuration.md from the schema; a test fails when the committed file drifts. */
export function renderConfigurationDocs(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = [];
  walk(schema, '', rows);
  const envByPath = new Map(envBindings.map((binding) => [binding.path.join('.'), binding.env]));
  envByPath.set('github.private_key', 'PRIVATE_KEY / PRIVATE_KEY_PATH');
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Sandbox Bot reads one YAML file, `SBX_CONFIG` (default `./sandbox.yml`, optional), and',
    'environment variables for secrets and the usual overrides. Unknown keys are errors.',
    'A bad file stops the boot with exit code 2 and one message listing every problem.',
    'See `sandbox.example.yml` for an annotated example; `npx sbx config check` prints the',
    'effective configuration with secrets masked.',
    '',
    'Durations are written as a number and a unit: `500ms`, `30s`, `5m`, `2h`, `14d`.',
    '',
    '| key | type | default | env | description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const [path, ...rest] = row.split('\u0000');
      const env = envByPath.get(path!.replace(/\[\]/g, '')) ?? '';
      return `| \`${path}\` | ${rest[0]} | ${rest[1]} | ${env ? `\`${env}\`` : ''} | ${rest[2]} |`;
    }),
    '',
  ].join('\n');
}

function walk(node: JsonSchema, path: string, rows: string[]): void {
  const concrete = node.anyOf?.find((option) => option.type !== 'null') ?? node;
  const nullable = node.anyOf?.some((option) => option.type === 'null') ?? false;
  if (concrete.type === 'object' && concrete.properties) {
    if (path)
      rows.push([path, 'mapping', '', escapeCell(node.description ?? concrete.description ?? '')].join('\u0000'));
    for (const [key, child] of Object.entries(concrete.properties)) walk(child, path ? `${path}.${key}` : key, rows);
    return;
  }
  if (
    concrete.type === 'array' &&
    concrete.items &&
    !Array.isArray(concrete.items) &&
    concrete.items.type === 'object' &&
    concrete.items.properties
  ) {
    rows.push(
      [path, 'list of mappings', formatDefault(node.default), escapeCell(node.description ?? '')].join('\u0000'),
    );
    for (const [key, child] of Object.entries(concrete.items.properties)) walk(child, `${path}[].${key}`, rows);
    return;
  }
  const options = node.anyOf?.filter((option) => option.type !== 'null') ?? [];
  const type = options.length > 1 ? options.map(typeName).join(' or ') : typeName(concrete);
  rows.push(
    [
      path,
      type + (nullable ? ' or null' : ''),
      formatDefault(node.default ?? concrete.default),
      escapeCell(node.description ?? concrete.description ?? ''),
    ].join('\u0000'),
  );
}

function typeName(node: JsonSchema): string {
  if (node.enum) return `one of ${node.enum.map((value) => `\`${String(value)}\``).join(', ')}`;
  if (node.type === 'array') {
    if (node.prefixItems) return `[${node.prefixItems.map(typeName).join(', ')}]`;
    const items = Array.isArray(node.items) ? node.items[0] : node.items;
    return `list of ${items ? typeName(items) : 'values'}`;
  }
  if (node.type === 'object')
    return node.additionalProperties && typeof node.additionalProperties === 'object'
      ? `mapping of ${typeName(node.additionalProperties)}`
      : 'mapping';
  if (node.type === 'string' && node.pattern?.includes('ms|s|m|h|d')) return 'duration';
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  return `\`${escapeCell(JSON.stringify(value))}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
