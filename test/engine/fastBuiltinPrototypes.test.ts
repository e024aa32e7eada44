// Loading the server and the library leaves the builtin prototypes in V8's fast mode. A module
// that makes one a dictionary (node-redis's `class VerbatimString extends String` did it to
// String.prototype) sends every method call on such values in the process through V8's generic
// property lookup: 3% of the event loop under M1. node-redis is loaded only for --store now.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';

const DIST = path.join(__dirname, '..', '..', 'dist', 'src');

describe('builtin prototypes after loading Stormbreaker', () => {
  it('keeps String, Array, Object, Function, typed array and Buffer prototypes fast', () => {
    const probe = `
      require(${JSON.stringify(path.join(DIST, 'index.js'))});
      require(${JSON.stringify(path.join(DIST, 'server', 'Server.js'))});
      require(${JSON.stringify(path.join(DIST, 'commands', 'index.js'))});
      const protos = { String: String.prototype, Array: Array.prototype, Object: Object.prototype, Function: Function.prototype,
        Number: Number.prototype, Map: Map.prototype, Set: Set.prototype, Promise: Promise.prototype, Uint8Array: Uint8Array.prototype,
        TypedArray: Object.getPrototypeOf(Uint8Array.prototype), Buffer: Buffer.prototype, Error: Error.prototype };
      const slow = Object.entries(protos).filter(([, p]) => !%HasFastProperties(p)).map(([name]) => name);
      process.stdout.write(JSON.stringify(slow));
      process.exit(0);`;
    const slow = JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', probe], { timeout: 60_000 }).toString());
    assert.deepEqual(slow, [], 'these prototypes were turned into dictionaries while loading');
  });

  it('would see it: node-redis, when a store connection loads it, turns String.prototype into a dictionary', () => {
    // The probe above can tell: without this the first test could pass on a V8 that changed how it reports.
    const probe = `
      require('@redis/client');
      process.stdout.write(JSON.stringify(%HasFastProperties(String.prototype)));
      process.exit(0);`;
    const fast = JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', probe], { timeout: 60_000, cwd: path.join(__dirname, '..', '..') }).toString());
    assert.equal(fast, false);
  });
});
