// Drives one fuzzer against a real server process: `count` inputs from `seed`, each sent as a
// client would send it. A failure is the server process dying, or a request left unanswered; it
// is reported with the fuzzer, seed and input index (and the input saved to a file) so that it
// can be replayed. Used by test/e2e/fuzz.test.ts (bounded) and scripts/fuzz.ts (for minutes).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeCommand, RawClient } from '../helpers/RawClient';
import { fixture } from '../helpers/fixtures';
import { FUZZERS, FuzzerName, random } from './generators';

export interface FuzzTarget {
  port: number;
  /** Whether the server process is still running. */
  alive(): boolean;
}

const REPLY_TIMEOUT_MS = 10_000;

/** The state the inputs can reach: a model, a script and tensors under the names the grammar uses. */
export async function prepareFuzzTarget(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'bar', 'SOURCE',
      'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0] + tensors[1]\n');
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2);
    await c.call('AI.TENSORSET', 'b', 'FLOAT', 2, 'VALUES', 3, 4);
  } finally {
    await c.close();
  }
}

/** Writes raw bytes on a connection of their own and waits until the server answers or closes it. */
function sendRaw(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(), 300);
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function failure(name: FuzzerName, seed: number, index: number, input: Buffer, why: string): Error {
  const file = path.join(os.tmpdir(), `stormbreaker-fuzz-${name}-${seed}-${index}.bin`);
  fs.writeFileSync(file, input);
  return new Error(`fuzzer ${name}, seed ${seed}, input ${index}: ${why} (input saved to ${file})`);
}

/** Runs `count` inputs of fuzzer `name`; resolves when the server survived all, rejects otherwise. */
export async function runFuzzer(name: FuzzerName, seed: number, count: number, target: FuzzTarget): Promise<void> {
  const r = random(seed);
  let client: RawClient | undefined;
  try {
    for (let i = 0; i < count; i++) {
      if (name === 'protocol') {
        const bytes = FUZZERS.protocol(r);
        await sendRaw(target.port, bytes);
        if (!target.alive()) throw failure(name, seed, i, bytes, 'the server died');
        continue;
      }
      const args = FUZZERS[name](r);
      client ??= await RawClient.connect(target.port);
      let timer: NodeJS.Timeout | undefined;
      const answered = await Promise.race([
        client.call(...args).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), REPLY_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (!target.alive()) throw failure(name, seed, i, encodeCommand(args), 'the server died');
      if (!answered) throw failure(name, seed, i, encodeCommand(args), `no reply within ${REPLY_TIMEOUT_MS} ms`);
    }
    const check = await RawClient.connect(target.port);
    const pong = await check.call('PING');
    await check.close();
    if (pong !== 'PONG') throw new Error(`fuzzer ${name}, seed ${seed}: PING afterwards replied ${String(pong)}`);
  } finally {
    await client?.close();
  }
}
