// Small-value load from Debian's redis-benchmark (C, one thread): the client the reference figures
// in docs/performance-targets.md were taken with, and fast enough not to be what limits the pipelined runs.
import { spawnTracked } from './processes';

export const REDIS_BENCHMARK = '/usr/bin/redis-benchmark';

export interface RedisBenchmarkOptions {
  port: number;
  /** The command and its arguments, sent as given (arbitrary-command mode). */
  command: readonly string[];
  clients: number;
  requests: number;
  pipeline?: number;
  /** -r: `__rand_int__` in the command becomes a random number below this (a keyspace of that many keys). */
  keyspace?: number;
  /** Also measure redis-benchmark's own CPU (RedisBenchmarkRow.clientSeconds). */
  clientCpu?: boolean;
}

/** Runs redis-benchmark once and returns its ops/s; rejects if it failed or saw an error reply. */
export function redisBenchmark(o: RedisBenchmarkOptions): Promise<number> {
  return redisBenchmarkRow(o).then((row) => row.rps);
}

/** One run's CSV row: ops/s and the latency percentiles redis-benchmark measured, in ms. */
export interface RedisBenchmarkRow {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  /** redis-benchmark's user + system CPU, in s (with clientCpu). */
  clientSeconds?: number;
}

// Runs redis-benchmark under bash, whose `times` then prints its children's CPU (from the rusage of
// the reaped child, so nothing is missed at the end) as the last line of stderr.
const WITH_TIMES = '"$@"; code=$?; times >&2; exit $code';

/** The children's CPU (the second line of bash's `times`: "0m1.234s 0m0.567s"), in s. */
function childrenSeconds(stderr: string): number | undefined {
  const lines = stderr.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
  return m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : undefined;
}

/** Runs redis-benchmark once and returns its whole CSV row; rejects as redisBenchmark does. */
export function redisBenchmarkRow(o: RedisBenchmarkOptions): Promise<RedisBenchmarkRow> {
  const args = ['-h', '127.0.0.1', '-p', String(o.port), '-c', String(o.clients), '-n', String(o.requests), '-q', '--csv'];
  if (o.pipeline && o.pipeline > 1) args.push('-P', String(o.pipeline));
  if (o.keyspace) args.push('-r', String(o.keyspace));
  args.push(...o.command);
  return new Promise((resolve, reject) => {
    const child = o.clientCpu ? spawnTracked('bash', ['-c', WITH_TIMES, 'bash', REDIS_BENCHMARK, ...args]) : spawnTracked(REDIS_BENCHMARK, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      // redis-benchmark 7 exits 1 on the first error reply ("Error from server: ..."), so a
      // non-zero exit is how a benchmark of error replies is caught.
      if (code !== 0) return reject(new Error(`redis-benchmark ${o.command[0]} exited ${code ?? signal}: ${stderr.trim() || stdout.trim()}`));
      // --csv prints a header and one row: "test","rps","avg_latency_ms","min_latency_ms",
      // "p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms". The test name is the
      // whole command line (it may hold commas), so take the seven numbers that end the row.
      const m = /,"([\d.]+)","([\d.]+)","[\d.]+","([\d.]+)","[\d.]+","([\d.]+)","[\d.]+"\s*$/m.exec(stdout);
      const rps = m ? Number(m[1]) : NaN;
      if (!m || !Number.isFinite(rps) || rps <= 0) return reject(new Error(`no ops/s in redis-benchmark output:\n${stdout}${stderr}`));
      const clientSeconds = o.clientCpu ? childrenSeconds(stderr) : undefined;
      if (o.clientCpu && clientSeconds === undefined) return reject(new Error(`no CPU times after redis-benchmark:\n${stderr}`));
      resolve({ rps, avgMs: Number(m[2]), p50Ms: Number(m[3]), p99Ms: Number(m[4]), clientSeconds });
    });
  });
}
