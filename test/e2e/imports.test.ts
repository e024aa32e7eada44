// The layering the code is meant to have, checked on its import graph (madge): no cycles, and the
// lower layers never reach up (the engine and the DAG layer know nothing of commands, servers or
// persistence; persistence knows nothing of commands).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import madge from 'madge';
import { ROOT } from '../helpers/servers';

describe('the import graph of src/', () => {
  it('has no cycle, and engine, dag and persistence import nothing above them', async () => {
    const graph = await madge(path.join(ROOT, 'src'), { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json') });
    assert.deepEqual(graph.circular(), []);
    const above: Record<string, RegExp> = {
      'engine/': /^(commands|server|persistence)\//,
      'dag/': /^(commands|server|persistence)\//,
      'persistence/': /^commands\//,
      'store/': /^(commands|server|persistence|dag)\//,
    };
    const reachingUp: string[] = [];
    for (const [file, imports] of Object.entries(graph.obj())) {
      for (const [layer, forbidden] of Object.entries(above)) {
        if (file.startsWith(layer)) reachingUp.push(...imports.filter((i) => forbidden.test(i)).map((i) => `${file} → ${i}`));
      }
    }
    assert.deepEqual(reachingUp, []);
  });

  it('has no cycle between its folders either: each layer imports only the ones below it', async () => {
    const graph = await madge(path.join(ROOT, 'src'), { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json') });
    const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');
    const edges = new Map<string, Set<string>>();
    for (const [file, imports] of Object.entries(graph.obj())) {
      for (const target of imports) {
        const [from, to] = [folderOf(file), folderOf(target)];
        if (from !== to && from !== '.' && to !== '.') {
          if (!edges.has(from)) edges.set(from, new Set());
          edges.get(from)!.add(to);
        }
      }
    }
    // A folder reaching one that reaches back is a cycle (depth-first search over folders).
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (folder: string, trail: string[]) => {
      state.set(folder, 'open');
      for (const next of edges.get(folder) ?? []) {
        if (state.get(next) === 'open') cycles.push([...trail, folder, next].slice(trail.indexOf(next) >= 0 ? trail.indexOf(next) : 0).join(' → '));
        else if (state.get(next) === undefined) visit(next, [...trail, folder]);
      }
      state.set(folder, 'done');
    };
    for (const folder of edges.keys()) if (!state.has(folder)) visit(folder, []);
    assert.deepEqual(cycles, []);
  });

  /** Every TypeScript source under src/ (not declarations), skipping the folders named. */
  const sources = (skip: readonly string[] = []): string[] => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!skip.includes(entry.name)) walk(file);
        } else if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
          files.push(file);
        }
      }
    };
    walk(path.join(ROOT, 'src'));
    return files;
  };

  it('exports plain values from every module but the package index: a getter (what a re-export compiles to) puts the exports object in dictionary mode', () => {
    // Every call into such a module (`modelArgs.text(...)`) was then a generic property load in
    // V8's optimized code, on every request that used it (bench/cpu-budget.md, 2026-12-02).
    const withGetters: string[] = [];
    // bin/: the server's entry point starts a server when loaded.
    for (const file of sources(['bin']).filter((f) => f !== path.join(ROOT, 'src', 'index.ts'))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = require(file) as object;
      const getters = Object.entries(Object.getOwnPropertyDescriptors(exported)).filter(([, d]) => d.get !== undefined).map(([name]) => name);
      if (getters.length > 0) withGetters.push(`${path.relative(ROOT, file)}: ${getters.join(', ')}`);
    }
    assert.deepEqual(withGetters, []);
  });

  it('takes Buffer from node:buffer wherever it is used as a value: the global one is an accessor on globalThis, a getter call per use', () => {
    const bare = sources().filter((file) => {
      const text = fs.readFileSync(file, 'utf8');
      const usesValue = /\bBuffer\.[a-zA-Z]+\(|instanceof Buffer\b/.test(text);
      return usesValue && !/^import \{[^}]*\bBuffer\b[^}]*\} from 'node:buffer';$/m.test(text);
    });
    assert.deepEqual(bare.map((file) => path.relative(ROOT, file)), []);
  });
});
