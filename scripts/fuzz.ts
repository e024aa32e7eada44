// The fuzzers for as long as asked (default 10 minutes), each in turn with a fresh seed and a
// fresh server process; stops at the first failure, which names the fuzzer, seed and input.
//   npm run fuzz -- --minutes 10
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareFuzzTarget, runFuzzer } from '../test/fuzz/runFuzz';
import { FUZZERS, FuzzerName } from '../test/fuzz/generators';
import { ROOT } from '../test/helpers/fixtures';

const BATCH: Record<FuzzerName, number> = { protocol: 20_000, grammar: 20_000, blobs: 2000, nesting: 1000 };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--minutes');
  const minutes = at >= 0 ? Number(process.argv[at + 1]) : 10;
  const end = Date.now() + minutes * 60_000;
  let inputs = 0;
  for (let round = 0; Date.now() < end; round++) {
    for (const name of Object.keys(FUZZERS) as FuzzerName[]) {
      if (Date.now() >= end) break;
      const seed = (Date.now() ^ (round * 7919)) >>> 0;
      const port = await freePort();
      // The server's output is kept: when it dies, its last words (an ASan report, a libc abort) say where.
      const logFile = path.join(os.tmpdir(), `stormbreaker-fuzz-server-${name}-${seed}.log`);
      const log = fs.openSync(logFile, 'w');
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'bin', 'stormbreaker-server.js'), '--port', String(port)], { stdio: ['ignore', log, log] });
      fs.closeSync(log);
      try {
        for (let i = 0; i < 100; i++) {
          const up = await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); resolve(true); }).on('error', () => resolve(false)));
          if (up) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await prepareFuzzTarget(port);
        try {
          await runFuzzer(name, seed, BATCH[name], { port, alive: () => child.exitCode === null && child.signalCode === null });
        } catch (err) {
          throw new Error(`${err instanceof Error ? err.message : String(err)}; the server's output is in ${logFile}`);
        }
        fs.rmSync(logFile, { force: true });
        inputs += BATCH[name];
        console.log(`${new Date().toISOString()} ${name} seed ${seed}: ${BATCH[name]} inputs, nothing found (${inputs} in all)`);
      } finally {
        child.kill('SIGKILL');
      }
    }
  }
  console.log(`fuzzing for ${minutes} minutes found nothing in ${inputs} inputs`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
