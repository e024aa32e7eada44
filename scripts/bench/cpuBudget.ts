// The CPU budget per request: where the server's CPU goes, per thread, for TENSORSET, TENSORGET,
// MODELEXECUTE and DAGEXECUTE under the T1 and M1 loads (redis-benchmark, as there), against
// redis-server's whole CPU per SET and GET in the same run. Threads are told apart by /proc:
// the event-loop thread (and the share of it V8's garbage collector took, from --trace-gc), the
// device threads (named sb:<device>), the threads Node had before any model loaded (V8's helper
// threads: concurrent GC and compilation; libuv), and the threads born since (the backends' own
// pools). Writes bench/cpu-budget.md.
//   npm run bench:cpu            (or: node dist/scripts/bench/cpuBudget.js)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redisBenchmark, redisBenchmarkRow } from './redisBenchmark';
import { modelRunStats, request } from './resp';
import { runBench } from './runBench';
import { freePorts, RunningServer, startRedis, startStormbreaker } from './servers';
import { BENCH_DIR } from './summary';
import { fixture } from '../../test/helpers/fixtures';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const BLOB_120 = Buffer.alloc(120, 0x41); // 30 FLOATs, as T1's TENSORSET
const DAG = ['AI.DAGEXECUTE', 'PERSIST', '2', 'in', 'out', '|>', 'AI.TENSORSET', 'in', 'FLOAT', '2', '2', 'VALUES', '1', '2', '3', '4',
  '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', '2', 'in', 'in', 'OUTPUTS', '1', 'out', '|>', 'AI.TENSORGET', 'out', 'VALUES'];

interface Workload {
  name: string;
  clients: number;
  requests: number;
  command: Array<string | Buffer>;
  reference?: Array<string | Buffer>;
  /**
   * A redis-server command as long as `command`, with the same reply: what the load client spends
   * on this request's shape against a server as fast as redis-server (M1's floor).
   */
  sameShape?: string[];
}

const WORKLOADS: Workload[] = [
  { name: 'TENSORSET 1×30 FLOAT BLOB (T1)', clients: 50, requests: 200_000, command: ['AI.TENSORSET', 't:__rand_int__', 'FLOAT', '1', '30', 'BLOB', BLOB_120], reference: ['SET', 's:__rand_int__', BLOB_120] },
  { name: 'TENSORGET BLOB 120 B (T1)', clients: 50, requests: 200_000, command: ['AI.TENSORGET', 'g', 'BLOB'], reference: ['GET', 'g'] },
  { name: 'MODELEXECUTE a+b 2×2 (M1)', clients: 8, requests: 60_000, command: ['AI.MODELEXECUTE', 'm', 'INPUTS', '2', 'a', 'a', 'OUTPUTS', '1', 'c'], reference: ['GET', 'g'],
    sameShape: ['MSET', 'm', 'INPUTS', '2', 'a', 'a', 'OUTPUTS', '1', 'c'] },
  { name: 'DAGEXECUTE set → run → get (D1)', clients: 8, requests: 30_000, command: DAG },
];

type Group = 'main' | 'device' | 'node helpers' | 'backend pools';

/** CPU seconds of each live thread of `pid` (and the part of them in the kernel), by thread id, with its name. */
function threads(pid: number): Map<number, { name: string; seconds: number; kernelSeconds: number }> {
  const out = new Map<number, { name: string; seconds: number; kernelSeconds: number }>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim();
      out.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS, kernelSeconds: Number(fields[12]) / TICKS });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

function groupOf(pid: number, tid: number, name: string, startup: Set<number>): Group {
  if (tid === pid) return 'main';
  if (/^sbt?:/.test(name)) return 'device';
  return startup.has(tid) ? 'node helpers' : 'backend pools';
}

const asArgs = (command: Array<string | Buffer>) => command.map((c) => (Buffer.isBuffer(c) ? c.toString('latin1') : c));

/** µs per request by thread group; `kernel` is each group's system time (syscalls, the wake-ups they make). */
type Budget = Record<Group | 'gc' | 'total' | 'client', number> & { kernel: Record<Group, number>; backendCall?: number };

async function measure(w: Workload, port: number): Promise<Budget> {
  let gcMs = 0;
  let counting = false;
  const server = await startStormbreaker(port, [], 10_000, {
    args: ['--trace-gc'],
    onOutput: (chunk) => {
      if (!counting) return;
      // "[pid:0x…]  123 ms: Scavenge 4.1 (5.2) -> 3.0 (6.2) MB, 0.53 / 0.00 ms  (average mu = …"
      for (const m of chunk.matchAll(/MB, ([\d.]+) \/ [\d.]+ ms/g)) gcMs += Number(m[1]);
    },
  });
  try {
    const startup = new Set(threads(server.pid).keys());
    await setUp(server);
    const load = { port, command: asArgs(w.command), clients: w.clients, keyspace: 100_000 };
    await redisBenchmark({ ...load, requests: Math.floor(w.requests / 4) }); // warm-up: JIT, pools, backend threads
    const before = threads(server.pid);
    const runsModel = String(w.command[0]).toUpperCase() !== 'AI.TENSORSET' && String(w.command[0]).toUpperCase() !== 'AI.TENSORGET';
    if (runsModel) await request(port, ['AI.INFO', 'm', 'RESETSTAT']);
    counting = true;
    const row = await redisBenchmarkRow({ ...load, requests: w.requests, clientCpu: true });
    counting = false;
    const after = threads(server.pid);
    const perRequest: Budget = { main: 0, device: 0, 'node helpers': 0, 'backend pools': 0, gc: 0, total: 0, client: (row.clientSeconds! * 1e6) / w.requests,
      kernel: { main: 0, device: 0, 'node helpers': 0, 'backend pools': 0 } };
    // The backend's own call per run (AI.INFO's duration over calls: timed on the device thread around it).
    if (runsModel) {
      const stats = await modelRunStats(port, 'm');
      perRequest.backendCall = stats.micros / Math.max(1, stats.calls);
    }
    for (const [tid, t] of after) {
      const used = t.seconds - (before.get(tid)?.seconds ?? 0);
      const group = groupOf(server.pid, tid, t.name, startup);
      perRequest[group] += (used * 1e6) / w.requests;
      perRequest.kernel[group] += ((t.kernelSeconds - (before.get(tid)?.kernelSeconds ?? 0)) * 1e6) / w.requests;
      perRequest.total += (used * 1e6) / w.requests;
    }
    perRequest.gc = (gcMs * 1000) / w.requests;
    return perRequest;
  } finally {
    await server.stop();
  }
}

async function setUp(server: RunningServer): Promise<void> {
  const ok = async (args: Array<string | Buffer>) => {
    const reply = await request(server.port, args);
    if (reply !== 'OK') throw new Error(`${String(args[0])} replied ${String(reply)}`);
  };
  await ok(['AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')]);
  await ok(['AI.TENSORSET', 'a', 'FLOAT', '2', '2', 'VALUES', '1', '2', '3', '4']);
  await ok(['AI.TENSORSET', 'g', 'FLOAT', '1', '30', 'BLOB', BLOB_120]);
}

async function referenceCpu(w: Workload, port: number): Promise<{ server: number; serverKernel: number; client: number; sameShapeClient?: number } | undefined> {
  if (w.reference === undefined) return undefined;
  const redis = await startRedis(port);
  try {
    if (String(w.reference[0]) === 'GET') await request(port, ['SET', 'g', BLOB_120]);
    const load = { port, command: asArgs(w.reference), clients: w.clients, keyspace: 100_000 };
    await redisBenchmark({ ...load, requests: Math.floor(w.requests / 4) });
    const before = redis.cpuSeconds();
    const kernelBefore = redis.kernelSeconds();
    const row = await redisBenchmarkRow({ ...load, requests: w.requests, clientCpu: true });
    const server = ((redis.cpuSeconds() - before) * 1e6) / w.requests;
    const serverKernel = ((redis.kernelSeconds() - kernelBefore) * 1e6) / w.requests;
    const client = (row.clientSeconds! * 1e6) / w.requests;
    if (w.sameShape === undefined) return { server, serverKernel, client };
    const shaped = await redisBenchmarkRow({ ...load, command: w.sameShape, requests: w.requests, clientCpu: true });
    return { server, serverKernel, client, sameShapeClient: (shaped.clientSeconds! * 1e6) / w.requests };
  } finally {
    await redis.stop();
  }
}

/**
 * M1's ceiling on this machine, from the same minute: with the 2 cores saturated by the server
 * and its load client, runs/s over GETs/s is at most (CPU per GET, both sides) over (CPU per run,
 * both sides), and a run costs at least what redis-server spends on a GET (the same one read and
 * one write), what the load client spends on a command of MODELEXECUTE's shape against
 * redis-server (MSET of the same words, the same +OK), and the backend's own call.
 */
function m1Floor(b: Budget, ref: { server: number; serverKernel: number; client: number; sameShapeClient: number }): string {
  const get = ref.server + ref.client;
  const least = ref.server + ref.sameShapeClient + b.backendCall!;
  const ours = b.total + b.client;
  const f = (n: number) => n.toFixed(1);
  return `**M1's floor** (same minute). A GET costs ${f(ref.server)} µs of redis-server and ${f(ref.client)} µs of its load client: ` +
    `${f(get)} µs of the 2 cores. A MODELEXECUTE costs at least redis-server's ${f(ref.server)} µs (the same read and write), ` +
    `the load client's ${f(ref.sameShapeClient)} µs for a command of its shape (MSET of the same nine words against redis-server) ` +
    `and the backend's own call (${f(b.backendCall!)} µs, AI.INFO over the same window): ${f(least)} µs. While the cores are ` +
    `saturated M1 can then reach at most **${(get / least).toFixed(2)}×** GET, with nothing of ours around the call (no command ` +
    `layer, no thread hop); ours costs ${f(b.total)} µs of server and ${f(b.client)} µs of load client per run: ${(get / ours).toFixed(2)}× by the same measure.`;
}

/** Where the hand-written part of bench/cpu-budget.md begins. */
const HISTORY_HEADING = '## What moved these lines';

async function main(): Promise<void> {
  const us = (n: number) => n.toFixed(1);
  const rows: string[] = [];
  let floor = '';
  for (const w of WORKLOADS) {
    const [port, redisPort] = await freePorts(2);
    const b = await measure(w, port);
    const ref = await referenceCpu(w, redisPort);
    const line = `| ${w.name}, ${w.clients} clients | ${us(b.main)} (GC ${us(b.gc)}) | ${us(b.kernel.main)} | ${us(b.device)} | ${us(b.kernel.device)} | ${us(b['backend pools'])} | ${us(b['node helpers'])} | **${us(b.total)}** | ${us(b.client)} | ${ref === undefined ? ' | | ' : `${us(ref.server)} (${w.reference![0]}) | ${us(ref.serverKernel)} | ${us(ref.client)}`} |`;
    console.log(line);
    rows.push(line);
    if (ref?.sameShapeClient !== undefined && b.backendCall !== undefined) floor = m1Floor(b, { ...ref, sameShapeClient: ref.sameShapeClient });
  }
  const md = [
    '# CPU budget per request', '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:cpu\` (scripts/bench/cpuBudget.ts): µs of CPU per request, per thread group of`,
    'the server process, under redis-benchmark loads (after a warm-up); redis-server\'s whole CPU per request for the same load as',
    'the reference. "GC" is the part of the event loop\'s time V8 spent in garbage-collection pauses (--trace-gc); "Node helpers"',
    'are the threads the process had before any model loaded (V8\'s concurrent GC and compiler threads, libuv); "backend pools" are',
    'threads started since (libtorch\'s and the other backends\' own pools). The load client shares the 2 cores. "Device threads"',
    'includes the time they spend looking for the next run before they sleep (100 µs after each, STORMBREAKER_DEVICE_SPIN_US).',
    '"of it in the kernel" is the thread group\'s system time (/proc stime): its syscalls, and the wake-ups of other threads',
    'they make (a socket write wakes the load client, a hand-off wakes a device thread or the event loop).', '',
    '| request | event loop | of it in the kernel | device threads | of it in the kernel | backend pools | Node helpers | total | load client | redis-server | of it in the kernel | its load client |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows, '', floor, '',
  ].join('\n');
  // The hand-written history below the table (which change moved which line) is kept.
  const file = path.join(BENCH_DIR, 'cpu-budget.md');
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const history = previous.indexOf(HISTORY_HEADING);
  fs.writeFileSync(file, history >= 0 ? `${md}\n${previous.slice(history)}` : md);
  console.log(`\nwrote ${path.join(BENCH_DIR, 'cpu-budget.md')}`);
}

runBench(main);
