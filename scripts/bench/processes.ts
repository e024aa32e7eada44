// Every child process a benchmark starts goes through here, so none outlives it: not on success,
// not on a thrown error, not on Ctrl-C or SIGTERM. (A SIGKILL of the benchmark cannot be caught.)
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Asks a child to stop (SIGTERM), then SIGKILLs it if it has not exited after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function stopAll(): Promise<void> {
  return Promise.all([...live].map((c) => stopChild(c))).then(() => undefined);
}

// The last resort: 'exit' handlers must be synchronous, and kill() is.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the servers\n`);
    void stopAll().then(() => process.exit(130));
  });
}
