// The two servers a benchmark compares, each started as a real process on a free port: ours
// (dist/src/bin/stormbreaker-server.js) and Debian's redis-server as the reference.
import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnTracked, stopChild } from './processes';
import { request } from './resp';

// This file runs as dist/scripts/bench/servers.js.
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SERVER_BIN = path.join(ROOT, 'dist', 'src', 'bin', 'stormbreaker-server.js');
export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RunningServer {
  name: string;
  port: number;
  pid: number;
  /** User + system CPU seconds the process has used so far, from /proc (Linux). */
  cpuSeconds(): number;
  /** The part of cpuSeconds spent in the kernel (system time). */
  kernelSeconds(): number;
  stop(): Promise<void>;
}

/** Thrown when a server does not come up; the benchmark exits non-zero on it. */
export class ServerStartError extends Error {}

/**
 * `extraArgs` go after the defaults (e.g. `--dir <temp> --appendonly yes`); without them the
 * server writes nothing to disk (no --save rules, no log), so its working directory does not matter.
 * `readyTimeoutMs`: longer for a start that loads a big log or snapshot first.
 */
export function startStormbreaker(port: number, extraArgs: readonly string[] = [], readyTimeoutMs = 10_000,
  node: { args?: readonly string[]; onOutput?: (chunk: string) => void } = {}): Promise<RunningServer> {
  if (!fs.existsSync(SERVER_BIN)) throw new ServerStartError(`${SERVER_BIN} is missing: run npx tsc -p . first`);
  // --loglevel warning: the notice lines would only go to a pipe nobody reads during the run.
  const child = spawnTracked(process.execPath, [...(node.args ?? []), SERVER_BIN, '--port', String(port), '--loglevel', 'warning', ...extraArgs]);
  if (node.onOutput) child.stdout?.on('data', (d) => node.onOutput!(String(d)));
  return whenReady('stormbreaker', child, port, readyTimeoutMs);
}

/**
 * `extraArgs` go after the defaults, and redis-server applies its arguments in order as config
 * lines, so they override them (`--appendonly yes --appendfsync everysec --dir <temp>`).
 */
export function startRedis(port: number, extraArgs: readonly string[] = []): Promise<RunningServer> {
  if (!fs.existsSync(REDIS_SERVER)) throw new ServerStartError(`${REDIS_SERVER} is missing (Debian package redis-server)`);
  // By default no RDB snapshots or AOF: persistence would add disk work our server does not do.
  const child = spawnTracked(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...extraArgs]);
  return whenReady('redis-server', child, port);
}

/** The Node `net` floor for T1's exchange (nodeNetFloor.ts): a server that answers without parsing. */
export function startNodeNetFloor(port: number): Promise<RunningServer> {
  const child = spawnTracked(process.execPath, [path.join(__dirname, 'nodeNetFloor.js'), String(port)]);
  return whenReady('node-net floor', child, port);
}

/** Distinct free ports: all listeners stay open until every port is known, so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const listeners = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = listeners.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(listeners.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * Ready means INFO over TCP reports this child's process_id: log lines differ between the servers
 * (and --loglevel warning hides ours), and a mere PONG could come from some other process that
 * took the port first while this child is failing to bind it.
 */
async function whenReady(name: string, child: ChildProcess, port: number, timeoutMs = 10_000): Promise<RunningServer> {
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new ServerStartError(`${name} could not be started: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ServerStartError(`${name} exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${output}`);
    }
    const info = await request(port, ['INFO', 'server'], 500).catch(() => undefined);
    if (Buffer.isBuffer(info) && /^process_id:(\d+)\r?$/m.exec(info.toString())?.[1] === String(child.pid)) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new ServerStartError(`${name} did not answer INFO with its pid on port ${port} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid as number;
  return { name, port, pid, cpuSeconds: () => cpuSeconds(pid), kernelSeconds: () => cpuSeconds(pid, 'kernel'), stop: () => stopChild(child) };
}

let ticksPerSecond: number | undefined;
function cpuSeconds(pid: number, part: 'all' | 'kernel' = 'all'): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  // /proc/<pid>/stat: the command name in parentheses may hold spaces, so count fields after ')'.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime (fields 14, 15)
  return ((part === 'kernel' ? 0 : Number(fields[11])) + Number(fields[12])) / ticksPerSecond;
}
