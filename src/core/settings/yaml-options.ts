import type { ParseOptions, DocumentOptions, SchemaOptions, Tags } from 'yaml';
import { settingsLimits } from './types';

// Settings end up in Ansible vars files and were read by the predecessor with
// PyYAML: both speak YAML 1.1. yaml's 1.1 schema is a little wider than PyYAML
// (it reads `y`/`n` as booleans, `1e3` as a number, dates as Date objects), so
// the scalar rules below follow PyYAML, and types that are not plain data
// (binary, set, omap, pairs, timestamp) stay strings.
const droppedTags = new Set(['binary', 'omap', 'pairs', 'set', 'timestamp'].map((name) => `tag:yaml.org,2002:${name}`));
const pyyamlTrue = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const pyyamlFalse = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const pyyamlInt = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const pyyamlFloat = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+][0-9]+)?$/;

function adjustTags(tags: Tags): Tags {
  const adjusted: Tags = [];
  for (const tag of tags) {
    if (typeof tag === 'string') {
      adjusted.push(tag);
      continue;
    }
    if (droppedTags.has(tag.tag)) continue;
    if (!('test' in tag) || !tag.test) {
      adjusted.push(tag);
    } else if (tag.tag === 'tag:yaml.org,2002:bool') {
      adjusted.push({ ...tag, test: tag.identify?.(true) ? pyyamlTrue : pyyamlFalse });
    } else if (tag.tag === 'tag:yaml.org,2002:int' && tag.format === undefined) {
      adjusted.push({ ...tag, test: pyyamlInt });
    } else if (tag.tag === 'tag:yaml.org,2002:float' && tag.format === 'EXP') {
      continue; // folded into the plain float rule, which needs a dot as in PyYAML
    } else if (tag.tag === 'tag:yaml.org,2002:float' && tag.format === undefined && tag.test.test('1.5')) {
      adjusted.push({ ...tag, test: pyyamlFloat });
    } else {
      adjusted.push(tag);
    }
  }
  return adjusted;
}

/** Options for yaml's `parseDocument` when reading a settings block. */
export const settingsYamlOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: adjustTags,
  // Duplicate keys are found by inspectSettingsTree in linear time; yaml's own check is quadratic.
  uniqueKeys: false,
  prettyErrors: false,
  logLevel: 'error',
};

/** Options for `doc.toJS()`: the alias limit is what stops YAML bombs. */
export const settingsToJsOptions = { maxAliasCount: settingsLimits.maxAliasCount } as const;
