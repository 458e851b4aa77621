/**
 * Reads the settings of a 1 MB PR body: mostly prose, a settings block in the
 * middle, the domain line with a database marker near the end. Goal: under
 * 50 ms (issue 3). Two blocks: a typical one (about 40 lines) and the largest
 * one accepted (64 KiB), where the YAML parser itself dominates.
 */
import type { BenchResult } from '../run';
import { chooseDatabaseMode, readPrSettings } from '../../src/core/settings';

const runs = 50;
const domain = 'pr42-edx-platform.sandbox.example.com';

function makeBody(targetBytes: number, blockBytes: number): string {
  const prose = 'This change reworks the course outline so that sections load lazily; see the screenshots below.\n';
  const lines = [
    'EDXAPP_FEATURES:',
    '  ALLOW_HIDING_DISCUSSION_TAB: true',
    '  ENABLE_COURSEWARE_MICROFRONTEND: yes',
    'openedx_release: open-release/quince.1',
  ];
  for (let i = 0; lines.join('\n').length < blockBytes - 200; i += 1) {
    lines.push(`SETTING_${i}:`, `  enabled: true`, `  values: [a, b, c]`, `  name: "setting ${i}"`);
  }
  const settings = ['## Settings', '', '```yaml', ...lines, '```', ''].join('\n');
  const half = Math.floor((targetBytes - settings.length) / 2 / prose.length);
  return `${prose.repeat(half)}${settings}${prose.repeat(half)}Test it here: ${domain} (persistent databases)\n`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function measure(body: string): { p50: number; p99: number; max: number } {
  const crlf = body.replace(/\n/g, '\r\n');
  for (let i = 0; i < 5; i += 1) readPrSettings(body); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const input = i % 2 === 0 ? body : crlf;
    const started = performance.now();
    const result = readPrSettings(input);
    chooseDatabaseMode({
      settings: result.settings ?? {},
      body: input,
      domain,
      repositoryDefault: null,
      globalDefault: true,
    });
    times.push(performance.now() - started);
    if (result.errors.length > 0 || result.settings === null)
      throw new Error(`unexpected settings errors: ${JSON.stringify(result.errors)}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] ?? Number.NaN };
}

export default async function settingsParse(): Promise<BenchResult> {
  const typical = makeBody(1024 * 1024, 1500);
  const largest = makeBody(1024 * 1024, 64 * 1024 - 100);
  const a = measure(typical);
  const b = measure(largest);
  return {
    metrics: {
      body_bytes: Buffer.byteLength(typical),
      runs,
      typical_block_bytes: (readPrSettings(typical).block ?? '').length,
      p50_ms: a.p50,
      p99_ms: a.p99,
      max_ms: a.max,
      largest_block_bytes: (readPrSettings(largest).block ?? '').length,
      largest_block_p50_ms: b.p50,
      largest_block_p99_ms: b.p99,
      largest_block_max_ms: b.max,
      goal_ms: 50,
    },
    notes:
      'readPrSettings + chooseDatabaseMode on a 1 MB body, LF and CRLF alternately (with 50 runs, p99 is the slowest run)',
  };
}
