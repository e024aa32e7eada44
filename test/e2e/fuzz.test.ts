// The fuzzers, bounded (fixed seeds and counts, about a minute in all): the server must survive
// every input and answer every request. scripts/fuzz.ts runs them for as long as asked.
import { describe, it } from '@jest/globals';
import { startServerProcess } from '../helpers/servers';
import { prepareFuzzTarget, runFuzzer } from '../fuzz/runFuzz';
import type { FuzzerName } from '../fuzz/generators';

const RUNS: Array<[FuzzerName, number]> = [['protocol', 30_000], ['grammar', 40_000], ['blobs', 3000], ['nesting', 2000]];

describe('fuzzers (bounded)', () => {
  for (const [name, count] of RUNS) {
    it(`${name}: ${count} inputs, the server survives and answers every one`, async () => {
      const { port, stop, child } = await startServerProcess();
      try {
        await prepareFuzzTarget(port);
        await runFuzzer(name, 20261201, count, { port, alive: () => child.exitCode === null && child.signalCode === null });
      } finally {
        await stop();
      }
    }, 300_000);
  }
});
