// Starting servers for tests: in-process (createServer, port 0) or as a real process.
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { createServer, Server, ServerOptions } from '../../src';
import { closeAfterFile } from './closeAfterFile';
import { ROOT } from './fixtures';
import { RawClient } from './RawClient';

export { ROOT };

export const SERVER_BIN = path.join(ROOT, 'dist', 'src', 'bin', 'stormbreaker-server.js');
/** An in-process server on a free port, with logging silenced. */
export async function startServer(options: ServerOptions = {}): Promise<{ server: Server; port: number }> {
  // STORMBREAKER_TEST_STORE=redis runs the command tests on a node whose data lives in a fresh
  // real redis-server (--store), instead of the embedded store (scripts/run-tests.js does both).
  if (process.env.STORMBREAKER_TEST_STORE === 'redis' && options.engine === undefined && options.persistence === undefined && options.store === undefined) {
    options = { ...options, store: { url: `redis://127.0.0.1:${await startRedisServer()}` } };
  }
  const server = createServer({ port: 0, logSink: () => undefined, ...options });
  const { port } = await server.listen();
  closeAfterFile(() => server.close());
  return { server, port };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** How long a server process may take to start (loading deps, replaying a log) before a test gives up on it. */
const READY_TIMEOUT_MS = 60_000;

/** The real `stormbreaker-server` executable, started as its own process; resolves once it accepts connections. */
/** `configFile`, when given, comes first on the command line, as redis-server takes one. */
export async function startServerProcess(args: string[] = [], configFile?: string): Promise<{ child: ChildProcess; port: number; stop: () => Promise<void>; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_BIN, ...(configFile === undefined ? [] : [configFile]), '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  // Registered before waiting: a server that never says it is ready is still stopped.
  closeAfterFile(stop);
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (output.includes('Ready to accept connections')) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > READY_TIMEOUT_MS) {
        clearInterval(timer);
        reject(new Error(`server did not say it was ready within ${READY_TIMEOUT_MS / 1000} s (a --loglevel above notice hides the line): ${output}`));
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${code}: ${output}`));
    });
  });
  return { child, port, stop, output: () => output };
}

/** Runs a program to completion, collecting its output. */
/**
 * The environment for tools that are not our Node (python3, redis-server, redis-cli): without the
 * AddressSanitizer runtime npm run test:asan preloads into Node, which would report the tools' own
 * memory habits instead of ours.
 */
export function toolEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.LD_PRELOAD;
  return env;
}

export function run(command: string, args: string[], input?: string | Buffer,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = options.env ?? (command === process.execPath ? process.env : toolEnv());
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options, env });
    const forget = closeAfterFile(() => child.kill('SIGKILL'));
    child.on('close', forget);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * A real redis-server 7 (Debian's) on a free port, with no persistence, killed when the test file
 * ends; resolves with its port once it answers. For comparing replies with Redis's own.
 */
export async function startRedisServer(extraArgs: readonly string[] = []): Promise<number> {
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore', env: toolEnv() });
  closeAfterFile(() => child.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    const c = await RawClient.connect(port).catch(() => undefined);
    if (c !== undefined) {
      await c.close();
      return port;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}
