// Targets T1–T3 of docs/performance-targets.md in one run: AI.TENSORSET / AI.TENSORGET on
// stormbreaker against SET / GET of the same bytes on redis-server, both real processes on this
// machine, same clients, same minute. Prints a markdown table of medians and one line per target;
// writes bench/.last-tensors.json.
//   npm run bench:tensors      (or: npx tsc -p . && node dist/scripts/bench/tensors.js)
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import { encodeCommand, request } from './resp';
import { runLoad } from './loadClient';
import { redisBenchmark } from './redisBenchmark';
import { freePorts, RunningServer, startNodeNetFloor, startRedis, startStormbreaker } from './servers';
import { judged, machineNote, TargetRow, writeSummary } from './summary';
import { runBench } from './runBench';

// Sizes chosen so the whole run (~2 minutes) stays under 3 on the 2-core machines: 100K requests
// is 1.5–5 s at the 20–75K ops/s seen without pipelining; 500K pipelined requests is ~0.5–1 s for
// redis-server and ~2–5 s for us; a 5 s window gives a 1 MiB run several thousand operations.
const CLIENTS = 50;
const PIPELINE = 16;
const SMALL_REQUESTS = 100_000;
const PIPELINED_REQUESTS = 500_000;
const BIG_WINDOW_MS = 5_000;
// Machines drift by ±25% between runs (docs/performance-targets.md): three runs, alternating which server goes
// first so neither always gets the cooler minute, and the median of each.
const REPEATS = 3;

// 30 FLOATs. Printable, because redis-benchmark takes the blob as an argv string; any 4 bytes are
// a valid float (NaN included), so no encoding step is needed.
const SMALL = Buffer.alloc(120, 'A');
// 262,144 FLOATs. A non-repeating-looking pattern so the correctness check catches shifted bytes.
const BIG = Buffer.alloc(1 << 20);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + 7) & 0xff;
const SMALL_KEY = 'bench:small';
const BIG_KEY = 'bench:big';

// 'floor': nodeNetFloor.ts, sent our commands, for the T1 workloads only.
type Kind = 'stormbreaker' | 'redis' | 'floor';

/** The write for one side: a tensor for us, a plain string of the same bytes for redis-server. */
function setCommand(kind: Kind, key: string, blob: Buffer): Array<string | Buffer> {
  return kind !== 'redis' ? ['AI.TENSORSET', key, 'FLOAT', '1', String(blob.length / 4), 'BLOB', blob] : ['SET', key, blob];
}
function getCommand(kind: Kind, key: string): string[] {
  return kind !== 'redis' ? ['AI.TENSORGET', key, 'BLOB'] : ['GET', key];
}
const asArgv = (args: Array<string | Buffer>) => args.map((a) => (Buffer.isBuffer(a) ? a.toString('latin1') : a));

interface Workload {
  id: 'T1' | 'T2' | 'T3';
  label: string;
  /** Bytes of payload per operation, when GB/s is worth printing. */
  bytes?: number;
  /** Also measured on the Node net floor (unpipelined small requests only: nodeNetFloor.ts). */
  floor?: boolean;
  /** One measurement: ops/s, and the client's CPU % when the client is ours. */
  run(kind: Kind, port: number, warmup: boolean): Promise<{ ops: number; clientCpu?: number }>;
}

const smallRun = (command: (k: Kind) => Array<string | Buffer>, pipeline: number, requests: number, warmupRequests: number) =>
  (kind: Kind, port: number, warmup: boolean) =>
    redisBenchmark({ port, command: asArgv(command(kind)), clients: CLIENTS, pipeline, requests: warmup ? warmupRequests : requests })
      .then((ops) => ({ ops }));

const bigRun = (command: (k: Kind) => Array<string | Buffer>) => {
  const encoded = { stormbreaker: encodeCommand(command('stormbreaker')), redis: encodeCommand(command('redis')), floor: encodeCommand(command('floor')) };
  return async (kind: Kind, port: number, warmup: boolean) => {
    const r = await runLoad({ port, command: encoded[kind], connections: CLIENTS, durationMs: warmup ? 1000 : BIG_WINDOW_MS });
    return { ops: r.opsPerSecond, clientCpu: r.clientCpu };
  };
};

// A single key per workload on both sides: every SET/TENSORSET overwrites it, every GET/TENSORGET
// reads it. __rand_int__ keys would make redis-server grow a keyspace while measuring, and would
// need a preloaded keyspace for the reads; one key keeps both sides doing identical work.
const WORKLOADS: Workload[] = [
  { id: 'T1', label: 'TENSORSET 1×30 FLOAT vs SET 120 B, 50 clients', floor: true, run: smallRun((k) => setCommand(k, SMALL_KEY, SMALL), 1, SMALL_REQUESTS, 20_000) },
  { id: 'T1', label: 'TENSORGET BLOB vs GET 120 B, 50 clients', floor: true, run: smallRun((k) => getCommand(k, SMALL_KEY), 1, SMALL_REQUESTS, 20_000) },
  { id: 'T2', label: 'TENSORSET 1×262144 FLOAT vs SET 1 MiB, 50 clients', bytes: BIG.length, run: bigRun((k) => setCommand(k, BIG_KEY, BIG)) },
  { id: 'T2', label: 'TENSORGET BLOB vs GET 1 MiB, 50 clients', bytes: BIG.length, run: bigRun((k) => getCommand(k, BIG_KEY)) },
  { id: 'T3', label: `TENSORSET vs SET 120 B, 50 clients, pipeline ${PIPELINE}`, run: smallRun((k) => setCommand(k, SMALL_KEY, SMALL), PIPELINE, PIPELINED_REQUESTS, 100_000) },
  { id: 'T3', label: `TENSORGET vs GET 120 B, 50 clients, pipeline ${PIPELINE}`, run: smallRun((k) => getCommand(k, SMALL_KEY), PIPELINE, PIPELINED_REQUESTS, 100_000) },
];

const TARGETS: Record<Workload['id'], { ratio: number; what: string }> = {
  T1: { ratio: 1.0, what: 'TENSORSET/TENSORGET 1×30 FLOAT, 50 clients vs redis-server SET/GET' },
  T2: { ratio: 1.0, what: 'TENSORSET/TENSORGET 1 MiB, 50 clients vs redis-server SET/GET' },
  T3: { ratio: 0.8, what: `pipelined (${PIPELINE}) tensor commands vs redis-server pipelined SET/GET` },
};

interface Side { kind: Kind; server: RunningServer }

/**
 * Sets both values on one side and reads them back byte for byte. Run before the benchmark (so it
 * cannot be measuring error replies or wrong data: it also leaves the keys the GET runs read) and
 * after it (so the values survived the load).
 */
async function verify({ kind, server }: Side): Promise<void> {
  for (const [key, blob] of [[SMALL_KEY, SMALL], [BIG_KEY, BIG]] as const) {
    const set = await request(server.port, setCommand(kind, key, blob));
    if (set !== 'OK') throw new Error(`${server.name}: ${setCommand(kind, key, blob)[0]} ${key} replied ${describe(set)}`);
    const got = await request(server.port, getCommand(kind, key));
    if (!Buffer.isBuffer(got) || !got.equals(blob)) {
      throw new Error(`${server.name}: ${getCommand(kind, key).join(' ')} returned ${describe(got)}, not the ${blob.length} bytes set`);
    }
  }
}
const describe = (r: unknown) => (r instanceof Error ? `error '${r.message}'` : Buffer.isBuffer(r) ? `${r.length} bytes` : JSON.stringify(r));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtOps = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtRate = (ops: number, bytes?: number) => (bytes ? `${fmtOps(ops)} (${((ops * bytes) / 1e9).toFixed(2)} GB/s)` : fmtOps(ops));
const fmtOpsPerSecond = (ops: number, bytes?: number) => `${fmtOps(ops)} ops/s${bytes ? ` (${((ops * bytes) / 1e9).toFixed(2)} GB/s)` : ''}`;

async function main(): Promise<void> {
  const began = Date.now();
  const startedAt = new Date().toISOString();
  const machine = machineNote();
  const redisVersion = execFileSync('/usr/bin/redis-server', ['--version']).toString().trim();
  console.log(`# Tensor benchmark (T1–T3)\n`);
  console.log(`node ${process.version}, ${redisVersion.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  const [sbPort, redisPort, floorPort] = await freePorts(3);
  // Started one after the other so a failure names the server that failed.
  const sides: Side[] = [
    { kind: 'stormbreaker', server: await startStormbreaker(sbPort) },
    { kind: 'redis', server: await startRedis(redisPort) },
  ];
  const floor: Side = { kind: 'floor', server: await startNodeNetFloor(floorPort) };
  console.log(`stormbreaker pid ${sides[0].server.pid} on port ${sbPort}; redis-server pid ${sides[1].server.pid} on port ${redisPort}; node-net floor pid ${floor.server.pid} on port ${floorPort}`);
  const sidesOf = (w: Workload) => (w.floor ? [...sides, floor] : sides);

  for (const side of sides) await verify(side);
  console.log('correctness check passed: both sides return the exact bytes set (120 B and 1 MiB)');

  // One warm-up pass: JIT-compiles our server's hot paths and the load client, fills allocator pools.
  for (const w of WORKLOADS) for (const { kind, server } of sidesOf(w)) await w.run(kind, server.port, true);
  console.log('warm-up done\n');

  const results = WORKLOADS.map(() => ({ stormbreaker: [] as number[], redis: [] as number[], floor: [] as number[],
    cpu: { stormbreaker: [] as number[], redis: [] as number[], floor: [] as number[] } }));
  for (const [i, w] of WORKLOADS.entries()) {
    for (let rep = 0; rep < REPEATS; rep++) {
      const order = rep % 2 === 0 ? sidesOf(w) : [...sidesOf(w)].reverse();
      for (const { kind, server } of order) {
        // Server CPU over the run, as % of one core: near 100% for our single-threaded server
        // means it is CPU-bound, well below means the client or the network path limits.
        const cpu0 = server.cpuSeconds();
        const t0 = performance.now();
        const { ops, clientCpu } = await w.run(kind, server.port, false);
        const cpu = ((server.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000)) * 100;
        results[i][kind].push(ops);
        results[i].cpu[kind].push(cpu);
        const rate = `${fmtOps(ops).padStart(9)} ops/s${w.bytes ? ` (${((ops * w.bytes) / 1e9).toFixed(2)} GB/s)` : ''}`;
        const client = clientCpu === undefined ? '' : `, client CPU ${clientCpu.toFixed(0)}%`;
        console.log(`${w.id} ${w.label} | run ${rep + 1} ${server.name.padEnd(12)} ${rate}, server CPU ${cpu.toFixed(0)}%${client}`);
      }
    }
  }

  for (const side of sides) await verify(side);

  console.log(`\nMedians of ${REPEATS} runs (GB/s = 10^9 bytes of payload per second):\n`);
  console.log('| id | workload | stormbreaker ops/s | redis-server ops/s | ratio | target |');
  console.log('|---|---|---|---|---|---|');
  const rows: TargetRow[] = [];
  const ratios = WORKLOADS.map((w, i) => {
    const sb = median(results[i].stormbreaker);
    const rd = median(results[i].redis);
    const ratio = sb / rd;
    const target = TARGETS[w.id].ratio;
    rows.push(judged({
      id: w.id, what: w.label, reference: `${fmtOpsPerSecond(rd, w.bytes)} redis-server`, ours: fmtOpsPerSecond(sb, w.bytes),
      value: ratio, unit: '×', direction: 'atLeast', threshold: target,
    }));
    console.log(`| ${w.id} | ${w.label} | ${fmtRate(sb, w.bytes)} | ${fmtRate(rd, w.bytes)} | ${ratio.toFixed(2)}× | ≥ ${target.toFixed(1)}× ${ratio >= target ? 'met' : 'not met'} |`);
    return ratio;
  });
  // What a Node net server can reach at all for the same exchange, in the same minutes: the part
  // of T1's gap that belongs to Node's socket machinery rather than to our command layer.
  for (const [i, w] of WORKLOADS.entries()) {
    if (!w.floor) continue;
    const fl = median(results[i].floor);
    const rd = median(results[i].redis);
    const sb = median(results[i].stormbreaker);
    rows.push({
      id: `${w.id} floor`, what: `${w.label.split(' ')[0]}'s exchange on Node's net streams, no command layer (scripts/bench/nodeNetFloor.ts): the most any server on them reaches`,
      reference: `${fmtOpsPerSecond(rd, w.bytes)} redis-server`, ours: `${fmtOpsPerSecond(fl, w.bytes)} (stormbreaker ${(sb / fl).toFixed(2)}× of it)`,
      value: fl / rd, unit: '×', direction: 'atLeast', threshold: TARGETS[w.id].ratio, met: false, informational: true,
    });
    console.log(`| ${w.id} floor | ${w.label.split(' ')[0]} on a bare Node net server | ${fmtOps(fl)} | ${fmtOps(rd)} | ${(fl / rd).toFixed(2)}× | (stormbreaker ${(sb / fl).toFixed(2)}× of it) |`);
  }

  console.log('\nServer CPU, median % of one core (stormbreaker / redis-server):');
  for (const [i, w] of WORKLOADS.entries()) {
    const floorCpu = w.floor ? ` (node-net floor ${median(results[i].cpu.floor).toFixed(0)}%)` : '';
    console.log(`  ${w.id} ${w.label}: ${median(results[i].cpu.stormbreaker).toFixed(0)}% / ${median(results[i].cpu.redis).toFixed(0)}%${floorCpu}`);
  }

  console.log('');
  for (const id of Object.keys(TARGETS) as Array<Workload['id']>) {
    const { ratio: target, what } = TARGETS[id];
    const mine = WORKLOADS.map((w, i) => ({ w, r: ratios[i] })).filter(({ w }) => w.id === id);
    const met = mine.every(({ r }) => r >= target);
    const detail = mine.map(({ w, r }) => `${w.label.split(' ')[0]} ${r.toFixed(2)}×`).join(', ');
    console.log(`${id} ${met ? 'met' : 'NOT met'}: ${what} ≥ ${target.toFixed(1)}× (${detail})`);
  }
  const seconds = (Date.now() - began) / 1000;
  writeSummary({ bench: 'tensors', startedAt, seconds, machine, targets: rows });
  console.log(`\ntotal ${seconds.toFixed(0)} s`);
}

runBench(main);
