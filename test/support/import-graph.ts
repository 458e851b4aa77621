import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const importPattern = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every .ts file under `root` and the files it imports relatively (type-only imports included, as madge counts them). */
export function importGraph(root: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(resolve(path));
    }
  };
  walk(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imports: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const base = resolve(dirname(file), match[1]!);
      const target = [`${base}.ts`, join(base, 'index.ts'), base].find(
        (candidate) => known.has(candidate) && existsSync(candidate),
      );
      if (target) imports.push(target);
    }
    graph.set(file, imports);
  }
  return graph;
}

/** The import cycles: strongly connected groups of more than one file (or a file importing itself), as paths relative to `cwd`. */
export function importCycles(graph: Map<string, string[]>, cwd = process.cwd()): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (file: string) => {
    indices.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!indices.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, indices.get(next)!));
    }
    if (low.get(file) !== indices.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || (graph.get(file) ?? []).includes(file))
      cycles.push(group.map((path) => relative(cwd, path)).sort());
  };
  for (const file of graph.keys()) if (!indices.has(file)) connect(file);
  return cycles;
}
