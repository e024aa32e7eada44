// The command layer's own cost per request, without sockets or the kernel: event-loop CPU per
// request of a server whose clients are in memory (a ClientSocket that hands each reply back and
// sends the next request on the next turn), closed loop, for the T1/M1/D1 requests. With
// --against <project dir> it runs another build's server the same way at the same time, one per
// core, and prints both: on this shared machine a socket benchmark drifts by ±25% between minutes,
// while two builds measured side by side drift together, so a change of a few percent shows.
//   node dist/scripts/bench/requestPath.js [--against ../old] [--rounds 5] [set|get|exec|dag ...]
// The other build needs dist/ built (npx tsc -p .) and its addon; its server is driven through
// Server.accept, which every build since the native socket layer has.
import { spawn } from 'node:child_process';
import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeCommand as encode } from './resp';

type Kind = 'set' | 'get' | 'exec' | 'dag';
const KINDS: readonly Kind[] = ['set', 'get', 'exec', 'dag'];
/** Clients per kind: T1's 50, M1's and D1's 8. */
const CLIENTS: Record<Kind, number> = { set: 50, get: 50, exec: 8, dag: 8 };
/** Requests per round: about a second each on this machine. */
const REQUESTS: Record<Kind, number> = { set: 300_000, get: 300_000, exec: 80_000, dag: 50_000 };
const ROOT = path.resolve(__dirname, '../../..');

const BLOB = Buffer.alloc(120, 65);
const V = ['1', '2', '3', '4'];
function request(kind: Kind, client: number): Buffer {
  switch (kind) {
    case 'set': return encode(['AI.TENSORSET', 'bench:small', 'FLOAT', 1, 30, 'BLOB', BLOB]);
    case 'get': return encode(['AI.TENSORGET', 'bench:small', 'BLOB']);
    case 'exec': return encode(['AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c']);
    case 'dag': {
      const input = `in:${client}`, output = `out:${client}`;
      return encode(['AI.DAGEXECUTE', 'PERSIST', 2, input, output, '|>', 'AI.TENSORSET', input, 'FLOAT', 2, 2, 'VALUES', ...V,
        '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, input, input, 'OUTPUTS', 1, output, '|>', 'AI.TENSORGET', output, 'VALUES']);
    }
  }
}

interface SocketEvents { received(chunk: Buffer): void }

/** One build's server, driven by in-memory clients; prints the median µs of event-loop CPU per request. */
async function child(project: string, kind: Kind, rounds: number): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Server } = require(path.join(project, 'dist/src/server/Server'));
  const { Tensor } = require(path.join(project, 'dist/src'));
  const { native } = require(path.join(project, 'dist/src/native'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const server = new Server({ port: 0 });
  const engine = server.engine;
  await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: fs.readFileSync(path.join(ROOT, 'test/fixtures/redisai/pt-minimal.pt')) });
  engine.setTensor('a', Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT'));
  engine.setTensor('bench:small', Tensor.fromBlob('FLOAT', [1, 30], BLOB));

  let replies = 0;
  let target = 0;
  let finished: (() => void) | null = null;
  const ready: MemorySocket[] = [];
  let scheduled = false;
  // Each turn delivers the requests of the clients answered since the last one, as the socket
  // layer delivers a turn's reads.
  const turn = () => {
    scheduled = false;
    for (const socket of ready.splice(0)) socket.events!.received(socket.request);
  };
  class MemorySocket {
    events: SocketEvents | null = null;
    readonly remoteAddress = '127.0.0.1';
    readonly localAddress = '127.0.0.1';
    readonly localPort = 6379;
    constructor(readonly request: Buffer, readonly remotePort: number) {}
    attach(events: SocketEvents): void { this.events = events; }
    write(): boolean {
      if (++replies >= target) {
        const done = finished;
        finished = null;
        done?.();
      } else {
        ready.push(this);
        if (!scheduled) { scheduled = true; setImmediate(turn); }
      }
      return true;
    }
    pause(): void {}
    resume(): void {}
    end(): void {}
    destroy(): void {}
  }
  const sockets = Array.from({ length: CLIENTS[kind] }, (_, i) => new MemorySocket(request(kind, i), 10_000 + i));
  for (const socket of sockets) (server as { accept(socket: MemorySocket): void }).accept(socket);
  const round = (n: number) => new Promise<void>((resolve) => {
    replies = 0;
    target = n;
    finished = resolve;
    ready.push(...sockets);
    setImmediate(turn);
  });
  await round(REQUESTS[kind] / 2); // warm-up: the JIT, the model's first runs
  const perRequest: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = native.mainThreadCpu();
    await round(REQUESTS[kind]);
    const after = native.mainThreadCpu();
    perRequest.push(((after.user + after.sys - before.user - before.sys) * 1e6) / REQUESTS[kind]);
  }
  perRequest.sort((x, y) => x - y);
  process.stdout.write(`${perRequest[Math.floor(perRequest.length / 2)].toFixed(2)}\n`);
  process.exit(0);
}

function runChild(project: string, kind: Kind, rounds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [__filename, '--child', project, kind, String(rounds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`${project} ${kind}: exit ${code}`))));
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], argv[2] as Kind, Number(argv[3]));
  let against: string | undefined;
  let rounds = 5;
  let pairs = 3;
  const kinds: Kind[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--against') against = path.resolve(argv[++i]);
    else if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--pairs') pairs = Number(argv[++i]);
    else if ((KINDS as readonly string[]).includes(argv[i])) kinds.push(argv[i] as Kind);
    else throw new Error(`usage: requestPath.js [--against <project dir>] [--rounds n] [--pairs n] [${KINDS.join('|')} ...]`);
  }
  for (const kind of kinds.length > 0 ? kinds : KINDS) {
    for (let p = 0; p < (against === undefined ? 1 : pairs); p++) {
      const [ours, theirs] = await Promise.all([runChild(ROOT, kind, rounds), against === undefined ? undefined : runChild(against, kind, rounds)]);
      const label = `${kind} (${CLIENTS[kind]} clients)`.padEnd(18);
      console.log(theirs === undefined
        ? `${label} ${ours.toFixed(2)} µs of event-loop CPU per request`
        : `${label} this build ${ours.toFixed(2)} µs, ${path.basename(against!)} ${theirs.toFixed(2)} µs: ${(ours / theirs).toFixed(3)}×`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
