// Target P1 in one run: write throughput with the append-only log on (appendfsync everysec)
// against the same server without it, for our server (AI.TENSORSET) and for redis-server (SET of
// the same bytes), four real processes on this machine, same clients, same minute. Then the
// logging stormbreaker is killed and started again on its directory, and must read back what the
// run wrote: the log really holds the writes. Prints a markdown table of medians and one line per
// target; writes bench/.last-persistence.json.
//   npm run bench:persistence      (or: npx tsc -p . && node dist/scripts/bench/persistence.js)
//
// P1 has no figure in docs/performance-targets.md. The small-value row is judged as: our throughput with the
// log over ours without it is at least 0.8× redis-server's same ratio (the log may cost us somewhat
// more than it costs Redis, not much more). Ours with the log against redis-server with the log is
// printed and kept beside it, unjudged (T1/T2 already judge that gap without the log). The 1 MiB
// row is reported without a verdict: with the log, both servers spend those windows writing and
// rewriting it, so the ratio of ratios there mostly measures how fast each is without it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runLoad } from './loadClient';
import { stopAll } from './processes';
import { redisBenchmark } from './redisBenchmark';
import { encodeCommand, request, requestRaw, requestValue } from './resp';
import { freePorts, RunningServer, startRedis, startStormbreaker } from './servers';
import { judged, machineNote, TargetRow, writeSummary } from './summary';
import { runBench } from './runBench';

// T1's and T2's load (tensors.ts), so P1's no-log figures can be read beside theirs: 50 clients,
// 100K small writes per run (1.5–8 s at the 12–75K ops/s seen). The 1 MiB windows are 3 s, not
// T2's 5 s: with the log each one puts 0.3–1 GB through the disk of a shared machine, and 3 s
// still holds several rewrites of the log on either server.
const CLIENTS = 50;
const SMALL_REQUESTS = 100_000;
const SMALL_WARMUP_REQUESTS = 20_000;
const BIG_WINDOW_MS = 3_000;
const BIG_WARMUP_MS = 1_000;
// Small writes go to random keys out of this many (redis-benchmark -r), so the log describes a
// growing keyspace as a real one would, and the restart check has ~100K keys to bring back. Both
// servers of a pair get the same keys, so the keyspace is no difference between them. The 1 MiB
// writes overwrite one key, as in T2 (100K distinct MiBs would not fit in memory).
const KEYSPACE = 100_000;
// Machines drift by ±25% between runs (docs/performance-targets.md), and a first trial here saw redis-server's
// two windows of one run differ 2× in the wrong direction: five runs of the small writes (cheap),
// three of the 1 MiB ones, alternating the order of the four servers so none always gets the cooler
// minute; ratios are taken within each run, between adjacent windows of the same server program,
// then the median (as D1 does in models.ts).
const SMALL_REPEATS = 5;
const BIG_REPEATS = 3;
// Before each window the machine's dirty page cache (Dirty + Writeback, /proc/meminfo) must drain
// below this, for at most the timeout: a logging window leaves up to a second of writes for the
// kernel to flush, and that flush would otherwise run during, and slow, the next server's window.
const QUIET_DIRTY_BYTES = 32 * 1024 * 1024;
const QUIET_TIMEOUT_MS = 15_000;
// P1's rule (no figure in docs/performance-targets.md): our with-log/without-log ratio ≥ 0.8 × redis-server's.
const P1_MIN_RATIO = 0.8;
// The restart check reads back this many of the run's small keys (a random sample, all compared
// byte for byte) and the 1 MiB key; the key count must match exactly.
const RESTART_SAMPLE = 2_000;
// The restart replays a log of several hundred MB (1 MiB writes and ~500K small ones): 3–14 s in trials.
const RESTART_TIMEOUT_MS = 120_000;
// Redis' defaults, spelled out on both servers so the comparison cannot drift if a default does:
// a rewrite when the log doubled past 64 MB. Both servers rewrite under this load (the 1 MiB
// writes pass 64 MB in well under a second), so rewrites are part of what is measured, as they
// would be for a user with the default settings.
const LOG_ARGS = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '100', '--auto-aof-rewrite-min-size', '64mb'];

// 30 FLOATs, printable because redis-benchmark takes the blob as an argv string (tensors.ts).
const SMALL = Buffer.alloc(120, 'A');
// 262,144 FLOATs in a non-repeating-looking pattern, so the restart check catches shifted bytes.
const BIG = Buffer.alloc(1 << 20);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + 7) & 0xff;
const SMALL_PREFIX = 'p1:';
const BIG_KEY = 'p1big';

type Program = 'stormbreaker' | 'redis';
type SideKey = 'sbLog' | 'sbPlain' | 'redisLog' | 'redisPlain';
interface Side { key: SideKey; program: Program; log: boolean; label: string; server: RunningServer; dir: string }

const setCommand = (program: Program, key: string, blob: Buffer): Array<string | Buffer> =>
  program === 'stormbreaker' ? ['AI.TENSORSET', key, 'FLOAT', '1', String(blob.length / 4), 'BLOB', blob] : ['SET', key, blob];
const getCommand = (program: Program, key: string): string[] => (program === 'stormbreaker' ? ['AI.TENSORGET', key, 'BLOB'] : ['GET', key]);
const asArgv = (args: Array<string | Buffer>) => args.map((a) => (Buffer.isBuffer(a) ? a.toString('latin1') : a));

interface Workload {
  id: string;
  label: string;
  /** The label as the combined report's 'what' begins. */
  short: string;
  bytes?: number;
  repeats: number;
  /** False: the row is reported without a verdict (see the top of the file). */
  judged: boolean;
  run(side: Side, warmup: boolean): Promise<number>;
}

const bigEncoded = { stormbreaker: encodeCommand(setCommand('stormbreaker', BIG_KEY, BIG)), redis: encodeCommand(setCommand('redis', BIG_KEY, BIG)) };
const WORKLOADS: Workload[] = [
  {
    id: 'P1', label: `TENSORSET 1×30 FLOAT vs SET 120 B, ${CLIENTS} clients, random keys of ${KEYSPACE.toLocaleString('en-US')}`,
    short: `TENSORSET vs SET 120 B, ${CLIENTS} clients, random keys`, repeats: SMALL_REPEATS, judged: true,
    run: (side, warmup) => redisBenchmark({
      port: side.server.port, command: asArgv(setCommand(side.program, `${SMALL_PREFIX}__rand_int__`, SMALL)),
      clients: CLIENTS, requests: warmup ? SMALL_WARMUP_REQUESTS : SMALL_REQUESTS, keyspace: KEYSPACE,
    }),
  },
  {
    id: 'P1 (1 MiB)', label: `TENSORSET 1×262144 FLOAT vs SET 1 MiB, ${CLIENTS} clients, one key`, bytes: BIG.length,
    short: `TENSORSET vs SET 1 MiB, ${CLIENTS} clients`, repeats: BIG_REPEATS, judged: false,
    run: async (side, warmup) => (await runLoad({ port: side.server.port, command: bigEncoded[side.program], connections: CLIENTS, durationMs: warmup ? BIG_WARMUP_MS : BIG_WINDOW_MS })).opsPerSecond,
  },
];
// The 1 MiB windows run first, on a keyspace holding only the check keys, as T2's do: after the
// small writes they would run on ~100K keys, and in a trial that made our server's 1 MiB writes
// 3× slower even without the log (85–300 ops/s, where T2 sees ~800), which is not what P1 asks.
const RUN_ORDER = [1, 0];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtOps = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtRate = (ops: number, bytes?: number) => `${fmtOps(ops)} ops/s${bytes ? ` (${((ops * bytes) / 1e9).toFixed(2)} GB/s)` : ''}`;
const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const describe = (r: unknown) => (r instanceof Error ? `error '${r.message}'` : Buffer.isBuffer(r) ? `${r.length} bytes` : JSON.stringify(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** INFO <section> as field → value. */
async function info(port: number, section: string): Promise<Map<string, string>> {
  const raw = await request(port, ['INFO', section]);
  if (!Buffer.isBuffer(raw)) throw new Error(`INFO ${section} on port ${port} replied ${describe(raw)}`);
  return new Map(raw.toString('latin1').split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}
/** The process's resident memory, from /proc (Linux). */
const rssBytes = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? NaN) * 1024;

/** Waits for the dirty page cache to drain (QUIET_DIRTY_BYTES); returns the seconds waited. */
async function quietDisk(): Promise<number> {
  const t0 = performance.now();
  const dirty = () => {
    const m = fs.readFileSync('/proc/meminfo', 'latin1');
    return ['Dirty', 'Writeback'].reduce((sum, f) => sum + Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(m)?.[1] ?? 0) * 1024, 0);
  };
  while (dirty() > QUIET_DIRTY_BYTES && performance.now() - t0 < QUIET_TIMEOUT_MS) await sleep(100);
  return (performance.now() - t0) / 1000;
}

const aofSize = async (side: Side) => Number((await info(side.server.port, 'persistence')).get('aof_current_size') ?? NaN);

/** Writes and reads back both values on one side; also that the log is on exactly where it should be. */
async function verify(side: Side): Promise<void> {
  for (const [key, blob] of [[`${SMALL_PREFIX}check`, SMALL], [BIG_KEY, BIG]] as const) {
    const set = await request(side.server.port, setCommand(side.program, key, blob));
    if (set !== 'OK') throw new Error(`${side.label}: ${setCommand(side.program, key, blob)[0]} ${key} replied ${describe(set)}`);
    const got = await request(side.server.port, getCommand(side.program, key));
    if (!Buffer.isBuffer(got) || !got.equals(blob)) throw new Error(`${side.label}: ${getCommand(side.program, key).join(' ')} returned ${describe(got)}, not the ${blob.length} bytes set`);
  }
  const enabled = (await info(side.server.port, 'persistence')).get('aof_enabled');
  if (enabled !== (side.log ? '1' : '0')) throw new Error(`${side.label}: INFO persistence says aof_enabled:${enabled}`);
}

/** The keys of the run's small writes on our logging server (KEYS, then a fixed-size sample). */
async function smallKeys(port: number): Promise<Buffer[]> {
  const keys = await requestValue(port, ['KEYS', `${SMALL_PREFIX}0*`], 30_000);
  if (!Array.isArray(keys) || !keys.every(Buffer.isBuffer)) throw new Error(`KEYS replied ${describe(keys)}`);
  return keys as Buffer[];
}

/**
 * The log's proof: our logging server is killed (SIGKILL, as a crash: nothing is flushed or saved
 * on the way out), its log must be as long as INFO said, and a new server started on the same
 * directory must hold the same number of keys, a sample of the run's keys with their exact bytes,
 * and the 1 MiB key. Returns what it checked, for the printout.
 */
async function restartCheck(side: Side): Promise<string> {
  const { port } = side.server;
  const dbsize = await requestValue(port, ['DBSIZE']);
  const keys = await smallKeys(port);
  const loggedBytes = await aofSize(side);
  if (keys.length < KEYSPACE / 2) throw new Error(`${side.label}: only ${keys.length} keys of the run's writes before the restart`);
  process.kill(side.server.pid, 'SIGKILL');
  await side.server.stop(); // resolves once the process is gone
  const logFile = path.join(side.dir, 'appendonly.aof');
  const onDisk = fs.statSync(logFile).size;
  if (onDisk !== loggedBytes) throw new Error(`${side.label}: ${logFile} holds ${onDisk} bytes after the kill; INFO said ${loggedBytes}`);

  const [newPort] = await freePorts(1);
  const t0 = performance.now();
  const again = await startStormbreaker(newPort, ['--dir', side.dir, ...LOG_ARGS], RESTART_TIMEOUT_MS);
  const loadSeconds = (performance.now() - t0) / 1000;
  try {
    const dbsizeAgain = await requestValue(newPort, ['DBSIZE']);
    if (typeof dbsize !== 'number' || dbsizeAgain !== dbsize) throw new Error(`${side.label} restarted: DBSIZE ${describe(dbsizeAgain)}, ${describe(dbsize)} before the kill`);
    // A random sample (a partial Fisher–Yates shuffle): any key of the run may be the one checked.
    const sample = [...keys];
    for (let j = 0; j < Math.min(RESTART_SAMPLE, sample.length); j++) {
      const k = j + Math.floor(Math.random() * (sample.length - j));
      [sample[j], sample[k]] = [sample[k], sample[j]];
    }
    sample.length = Math.min(RESTART_SAMPLE, sample.length);
    for (const key of sample) {
      const got = await request(newPort, ['AI.TENSORGET', key, 'BLOB']);
      if (!Buffer.isBuffer(got) || !got.equals(SMALL)) throw new Error(`${side.label} restarted: AI.TENSORGET ${key.toString('latin1')} BLOB returned ${describe(got)}, not the 120 bytes written`);
    }
    const meta = (await requestRaw(newPort, ['AI.TENSORGET', sample[0], 'META'])).toString('latin1');
    if (!/FLOAT/.test(meta) || !/\*2\r\n:1\r\n:30\r\n/.test(meta)) throw new Error(`${side.label} restarted: ${sample[0].toString('latin1')} is not FLOAT [1,30]: ${JSON.stringify(meta)}`);
    const big = await request(newPort, ['AI.TENSORGET', BIG_KEY, 'BLOB']);
    if (!Buffer.isBuffer(big) || !big.equals(BIG)) throw new Error(`${side.label} restarted: AI.TENSORGET ${BIG_KEY} BLOB returned ${describe(big)}, not the 1 MiB written`);
  } finally {
    await again.stop();
  }
  return `killed (SIGKILL) and started again on its directory: its ${fmtMB(onDisk)} log loaded in ${loadSeconds.toFixed(1)} s ` +
    `(start to INFO answering) with all ${dbsize} keys; ${RESTART_SAMPLE} of the run's random keys and the 1 MiB key read back byte for byte`;
}

async function main(): Promise<void> {
  const began = Date.now();
  const startedAt = new Date().toISOString();
  const machine = machineNote();
  const redisVersion = execFileSync('/usr/bin/redis-server', ['--version']).toString().trim();
  console.log(`# Persistence benchmark (P1)\n`);
  console.log(`node ${process.version}, ${redisVersion.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  // Fresh directories on the machine's disk (os.tmpdir(): the same ext4 volume here, not tmpfs,
  // so fdatasync does real work), one per server, removed at the end.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-bench-p1-'));
  try {
    const dirOf = (k: SideKey) => { const d = path.join(tmp, k); fs.mkdirSync(d); return d; };
    const ports = await freePorts(4);
    const specs: Array<Omit<Side, 'server'> & { start: () => Promise<RunningServer> }> = [
      { key: 'sbLog', program: 'stormbreaker', log: true, label: 'stormbreaker AOF', dir: dirOf('sbLog'), start: () => startStormbreaker(ports[0], ['--dir', path.join(tmp, 'sbLog'), ...LOG_ARGS]) },
      { key: 'sbPlain', program: 'stormbreaker', log: false, label: 'stormbreaker', dir: dirOf('sbPlain'), start: () => startStormbreaker(ports[1], ['--dir', path.join(tmp, 'sbPlain')]) },
      { key: 'redisLog', program: 'redis', log: true, label: 'redis-server AOF', dir: dirOf('redisLog'), start: () => startRedis(ports[2], [...LOG_ARGS, '--dir', path.join(tmp, 'redisLog'), '--save', '']) },
      { key: 'redisPlain', program: 'redis', log: false, label: 'redis-server', dir: dirOf('redisPlain'), start: () => startRedis(ports[3], ['--appendonly', 'no', '--save', '', '--dir', path.join(tmp, 'redisPlain')]) },
    ];
    // Started one after the other so a failure names the server that failed.
    const sides: Side[] = [];
    for (const { start, ...spec } of specs) sides.push({ ...spec, server: await start() });
    for (const s of sides) console.log(`${s.label.padEnd(17)} pid ${s.server.pid} on port ${s.server.port}, --dir ${s.dir}`);
    const bySide = Object.fromEntries(sides.map((s) => [s.key, s])) as Record<SideKey, Side>;

    for (const side of sides) await verify(side);
    console.log('correctness check passed: all four return the exact bytes set (120 B and 1 MiB); the log is on on exactly the two AOF servers');

    type Stats = { ops: number[]; cpu: number[]; rewrites: number[] };
    for (const w of WORKLOADS) console.log(`${w.id}: ${w.label}`);
    console.log('');
    const results = WORKLOADS.map(() => Object.fromEntries(sides.map((s) => [s.key, { ops: [], cpu: [], rewrites: [] } as Stats])) as Record<SideKey, Stats>);
    for (const i of RUN_ORDER) {
      const w = WORKLOADS[i];
      // A warm-up pass right before the windows: JIT-compiles our server's hot paths for this
      // command, fills allocator pools, and has each log writing these commands already.
      for (const side of sides) await w.run(side, true);
      for (let rep = 0; rep < w.repeats; rep++) {
        // Forward, then reversed: each program's two servers stay adjacent, so its ratio compares
        // windows seconds apart.
        for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
          const waited = await quietDisk();
          const before = side.log ? await info(side.server.port, 'persistence') : undefined;
          const cpu0 = side.server.cpuSeconds();
          const t0 = performance.now();
          const ops = await w.run(side, false);
          const seconds = (performance.now() - t0) / 1000;
          const cpu = ((side.server.cpuSeconds() - cpu0) / seconds) * 100;
          const r = results[i][side.key];
          r.ops.push(ops);
          r.cpu.push(cpu);
          let logNote = '';
          if (before) {
            // Automatic rewrites that ran meanwhile: redis-server counts them (aof_rewrites); ours
            // has no counter, and shows that at least one ran as a changed aof_base_size.
            const after = await info(side.server.port, 'persistence');
            const rewrites = side.program === 'redis'
              ? Number(after.get('aof_rewrites')) - Number(before.get('aof_rewrites'))
              : Number(after.get('aof_base_size') !== before.get('aof_base_size'));
            r.rewrites.push(rewrites);
            const rewriteNote = side.program === 'redis' ? `${rewrites} rewrites` : rewrites ? 'rewritten' : 'not rewritten';
            const running = after.get('aof_rewrite_in_progress') === '1' ? ', a rewrite running' : '';
            logNote = `, log ${fmtMB(Number(after.get('aof_current_size')))} (${rewriteNote}${running})`;
          }
          const quiet = waited >= 0.5 ? ` [waited ${waited.toFixed(1)} s for the disk]` : '';
          console.log(`${w.id} | run ${rep + 1} ${side.label.padEnd(17)} ${fmtRate(ops, w.bytes).padStart(24)}, server CPU ${cpu.toFixed(0)}%, RSS ${fmtMB(rssBytes(side.server.pid))}${logNote}${quiet}`);
        }
      }
      // A rewrite still running would make the next workload's windows pay for this one's.
      for (const side of sides.filter((s) => s.log)) {
        for (let waited = 0; (await info(side.server.port, 'persistence')).get('aof_rewrite_in_progress') === '1' && waited < 30_000; waited += 100) await sleep(100);
      }
    }

    for (const side of sides) {
      if (side.key === 'sbLog') continue; // checked by the restart below, which must see the run's last writes as they are
      const got = await request(side.server.port, getCommand(side.program, BIG_KEY));
      if (!Buffer.isBuffer(got) || !got.equals(BIG)) throw new Error(`${side.label}: ${BIG_KEY} holds ${describe(got)} after the run`);
    }
    const restart = await restartCheck(bySide.sbLog);
    console.log(`\nstormbreaker AOF ${restart}`);

    // Per run, then the median of each ratio; P1's value is the ratio of the two medians, so the
    // three figures printed side by side agree with each other.
    const perRun = (i: number, f: (r: Record<SideKey, number>) => number) =>
      median(Array.from({ length: WORKLOADS[i].repeats }, (_, rep) => f(Object.fromEntries(sides.map((s) => [s.key, results[i][s.key].ops[rep]])) as Record<SideKey, number>)));
    console.log(`\nMedians of ${SMALL_REPEATS} runs (120 B) and ${BIG_REPEATS} runs (1 MiB); ratios taken within each run, then the median; GB/s = 10^9 bytes of payload per second:\n`);
    console.log('| id | workload | stormbreaker AOF | stormbreaker | ours AOF ÷ no AOF | redis-server AOF | redis-server | redis AOF ÷ no AOF | ours ÷ redis, both AOF | P1: ours ÷ redis\' cost ratio |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const rows: TargetRow[] = [];
    const verdicts: string[] = [];
    for (const [i, w] of WORKLOADS.entries()) {
      const ops = (k: SideKey) => median(results[i][k].ops);
      const ours = perRun(i, (r) => r.sbLog / r.sbPlain);
      const theirs = perRun(i, (r) => r.redisLog / r.redisPlain);
      const versus = perRun(i, (r) => r.sbLog / r.redisLog);
      const value = ours / theirs;
      const met = value >= P1_MIN_RATIO;
      const verdict = w.judged ? `≥ ${P1_MIN_RATIO}× ${met ? 'met' : 'not met'}` : 'reported, not judged';
      console.log(`| ${w.id} | ${w.label} | ${fmtRate(ops('sbLog'), w.bytes)} | ${fmtRate(ops('sbPlain'), w.bytes)} | ${ours.toFixed(2)}× | ${fmtRate(ops('redisLog'), w.bytes)} | ${fmtRate(ops('redisPlain'), w.bytes)} | ${theirs.toFixed(2)}× | ${versus.toFixed(2)}× | ${value.toFixed(2)}× (${verdict}) |`);
      const row = judged({
        id: w.id,
        what: `${w.short}: with appendfsync everysec ÷ without, ours over redis-server's`,
        reference: `redis-server SET ${fmtRate(ops('redisLog'), w.bytes)} with AOF, ${fmtRate(ops('redisPlain'), w.bytes)} without: ${theirs.toFixed(2)}×`,
        ours: `${fmtRate(ops('sbLog'), w.bytes)} with AOF, ${fmtRate(ops('sbPlain'), w.bytes)} without: ${ours.toFixed(2)}×; with AOF ${versus.toFixed(2)}× redis-server with AOF`,
        value, unit: '×', direction: 'atLeast', threshold: P1_MIN_RATIO,
      });
      rows.push({ ...row, ...(w.judged ? {} : { informational: true, met: false }), figures: { oursLogOps: ops('sbLog'), oursPlainOps: ops('sbPlain'), redisLogOps: ops('redisLog'), redisPlainOps: ops('redisPlain'), oursLogRatio: ours, redisLogRatio: theirs, oursVsRedisWithLog: versus } });
      verdicts.push(`${w.id} ${w.judged ? (met ? 'met' : 'NOT met') : '(reported, not judged)'}: ${w.label}: with/without AOF ours ${ours.toFixed(2)}×, ` +
        `redis-server's ${theirs.toFixed(2)}×, ours over theirs ${value.toFixed(2)}×${w.judged ? ` (needs ≥ ${P1_MIN_RATIO}×)` : ''}; ours with AOF ${versus.toFixed(2)}× redis-server with AOF`);
    }

    console.log('\nServer CPU, median % of one core; automatic log rewrites during the timed windows:');
    for (const [i, w] of WORKLOADS.entries()) {
      const r = results[i];
      const cpu = sides.map((s) => `${s.label} ${median(r[s.key].cpu).toFixed(0)}%`).join(', ');
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      console.log(`  ${w.id}: ${cpu}\n    redis-server ${sum(r.redisLog.rewrites)} rewrites in ${w.repeats} windows; ours finished a rewrite during ${sum(r.sbLog.rewrites)} of ${w.repeats} windows`);
    }
    console.log('');
    for (const v of verdicts) console.log(v);
    const seconds = (Date.now() - began) / 1000;
    writeSummary({ bench: 'persistence', startedAt, seconds, machine, targets: rows });
    console.log(`\ntotal ${seconds.toFixed(0)} s`);
  } finally {
    await stopAll(); // before the directories go: a server must not write into a removed one
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

runBench(main);
