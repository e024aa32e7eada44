// The layering the code is meant to have, checked on its import graph (madge): no cycles, and the
// lower layers never reach up (the engine and the DAG layer know nothing of commands, servers or
// persistence; persistence knows nothing of commands).
import { strict as assert } from 'node:assert';
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
});
