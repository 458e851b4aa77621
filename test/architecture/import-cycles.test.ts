import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from '../support/import-graph';

const root = join(import.meta.dirname, '..', '..');

describe('the layers of src (docs/architecture.md)', () => {
  it('have no import cycles, type-only imports included: a shared contract gets a file of its own', () => {
    expect(importCycles(importGraph(join(root, 'src')), root)).toEqual([]);
  });

  it('the cycle finder finds a cycle', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ]);
    expect(importCycles(graph, '/')).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
