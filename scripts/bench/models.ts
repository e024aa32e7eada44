// Targets M1, M2, D1 and E1 of docs/performance-targets.md in one run: AI.MODELEXECUTE on
// stormbreaker against plain commands on redis-server (both real processes on this machine, same
// clients, same minute), for a tiny TorchScript model and, as further M1 rows, a tiny ONNX model
// and RedisAI's TF benchmark model (creditcardfraud); against the same model run in-process
// through the library, one AI.DAGEXECUTE against the three commands it stands for, and PING
// latency while a slow model keeps the device queue busy. Prints one markdown table of medians and
// one line per target; writes bench/.last-models.json.
//   npm run bench:models      (or: npx tsc -p . && node dist/scripts/bench/models.js)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Engine, Tensor } from '../../src';
import { LatencyClient, paced, percentile, sequential } from './latencyClient';
import { runLoad } from './loadClient';
import { spawnTracked } from './processes';
import { redisBenchmarkRow } from './redisBenchmark';
import { encodeCommand, modelRunStats, request, requestValue, Value } from './resp';
import { freePorts, ROOT, RunningServer, startRedis, startStormbreaker } from './servers';
import { judged, machineNote, writeSummary } from './summary';
import { runBench } from './runBench';
import { fixturePath } from '../../test/helpers/fixtures';

// The fixture the tests use too: TorchScript computing a + b of two FLOAT tensors.
const PT_MINIMAL = fixturePath('pt-minimal.pt');
// M1's ONNX row: scikit-learn's LinearRegressor, float_input FLOAT [1,4] → variable FLOAT [1,1], the
// smallest ONNX fixture (one MatMul-sized op), so the row measures the server around an ONNX run as
// the TorchScript row does around a+b. Its known answer is in the fixtures' README.
const LINEAR_IRIS = fixturePath('linear_iris.onnx');
const IRIS_VALUES = [5.1, 3.5, 1.4, 0.2];
const IRIS_EXPECTED = -0.090524077415466309;
const IRIS_TOLERANCE = 1e-6;
// M1's TF row: the fraud classifier RedisAI's own benchmarks run, transaction FLOAT [1,30] and
// reference FLOAT [256] → output FLOAT [1,2] (a softmax), inputs as the TF tests give them. Its
// answer is not known exactly (fixtures' README: "any data → two values in [0,1]"), so the check
// is the shape and a softmax: two values in [0,1] summing to 1.
const CREDITCARD = fixturePath('creditcardfraud.pb');
const TRANSACTION_VALUES = Array.from({ length: 30 }, (_, i) => Math.sin(i));
const SOFTMAX_TOLERANCE = 1e-5;
const PYTHON = '/usr/bin/python3'; // Debian's, the one python3-torch is installed for
const SLOW_MODEL_SOURCE = path.join(ROOT, 'scripts', 'bench', 'slowModel.py');

// M1: the client count of the RedisAI figure it is compared with. 50K requests is 2–5 s at the
// 10–25K ops/s a tiny model gets, ~1.5 s for redis-server GET.
const M1_CLIENTS = 8;
const M1_REQUESTS = 50_000;
const M1_WARMUP_REQUESTS = 10_000;
// M2: sequential round trips are 30–200 µs, so 5,000 of each is about a second per run, and the
// p50 of that many moves by a microsecond or two between runs when the machine is quiet.
const M2_ITERATIONS = 5_000;
const M2_WARMUP = 1_000;
// D1: M1's client count. Our own Node load client on both forms, because redis-benchmark sends one
// command and the three-command form needs a sequence. A 3 s window holds 10K+ pipelines of either
// and evens out some of the drift of a shared machine (the server's CPU per pipeline moved 2×
// between 1.5 s windows in trials). The warm-up is 2 s of each form: after only 1 s both still sped
// up from one timed run to the next. ~22 s in all.
const D1_CLIENTS = 8;
const D1_WINDOW_MS = 3_000;
const D1_WARMUP_MS = 2_000;
const D1_MIN_RATIO = 2;
// E1: what docs/performance-targets.md calls a 200 ms model, two clients issuing it back to back (one running,
// one waiting, so the queue never idles), and a PING every millisecond for a window that spans
// a dozen runs. The lead lets the queue fill before the window opens.
const E1_RUN_MS = 200;
const E1_BUSY_CLIENTS = 2;
const E1_PING_INTERVAL_MS = 1;
const E1_WINDOW_MS = 2_500;
const E1_LEAD_MS = 500;
const E1_P99_LIMIT_MS = 2;
// Machines drift by ±25% between runs (docs/performance-targets.md): three runs, alternating which side goes
// first so none always gets the cooler minute, and the median of each.
const REPEATS = 3;

const TARGETS = {
  M1: { what: `MODELEXECUTE a+b 2×2, ${M1_CLIENTS} clients vs redis-server GET`, text: '≥ 0.8×' },
  M1onnx: { what: `MODELEXECUTE of ONNX linear_iris 1×4, ${M1_CLIENTS} clients vs redis-server GET`, text: '≥ 0.8×' },
  // The TF model's own run (~100 µs) bounds it far below GET's rate; the performance issue judges
  // this row by the server's cost around the run instead: per run, beyond TF's own forward, no
  // larger than the same cost around the ONNX model's.
  M1tf: { what: `MODELEXECUTE of TF creditcardfraud 1×30 + 256, ${M1_CLIENTS} clients: server time per run beyond TF's own forward, vs the same for ONNX linear_iris`, text: '≤ 1×' },
  M2: { what: 'one client, MODELEXECUTE p50 minus in-process run p50 vs redis-server PING p50', text: '≤ 1.5×' },
  D1: { what: `DAGEXECUTE (set → run → get) vs the three separate commands, pipelines/s, ${D1_CLIENTS} clients`, text: `≥ ${D1_MIN_RATIO}×` },
  E1: { what: `PING p99 while a ${E1_RUN_MS} ms model keeps the CPU queue busy`, text: `≤ ${E1_P99_LIMIT_MS} ms` },
};

// Commands, encoded once. The same key `c` is overwritten by every run, on both faces.
const A_VALUES = [1, 2, 3, 4];
const EXPECTED_SUM = A_VALUES.map((v) => v + v); // pt-minimal on (a, a)
const MODELEXECUTE = ['AI.MODELEXECUTE', 'm', 'INPUTS', '2', 'a', 'a', 'OUTPUTS', '1', 'c'];
const ONNX_EXECUTE = ['AI.MODELEXECUTE', 'iris', 'INPUTS', '1', 'iris:in', 'OUTPUTS', '1', 'iris:out'];
const TF_EXECUTE = ['AI.MODELEXECUTE', 'fraud', 'INPUTS', '2', 'fraud:transaction', 'fraud:reference', 'OUTPUTS', '1', 'fraud:out'];
const SLOW_EXECUTE = ['AI.MODELEXECUTE', 'slow', 'INPUTS', '1', 'rounds', 'OUTPUTS', '1', 'slow:out'];
// A small string for GET: 16 bytes, the size of the 2×2 FLOAT result MODELEXECUTE writes.
const GET_KEY = 'bench:get';
const GET_VALUE = Buffer.from('0123456789abcdef');
const PING = encodeCommand(['PING']);

/**
 * D1's two forms of one pipeline for one client: its own keys (`in:<client>`, `out:<client>`), so
 * eight clients never read or overwrite each other's tensors. The DAG uses PERSIST 2 in out: it
 * then leaves the keyspace as the three commands do (both tensors written, out read back), so the
 * ratio is what one round trip saves and not also skipped keyspace writes (PERSIST 1 out would skip
 * one, ROUTING alone both).
 */
function d1Pipeline(client: number | string): { input: string; output: string; three: string[][]; dag: string[] } {
  const input = `in:${client}`;
  const output = `out:${client}`;
  const set = ['AI.TENSORSET', input, 'FLOAT', '2', '2', 'VALUES', ...A_VALUES.map(String)];
  const run = ['AI.MODELEXECUTE', 'm', 'INPUTS', '2', input, input, 'OUTPUTS', '1', output];
  const get = ['AI.TENSORGET', output, 'VALUES'];
  return { input, output, three: [set, run, get], dag: ['AI.DAGEXECUTE', 'PERSIST', '2', input, output, '|>', ...set, '|>', ...run, '|>', ...get] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtOps = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtUs = (us: number) => `${us.toFixed(0)} µs`;
const fmtMs = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const describe = (r: unknown) => (r instanceof Error ? `error '${r.message}'` : Buffer.isBuffer(r) ? `${r.length} bytes` : JSON.stringify(r));
/** The numbers of a TENSORGET VALUES reply (FLOAT values come as bulk strings), or undefined if it is not one. */
const valuesOf = (v: Value) => (Array.isArray(v) && v.every((x) => Buffer.isBuffer(x) || typeof x === 'number') ? v.map((x) => Number(String(x))) : undefined);
const describeValue = (v: Value): string => (Array.isArray(v) ? `[${v.map(describeValue).join(', ')}]` : Buffer.isBuffer(v) ? JSON.stringify(v.toString('latin1')) : describe(v));
const floats = (b: Uint8Array) => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A setup or check command that must reply +OK; anything else stops the benchmark. */
async function expectOk(server: RunningServer, args: Array<string | Buffer>): Promise<void> {
  const reply = await request(server.port, args);
  if (reply !== 'OK') throw new Error(`${server.name}: ${String(args[0])} ${String(args[1])} replied ${describe(reply)}`);
}

/**
 * Stores pt-minimal and `a` on our server, runs it once and reads `c` back as floats; on
 * redis-server sets and reads the GET key. Run before the benchmark, so it cannot be measuring
 * error replies or wrong results, and after it, so the load did not break either.
 */
async function verifyTiny(sb: RunningServer, redis: RunningServer, blob: Buffer): Promise<void> {
  await expectOk(sb, ['AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', blob]);
  await expectOk(sb, ['AI.TENSORSET', 'a', 'FLOAT', '2', '2', 'VALUES', ...A_VALUES.map(String)]);
  await expectOk(sb, ['AI.TENSORSET', 'c', 'FLOAT', '1', 'VALUES', '0']); // so a stale c cannot pass
  await expectOk(sb, MODELEXECUTE);
  const c = await request(sb.port, ['AI.TENSORGET', 'c', 'BLOB']);
  if (!Buffer.isBuffer(c) || floats(c).join() !== EXPECTED_SUM.join()) {
    throw new Error(`stormbreaker: pt-minimal on a=[${A_VALUES}] gave ${Buffer.isBuffer(c) ? `[${floats(c)}]` : describe(c)}, not [${EXPECTED_SUM}]`);
  }
  await expectOk(redis, ['SET', GET_KEY, GET_VALUE]);
  const got = await request(redis.port, ['GET', GET_KEY]);
  if (!Buffer.isBuffer(got) || !got.equals(GET_VALUE)) throw new Error(`redis-server: GET ${GET_KEY} returned ${describe(got)}`);
}

/**
 * Stores linear_iris on our server, runs it on the fixture README's input and checks its known
 * answer: before M1 (so the ONNX row cannot be timing errors) and after it.
 */
async function verifyOnnx(sb: RunningServer, blob: Buffer): Promise<void> {
  await expectOk(sb, ['AI.MODELSTORE', 'iris', 'ONNX', 'CPU', 'BLOB', blob]);
  await expectOk(sb, ['AI.TENSORSET', 'iris:in', 'FLOAT', '1', '4', 'VALUES', ...IRIS_VALUES.map(String)]);
  await expectOk(sb, ['AI.TENSORSET', 'iris:out', 'FLOAT', '1', 'VALUES', '0']); // so a stale output cannot pass
  await expectOk(sb, ONNX_EXECUTE);
  const out = await request(sb.port, ['AI.TENSORGET', 'iris:out', 'BLOB']);
  if (!Buffer.isBuffer(out) || out.length !== 4 || Math.abs(floats(out)[0] - IRIS_EXPECTED) > IRIS_TOLERANCE) {
    throw new Error(`stormbreaker: linear_iris on [${IRIS_VALUES}] gave ${Buffer.isBuffer(out) ? `[${floats(out)}]` : describe(out)}, not [${IRIS_EXPECTED}]`);
  }
}

/**
 * Stores creditcardfraud on our server, runs it and checks its output is FLOAT [1,2] holding a
 * softmax: before M1 (so the TF row cannot be timing errors) and after it.
 */
async function verifyTf(sb: RunningServer, blob: Buffer): Promise<void> {
  await expectOk(sb, ['AI.MODELSTORE', 'fraud', 'TF', 'CPU', 'INPUTS', '2', 'transaction', 'reference', 'OUTPUTS', '1', 'output', 'BLOB', blob]);
  await expectOk(sb, ['AI.TENSORSET', 'fraud:transaction', 'FLOAT', '1', '30', 'VALUES', ...TRANSACTION_VALUES.map(String)]);
  await expectOk(sb, ['AI.TENSORSET', 'fraud:reference', 'FLOAT', '256', 'BLOB', Buffer.alloc(256 * 4)]);
  await expectOk(sb, ['AI.TENSORSET', 'fraud:out', 'FLOAT', '1', 'VALUES', '0']); // so a stale output cannot pass
  await expectOk(sb, TF_EXECUTE);
  const reply = await requestValue(sb.port, ['AI.TENSORGET', 'fraud:out', 'META', 'VALUES']);
  const [, dtype, , shape, , values] = Array.isArray(reply) ? reply : [];
  const p = Array.isArray(values) ? valuesOf(values) : undefined;
  if (String(dtype) !== 'FLOAT' || !Array.isArray(shape) || shape.join() !== '1,2' || !p || p.length !== 2 ||
      !p.every((x) => x >= 0 && x <= 1) || Math.abs(p[0] + p[1] - 1) > SOFTMAX_TOLERANCE) {
    throw new Error(`stormbreaker: creditcardfraud gave ${describeValue(reply)}, not FLOAT [1,2] holding a softmax`);
  }
}

/**
 * Runs both D1 forms once on keys of their own and checks every reply: the three commands give OK,
 * OK and [2,4,6,8]; the DAG gives [OK, OK, [2,4,6,8]] and leaves in and out in the keyspace like
 * the three commands. Stale one-element tensors go in first, so a step that silently did nothing
 * cannot pass. Needs `m` stored (verifyTiny).
 */
async function verifyDag(sb: RunningServer): Promise<void> {
  const { input, output, three, dag } = d1Pipeline('check');
  const stale = async () => {
    for (const key of [input, output]) await expectOk(sb, ['AI.TENSORSET', key, 'FLOAT', '1', 'VALUES', '0']);
  };
  const expectValues = (what: string, v: Value, want: number[]) => {
    if (valuesOf(v)?.join() !== want.join()) throw new Error(`stormbreaker: ${what} replied ${describeValue(v)}, not [${want}]`);
  };
  await stale();
  for (const command of three.slice(0, 2)) await expectOk(sb, command);
  expectValues('the three commands\' AI.TENSORGET', await requestValue(sb.port, three[2]), EXPECTED_SUM);
  await stale();
  const reply = await requestValue(sb.port, dag);
  if (!Array.isArray(reply) || reply.length !== 3 || reply[0] !== 'OK' || reply[1] !== 'OK') {
    throw new Error(`stormbreaker: AI.DAGEXECUTE replied ${describeValue(reply)}, not [OK, OK, [${EXPECTED_SUM}]]`);
  }
  expectValues('AI.DAGEXECUTE\'s AI.TENSORGET', reply[2], EXPECTED_SUM);
  expectValues(`AI.TENSORGET ${input} after the DAG (PERSIST)`, await requestValue(sb.port, ['AI.TENSORGET', input, 'VALUES']), A_VALUES);
  expectValues(`AI.TENSORGET ${output} after the DAG (PERSIST)`, await requestValue(sb.port, ['AI.TENSORGET', output, 'VALUES']), EXPECTED_SUM);
}

/** The same model in this process, through the library: the baseline M2 subtracts. */
async function inProcessEngine(blob: Buffer): Promise<{ engine: Engine; a: Tensor }> {
  // Loaded here, not at the top: a missing native build then fails like any other setup step,
  // with one line and the servers stopped, instead of a stack trace before main() runs.
  const { Engine, Tensor } = await import('../../src');
  const engine = new Engine();
  await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob });
  const a = Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT');
  const [out] = await engine.runModel('m', [a, a]);
  if (floats(out.bytes).join() !== EXPECTED_SUM.join()) throw new Error(`in-process: pt-minimal gave [${floats(out.bytes)}], not [${EXPECTED_SUM}]`);
  return { engine, a };
}

async function timeInProcess(engine: Engine, a: Tensor, count: number): Promise<number[]> {
  const out = new Array<number>(count);
  const inputs = [a, a];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await engine.runModel('m', inputs);
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

/** Backend run time (µs, summed) and run count since the last RESETSTAT, from our server's AI.INFO. */
/** Writes the E1 model with Debian's python3-torch (slowModel.py says what it computes). */
async function generateSlowModel(dir: string): Promise<Buffer> {
  const file = path.join(dir, 'slow.pt');
  await new Promise<void>((resolve, reject) => {
    const child = spawnTracked(PYTHON, [SLOW_MODEL_SOURCE, file]);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    child.once('error', (err) => reject(new Error(`${PYTHON} could not be started (python3-torch is needed for E1): ${err.message}`)));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${PYTHON} ${SLOW_MODEL_SOURCE} exited ${code} (python3-torch is needed for E1):\n${stderr}`))));
  });
  return fs.readFileSync(file);
}

/**
 * Sizes the slow model's round count so one run takes ~E1_RUN_MS on our server, here and now:
 * time a short run, scale linearly, then time the result. Two runs first, because TorchScript's
 * profiling executor optimises a graph during its first runs.
 */
async function calibrateSlowModel(sb: RunningServer, client: LatencyClient): Promise<{ rounds: number; runMs: number }> {
  const setRounds = (n: number) => expectOk(sb, ['AI.TENSORSET', 'rounds', 'FLOAT', '1', 'VALUES', String(n)]);
  const probe = 50;
  await setRounds(probe);
  const execute = encodeCommand(SLOW_EXECUTE);
  for (let i = 0; i < 2; i++) await client.roundTrip(execute);
  const probeMs = (await client.roundTrip(execute)) / 1000;
  const rounds = Math.max(1, Math.round((probe * E1_RUN_MS) / probeMs));
  await setRounds(rounds);
  const runMs = median([await client.roundTrip(execute), await client.roundTrip(execute)]) / 1000;
  const out = await request(sb.port, ['AI.TENSORGET', 'slow:out', 'BLOB']);
  if (!Buffer.isBuffer(out) || out.length !== 256 * 256 * 4 || floats(out).some((v) => !Number.isFinite(v))) {
    throw new Error(`stormbreaker: the slow model's output is ${describe(out)}, not 256×256 finite floats`);
  }
  return { rounds, runMs };
}

interface PingStats { p50: number; p99: number; max: number; count: number }
const pingStats = (xs: number[]): PingStats => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs), count: xs.length });

async function main(): Promise<void> {
  const began = Date.now();
  const startedAt = new Date().toISOString();
  const machine = machineNote();
  const redisVersion = execFileSync('/usr/bin/redis-server', ['--version']).toString().trim();
  console.log(`# Model benchmark (M1, M2, D1, E1)\n`);
  console.log(`node ${process.version}, ${redisVersion.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  const blob = fs.readFileSync(PT_MINIMAL);
  const irisBlob = fs.readFileSync(LINEAR_IRIS);
  const fraudBlob = fs.readFileSync(CREDITCARD);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-bench-'));
  try {
    // Before any server is up: python importing torch takes a core for a couple of seconds.
    const slowBlob = await generateSlowModel(tmp);

    const [sbPort, redisPort] = await freePorts(2);
    // Started one after the other so a failure names the server that failed.
    const sb = await startStormbreaker(sbPort);
    const redis = await startRedis(redisPort);
    console.log(`stormbreaker pid ${sb.pid} on port ${sbPort}; redis-server pid ${redis.pid} on port ${redisPort}`);

    await verifyTiny(sb, redis, blob);
    await verifyOnnx(sb, irisBlob);
    await verifyTf(sb, fraudBlob);
    const { engine, a } = await inProcessEngine(blob);
    await expectOk(sb, ['AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', slowBlob]);
    await verifyDag(sb);
    console.log(`correctness check passed: pt-minimal gives [${EXPECTED_SUM}] over RESP (MODELEXECUTE and DAGEXECUTE) and in-process; linear_iris gives ${IRIS_EXPECTED}; creditcardfraud gives a FLOAT [1,2] softmax; redis-server GET returns its 16 bytes`);

    // ---- M1: throughput, 8 clients, redis-benchmark on both sides --------------------------------
    // Four sides in turn: the TorchScript, ONNX and TF models on our server, GET on redis-server.
    const m1Command = { sb: MODELEXECUTE, sbOnnx: ONNX_EXECUTE, sbTf: TF_EXECUTE, redis: ['GET', GET_KEY] };
    const m1Sides = [{ key: 'sb' as const, server: sb }, { key: 'sbOnnx' as const, server: sb }, { key: 'sbTf' as const, server: sb }, { key: 'redis' as const, server: redis }];
    const m1Label = { sb: '(Torch)', sbOnnx: '(ONNX)', sbTf: '(TF)', redis: '' };
    // Warm-up: JIT-compiles our server's hot paths, lets TorchScript's profiling executor settle.
    for (const { key, server } of m1Sides) {
      await redisBenchmarkRow({ port: server.port, command: m1Command[key], clients: M1_CLIENTS, requests: M1_WARMUP_REQUESTS });
    }
    // The ONNX and TF models run only in their own M1 windows: their backend time from AI.INFO over
    // those windows tells the model's own cost from the server's around it.
    for (const key of ['iris', 'fraud']) await expectOk(sb, ['AI.INFO', key, 'RESETSTAT']);
    const m1Stats = () => ({ ops: [] as number[], p50: [] as number[], cpu: [] as number[] });
    const m1 = { sb: m1Stats(), sbOnnx: m1Stats(), sbTf: m1Stats(), redis: m1Stats() };
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const { key, server } of rep % 2 === 0 ? m1Sides : [...m1Sides].reverse()) {
        // Server CPU over the run, % of one core. Ours can pass 100%: the model runs on a native
        // queue thread beside the event loop.
        const cpu0 = server.cpuSeconds();
        const t0 = performance.now();
        const row = await redisBenchmarkRow({ port: server.port, command: m1Command[key], clients: M1_CLIENTS, requests: M1_REQUESTS });
        const cpu = ((server.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000)) * 100;
        m1[key].ops.push(row.rps);
        m1[key].p50.push(row.p50Ms * 1000);
        m1[key].cpu.push(cpu);
        console.log(`M1 run ${rep + 1} ${server.name.padEnd(12)} ${`${m1Command[key][0]} ${m1Label[key]}`.padEnd(24)} ${fmtOps(row.rps).padStart(7)} ops/s, p50 ${row.p50Ms.toFixed(3)} ms, server CPU ${cpu.toFixed(0)}%`);
      }
    }
    const forwardUs = async (key: string) => { const st = await modelRunStats(sb.port, key); return st.micros / Math.max(1, st.calls); };
    const m1Forward = { onnx: await forwardUs('iris'), tf: await forwardUs('fraud') };
    await verifyTiny(sb, redis, blob);
    await verifyOnnx(sb, irisBlob);
    await verifyTf(sb, fraudBlob);

    // ---- M2: one client, sequential round trips ---------------------------------------------------
    const sbClient = await LatencyClient.open(sb.port);
    const redisClient = await LatencyClient.open(redis.port);
    const execute = encodeCommand(MODELEXECUTE);
    // TENSORGET of the 16-byte result: an AI command with a keyspace read and no model, to tell the
    // model run's share of MODELEXECUTE from the share of being any AI command at all.
    const tensorGet = encodeCommand(['AI.TENSORGET', 'c', 'BLOB']);
    type M2Key = 'model' | 'inProcess' | 'sbTensorGet' | 'sbPing' | 'redisPing';
    const m2Runs: Record<M2Key, () => Promise<number[]>> = {
      model: () => sequential(sbClient, execute, M2_ITERATIONS),
      inProcess: () => timeInProcess(engine, a, M2_ITERATIONS),
      sbTensorGet: () => sequential(sbClient, tensorGet, M2_ITERATIONS),
      sbPing: () => sequential(sbClient, PING, M2_ITERATIONS),
      redisPing: () => sequential(redisClient, PING, M2_ITERATIONS),
    };
    const m2Keys = Object.keys(m2Runs) as M2Key[];
    await sequential(sbClient, execute, M2_WARMUP);
    await timeInProcess(engine, a, M2_WARMUP);
    await sequential(sbClient, tensorGet, M2_WARMUP);
    await sequential(sbClient, PING, M2_WARMUP);
    await sequential(redisClient, PING, M2_WARMUP);
    // Backend forward time on each side, from the same runs that are timed: it tells the model's
    // own cost apart from what surrounds it (thread hops, promise, protocol, keyspace).
    await expectOk(sb, ['AI.INFO', 'm', 'RESETSTAT']);
    const inProcessStat = engine.stats.get('m');
    if (inProcessStat) Object.assign(inProcessStat, { duration: 0, calls: 0, samples: 0 });
    // CPU per request of whoever serves it, all threads: the server's from /proc, or this
    // process's for the in-process runs. Near the round trip means the time is work, not waiting.
    const cpuOf: Record<M2Key, () => number> = {
      model: () => sb.cpuSeconds(),
      inProcess: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; },
      sbTensorGet: () => sb.cpuSeconds(),
      sbPing: () => sb.cpuSeconds(),
      redisPing: () => redis.cpuSeconds(),
    };
    const m2 = Object.fromEntries(m2Keys.map((k) => [k, { p50: [] as number[], p99: [] as number[], cpu: [] as number[] }])) as
      Record<M2Key, { p50: number[]; p99: number[]; cpu: number[] }>;
    for (let rep = 0; rep < REPEATS; rep++) {
      const line: string[] = [];
      for (const k of rep % 2 === 0 ? m2Keys : [...m2Keys].reverse()) {
        const cpu0 = cpuOf[k]();
        const xs = await m2Runs[k]();
        m2[k].cpu.push(((cpuOf[k]() - cpu0) / xs.length) * 1e6);
        m2[k].p50.push(percentile(xs, 50));
        m2[k].p99.push(percentile(xs, 99));
        line.push(`${k} p50 ${fmtUs(percentile(xs, 50))}`);
      }
      console.log(`M2 run ${rep + 1}: ${line.join(', ')}`);
    }
    const sbStats = await modelRunStats(sb.port, 'm');
    const sbForward = sbStats.micros / Math.max(1, sbStats.calls);
    const inProcessForward = inProcessStat ? inProcessStat.duration / Math.max(1, inProcessStat.calls) : NaN;

    // ---- D1: one DAGEXECUTE against TENSORSET, MODELEXECUTE, TENSORGET, 8 clients ----------------
    type D1Key = 'three' | 'dag';
    const d1Keys: D1Key[] = ['three', 'dag'];
    const d1Encoded = Array.from({ length: D1_CLIENTS }, (_, i) => {
      const { three, dag } = d1Pipeline(i);
      return { three: three.map(encodeCommand), dag: [encodeCommand(dag)] };
    });
    const d1Load = (k: D1Key, durationMs: number) =>
      runLoad({ port: sb.port, commands: (i) => d1Encoded[i][k], connections: D1_CLIENTS, durationMs });
    for (const k of d1Keys) await d1Load(k, D1_WARMUP_MS);
    // Per run: pipelines/s, commands/s, server CPU (% of one core and µs per pipeline) and the load
    // client's CPU: client and server share the two cores, and a client near 100% is the limit.
    const d1 = Object.fromEntries(d1Keys.map((k) => [k, { rounds: [] as number[], ops: [] as number[], cpu: [] as number[], cpuPerRound: [] as number[], clientCpu: [] as number[] }])) as
      Record<D1Key, { rounds: number[]; ops: number[]; cpu: number[]; cpuPerRound: number[]; clientCpu: number[] }>;
    for (let rep = 0; rep < REPEATS; rep++) {
      const line: string[] = [];
      for (const k of rep % 2 === 0 ? d1Keys : [...d1Keys].reverse()) {
        const cpu0 = sb.cpuSeconds();
        const r = await d1Load(k, D1_WINDOW_MS);
        const cpuSeconds = sb.cpuSeconds() - cpu0;
        d1[k].rounds.push(r.roundsPerSecond);
        d1[k].ops.push(r.opsPerSecond);
        d1[k].cpu.push((cpuSeconds / r.seconds) * 100);
        d1[k].cpuPerRound.push((cpuSeconds / r.rounds) * 1e6);
        d1[k].clientCpu.push(r.clientCpu);
        line.push(`${k} ${fmtOps(r.roundsPerSecond)} pipelines/s (server CPU ${((cpuSeconds / r.seconds) * 100).toFixed(0)}%, client ${r.clientCpu.toFixed(0)}%)`);
      }
      console.log(`D1 run ${rep + 1}: ${line.join(', ')}; ratio ${(d1.dag.rounds[rep] / d1.three.rounds[rep]).toFixed(2)}×`);
    }
    // Every client's last pipeline left its own right answer: none read another's tensors.
    for (let i = 0; i < D1_CLIENTS; i++) {
      const { output } = d1Pipeline(i);
      const out = await requestValue(sb.port, ['AI.TENSORGET', output, 'VALUES']);
      if (valuesOf(out)?.join() !== EXPECTED_SUM.join()) throw new Error(`stormbreaker: ${output} holds ${describeValue(out)} after D1, not [${EXPECTED_SUM}]`);
    }
    await verifyDag(sb);

    // ---- E1: PING while the CPU queue is busy with a slow model -----------------------------------
    const { rounds, runMs } = await calibrateSlowModel(sb, sbClient);
    console.log(`E1 slow model: ${rounds} rounds of a 256×256 matmul + tanh, one run ${runMs.toFixed(0)} ms on our server`);
    const slowCommand = encodeCommand(SLOW_EXECUTE);
    type E1Key = 'sbIdle' | 'redisIdle' | 'sbBusy';
    const e1Busy = { cpu: [] as number[], utilisation: [] as number[] };
    const e1Runs: Record<E1Key, () => Promise<number[]>> = {
      sbIdle: () => paced(sbClient, PING, E1_PING_INTERVAL_MS, E1_WINDOW_MS),
      redisIdle: () => paced(redisClient, PING, E1_PING_INTERVAL_MS, E1_WINDOW_MS),
      sbBusy: async () => {
        await expectOk(sb, ['AI.INFO', 'slow', 'RESETSTAT']);
        const load = runLoad({ port: sb.port, command: slowCommand, connections: E1_BUSY_CLIENTS, durationMs: E1_LEAD_MS + E1_WINDOW_MS + 100 });
        load.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
        await sleep(E1_LEAD_MS);
        const cpu0 = sb.cpuSeconds();
        const t0 = performance.now();
        const xs = await paced(sbClient, PING, E1_PING_INTERVAL_MS, E1_WINDOW_MS);
        e1Busy.cpu.push(((sb.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000)) * 100);
        const r = await load;
        // Busy means the queue never idled: the backend's own run time (AI.INFO, summed over every
        // run of the load) over the load's span should be ~100%.
        e1Busy.utilisation.push(((await modelRunStats(sb.port, 'slow')).micros / (r.seconds * 1e6)) * 100);
        return xs;
      },
    };
    const e1Keys = Object.keys(e1Runs) as E1Key[];
    const e1 = Object.fromEntries(e1Keys.map((k) => [k, [] as PingStats[]])) as Record<E1Key, PingStats[]>;
    await paced(sbClient, PING, E1_PING_INTERVAL_MS, 300); // warm-up of the paced path
    await paced(redisClient, PING, E1_PING_INTERVAL_MS, 300);
    for (let rep = 0; rep < REPEATS; rep++) {
      const line: string[] = [];
      for (const k of rep % 2 === 0 ? e1Keys : [...e1Keys].reverse()) {
        const s = pingStats(await e1Runs[k]());
        e1[k].push(s);
        line.push(`${k} p50 ${fmtMs(s.p50)} p99 ${fmtMs(s.p99)} max ${fmtMs(s.max)} (${s.count})`);
      }
      console.log(`E1 run ${rep + 1}: ${line.join(', ')}; queue busy ${e1Busy.utilisation[rep].toFixed(0)}%, server CPU ${e1Busy.cpu[rep].toFixed(0)}%`);
    }
    sbClient.close();
    redisClient.close();
    await verifyTiny(sb, redis, blob);

    // ---- Results -----------------------------------------------------------------------------------
    const m1Ratio = median(m1.sb.ops) / median(m1.redis.ops);
    const m1OnnxRatio = median(m1.sbOnnx.ops) / median(m1.redis.ops);
    const m1TfRatio = median(m1.sbTf.ops) / median(m1.redis.ops);
    // Per run, µs: the server's time per run at M1's load (one device thread serves the 8 clients'
    // runs one after another) less the backend's own forward in the same windows (AI.INFO).
    const onnxOverhead = 1e6 / median(m1.sbOnnx.ops) - m1Forward.onnx;
    const tfOverhead = 1e6 / median(m1.sbTf.ops) - m1Forward.tf;
    const tfOverheadRatio = onnxOverhead > 0 ? Math.max(0, tfOverhead) / onnxOverhead : Number.POSITIVE_INFINITY;
    const tfCell = `${fmtUs(tfOverhead)} per run (${fmtOps(median(m1.sbTf.ops))} runs/s, TF's forward ${fmtUs(m1Forward.tf)}; ${m1TfRatio.toFixed(2)}× redis-server GET)`;
    const onnxCell = `${fmtUs(onnxOverhead)} per run (${fmtOps(median(m1.sbOnnx.ops))} runs/s, forward ${fmtUs(m1Forward.onnx)})`;
    const p50 = (k: M2Key) => median(m2[k].p50);
    // Differences and ratios of M2 are taken within each run (the same second, docs/performance-targets.md) and
    // then the median: a difference of two medians can pair a noisy run of one with a quiet run
    // of the other, and come out negative.
    const perRun = (f: (p: Record<M2Key, number>) => number) =>
      median(Array.from({ length: REPEATS }, (_, i) => f(Object.fromEntries(m2Keys.map((k) => [k, m2[k].p50[i]])) as Record<M2Key, number>)));
    // A latency cell: p50, with the p99 and the serving side's CPU per request beside it.
    const m2Cell = (k: M2Key) => `${fmtUs(p50(k))} (p99 ${fmtUs(median(m2[k].p99))}, CPU ${fmtUs(median(m2[k].cpu))}/req)`;
    const overhead = perRun((p) => p.model - p.inProcess);
    const m2Ratio = perRun((p) => (p.model - p.inProcess) / p.redisPing);
    // D1's ratio is taken within each run, from the two adjacent windows, then the median, like M2's:
    // this machine drifts by more than the effect within seconds, and a ratio of medians could pair
    // a quiet window of one form with a busy one of the other.
    const d1Ratio = median(d1.dag.rounds.map((dag, i) => dag / d1.three.rounds[i]));
    const d1Cell = (k: D1Key) => `${fmtOps(median(d1[k].rounds))} pipelines/s (${fmtOps(median(d1[k].ops))} commands/s), server CPU ${median(d1[k].cpu).toFixed(0)}%`;
    const e1Of = (k: E1Key, f: 'p50' | 'p99' | 'max') => median(e1[k].map((s) => s[f]));
    const e1P99 = e1Of('sbBusy', 'p99');

    console.log(`\nMedians of ${REPEATS} runs:\n`);
    console.log('| id | measurement | stormbreaker | redis-server | ratio | target |');
    console.log('|---|---|---|---|---|---|');
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    console.log(`| M1 | MODELEXECUTE a+b 2×2 vs GET 16 B, ${M1_CLIENTS} clients (redis-benchmark) | ${fmtOps(median(m1.sb.ops))} ops/s, p50 ${fmtMs(median(m1.sb.p50))} | ${fmtOps(median(m1.redis.ops))} ops/s, p50 ${fmtMs(median(m1.redis.p50))} | ${m1Ratio.toFixed(2)}× | ${TARGETS.M1.text} ${met(m1Ratio >= 0.8)} |`);
    console.log(`| M1 | MODELEXECUTE ONNX linear_iris 1×4 vs GET 16 B, ${M1_CLIENTS} clients (redis-benchmark) | ${fmtOps(median(m1.sbOnnx.ops))} ops/s, p50 ${fmtMs(median(m1.sbOnnx.p50))} | ${fmtOps(median(m1.redis.ops))} ops/s, p50 ${fmtMs(median(m1.redis.p50))} | ${m1OnnxRatio.toFixed(2)}× | ${TARGETS.M1onnx.text} ${met(m1OnnxRatio >= 0.8)} |`);
    console.log(`| M1 | MODELEXECUTE TF creditcardfraud 1×30 + 256 vs GET 16 B, ${M1_CLIENTS} clients (redis-benchmark) | ${fmtOps(median(m1.sbTf.ops))} ops/s, p50 ${fmtMs(median(m1.sbTf.p50))} | ${fmtOps(median(m1.redis.ops))} ops/s, p50 ${fmtMs(median(m1.redis.p50))} | ${m1TfRatio.toFixed(2)}× | (judged below) |`);
    console.log(`| M1 | TF: server time per run beyond the forward, ${M1_CLIENTS} clients, vs ONNX's | ${tfCell} | ONNX ${onnxCell} | ${tfOverheadRatio.toFixed(2)}× | ${TARGETS.M1tf.text} ${met(tfOverheadRatio <= 1)} |`);
    console.log(`| M2 | MODELEXECUTE p50, 1 client | ${m2Cell('model')} | | | |`);
    console.log(`| M2 | in-process engine.runModel p50 (this process) | ${m2Cell('inProcess')} | | | |`);
    console.log(`| M2 | server overhead = MODELEXECUTE − in-process (per run), vs PING p50 | ${fmtUs(overhead)} | PING ${fmtUs(p50('redisPing'))} | ${m2Ratio.toFixed(2)}× | ${TARGETS.M2.text} ${met(m2Ratio <= 1.5)} |`);
    console.log(`| M2 | PING p50, 1 client (same raw client) | ${m2Cell('sbPing')} | ${m2Cell('redisPing')} | ${perRun((p) => p.sbPing / p.redisPing).toFixed(2)}× | |`);
    console.log(`| M2 | AI.TENSORGET c BLOB p50, 1 client (an AI command, no model) | ${m2Cell('sbTensorGet')} | | | |`);
    console.log(`| D1 | AI.TENSORSET + AI.MODELEXECUTE + AI.TENSORGET VALUES, each after the last reply, ${D1_CLIENTS} clients on own keys | ${d1Cell('three')} | | | |`);
    console.log(`| D1 | AI.DAGEXECUTE PERSIST 2 in out \\|> the same three, ${D1_CLIENTS} clients on own keys | ${d1Cell('dag')} | | ${d1Ratio.toFixed(2)}× the three commands | ${TARGETS.D1.text} ${met(d1Ratio >= D1_MIN_RATIO)} |`);
    console.log(`| E1 | PING p50 / p99 / max, idle, one every ${E1_PING_INTERVAL_MS} ms | ${fmtMs(e1Of('sbIdle', 'p50'))} / ${fmtMs(e1Of('sbIdle', 'p99'))} / ${fmtMs(e1Of('sbIdle', 'max'))} | ${fmtMs(e1Of('redisIdle', 'p50'))} / ${fmtMs(e1Of('redisIdle', 'p99'))} / ${fmtMs(e1Of('redisIdle', 'max'))} | | |`);
    console.log(`| E1 | PING p50 / p99 / max, ${E1_BUSY_CLIENTS} clients running a ${runMs.toFixed(0)} ms model back to back | ${fmtMs(e1Of('sbBusy', 'p50'))} / ${fmtMs(e1P99)} / ${fmtMs(e1Of('sbBusy', 'max'))} | | ${(e1P99 / e1Of('redisIdle', 'p99')).toFixed(1)}× redis idle p99 | ${TARGETS.E1.text} ${met(e1P99 <= E1_P99_LIMIT_MS * 1000)} |`);

    console.log('\nWhere the MODELEXECUTE time goes (differences of p50s within a run, median over runs; forward = mean backend');
    console.log('time of the timed runs; CPU/req = all the serving process\'s threads per request: near the p50 means working, not waiting):');
    console.log(`  backend forward: ${fmtUs(sbForward)} in our server, ${fmtUs(inProcessForward)} in this process`);
    console.log(`  in-process runModel around the forward (queue hop, promise, tensors): ${fmtUs(p50('inProcess') - inProcessForward)}`);
    console.log(`  our PING round trip: ${fmtUs(p50('sbPing'))} (${fmtUs(perRun((p) => p.sbPing - p.redisPing))} more than redis-server's)`);
    console.log(`  AI.TENSORGET beyond PING (an AI command's parsing, keyspace read, tensor reply): ${fmtUs(perRun((p) => p.sbTensorGet - p.sbPing))}`);
    console.log(`  MODELEXECUTE beyond TENSORGET and the in-process run (the run as the server does it): ${fmtUs(perRun((p) => p.model - p.sbTensorGet - p.inProcess))}`);
    console.log(`  server CPU per request: MODELEXECUTE ${fmtUs(median(m2.model.cpu))}, TENSORGET ${fmtUs(median(m2.sbTensorGet.cpu))}, PING ${fmtUs(median(m2.sbPing.cpu))} (redis-server PING ${fmtUs(median(m2.redisPing.cpu))})`);
    console.log(`  server CPU under M1, median % of one core: stormbreaker ${median(m1.sb.cpu).toFixed(0)}% (Torch) / ${median(m1.sbOnnx.cpu).toFixed(0)}% (ONNX) / ${median(m1.sbTf.cpu).toFixed(0)}% (TF), redis-server ${median(m1.redis.cpu).toFixed(0)}%`);
    console.log(`  backend forward under M1 (AI.INFO, mean per run): ONNX linear_iris ${fmtUs(m1Forward.onnx)}, TF creditcardfraud ${fmtUs(m1Forward.tf)}`);
    console.log(`  D1 server CPU per pipeline: three commands ${fmtUs(median(d1.three.cpuPerRound))}, DAGEXECUTE ${fmtUs(median(d1.dag.cpuPerRound))}; load client CPU ${median(d1.three.clientCpu).toFixed(0)}% / ${median(d1.dag.clientCpu).toFixed(0)}% of one core`);
    console.log(`  E1: queue busy ${median(e1Busy.utilisation).toFixed(0)}% of the load's span, our server's CPU ${median(e1Busy.cpu).toFixed(0)}% of one core meanwhile`);

    console.log('');
    console.log(`M1 ${m1Ratio >= 0.8 ? 'met' : 'NOT met'}: ${TARGETS.M1.what} ${TARGETS.M1.text} (${m1Ratio.toFixed(2)}×: ${fmtOps(median(m1.sb.ops))} vs ${fmtOps(median(m1.redis.ops))} ops/s)`);
    console.log(`M1 (ONNX) ${m1OnnxRatio >= 0.8 ? 'met' : 'NOT met'}: ${TARGETS.M1onnx.what} ${TARGETS.M1onnx.text} (${m1OnnxRatio.toFixed(2)}×: ${fmtOps(median(m1.sbOnnx.ops))} vs ${fmtOps(median(m1.redis.ops))} ops/s)`);
    console.log(`M1 (TF) ${tfOverheadRatio <= 1 ? 'met' : 'NOT met'}: ${TARGETS.M1tf.what} ${TARGETS.M1tf.text} (${tfOverheadRatio.toFixed(2)}×: TF ${fmtUs(tfOverhead)}, ONNX ${fmtUs(onnxOverhead)} per run)`);
    console.log(`M2 ${m2Ratio <= 1.5 ? 'met' : 'NOT met'}: ${TARGETS.M2.what} ${TARGETS.M2.text} (${m2Ratio.toFixed(2)}×: overhead ${fmtUs(overhead)} of MODELEXECUTE ${fmtUs(p50('model'))} over in-process ${fmtUs(p50('inProcess'))}, vs PING ${fmtUs(p50('redisPing'))})`);
    console.log(`D1 ${d1Ratio >= D1_MIN_RATIO ? 'met' : 'NOT met'}: ${TARGETS.D1.what} ${TARGETS.D1.text} (${d1Ratio.toFixed(2)}×: ${fmtOps(median(d1.dag.rounds))} vs ${fmtOps(median(d1.three.rounds))} pipelines/s)`);
    console.log(`E1 ${e1P99 <= E1_P99_LIMIT_MS * 1000 ? 'met' : 'NOT met'}: ${TARGETS.E1.what} ${TARGETS.E1.text} (p99 ${fmtMs(e1P99)}; idle ${fmtMs(e1Of('sbIdle', 'p99'))}, redis-server idle ${fmtMs(e1Of('redisIdle', 'p99'))})`);
    const seconds = (Date.now() - began) / 1000;
    const redisGet = `${fmtOps(median(m1.redis.ops))} ops/s redis-server GET`;
    writeSummary({
      bench: 'models', startedAt, seconds, machine,
      targets: [
        judged({ id: 'M1', what: TARGETS.M1.what, reference: redisGet, ours: `${fmtOps(median(m1.sb.ops))} ops/s`, value: m1Ratio, unit: '×', direction: 'atLeast', threshold: 0.8 }),
        judged({ id: 'M1 (ONNX)', what: TARGETS.M1onnx.what, reference: redisGet, ours: `${fmtOps(median(m1.sbOnnx.ops))} ops/s`, value: m1OnnxRatio, unit: '×', direction: 'atLeast', threshold: 0.8 }),
        judged({ id: 'M1 (TF)', what: TARGETS.M1tf.what, reference: `ONNX ${onnxCell}`, ours: tfCell, value: tfOverheadRatio, unit: '×', direction: 'atMost', threshold: 1 }),
        judged({
          id: 'M2', what: TARGETS.M2.what, reference: `PING p50 ${fmtUs(p50('redisPing'))}`,
          ours: `${fmtUs(overhead)} (MODELEXECUTE p50 ${fmtUs(p50('model'))}, in-process ${fmtUs(p50('inProcess'))})`, value: m2Ratio, unit: '×', direction: 'atMost', threshold: 1.5,
        }),
        judged({
          id: 'D1', what: TARGETS.D1.what, reference: `${fmtOps(median(d1.three.rounds))} pipelines/s (three commands)`,
          ours: `${fmtOps(median(d1.dag.rounds))} pipelines/s`, value: d1Ratio, unit: '×', direction: 'atLeast', threshold: D1_MIN_RATIO,
        }),
        judged({
          id: 'E1', what: TARGETS.E1.what, reference: `p99 ${fmtMs(e1Of('redisIdle', 'p99'))} (redis-server idle)`,
          ours: `p99 ${fmtMs(e1P99)}`, value: e1P99 / 1000, unit: 'ms', direction: 'atMost', threshold: E1_P99_LIMIT_MS,
        }),
      ],
    });
    console.log(`\ntotal ${seconds.toFixed(0)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

runBench(main);
