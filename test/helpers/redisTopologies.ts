// Real Redis topologies for the --store tests, made of Debian's redis-server (7.0): a Redis
// Cluster of primaries with replicas, and a Sentinel group (redis-server --sentinel is
// redis-sentinel). Every process is killed when the test file ends; each has its own folder.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeAfterFile } from './closeAfterFile';
import { RawClient } from './RawClient';
import { freePort, run, toolEnv } from './servers';

export interface RedisProcess {
  readonly port: number;
  /** kill -9. */
  kill(): void;
  readonly alive: boolean;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A check may give up for good (ExitedBeforeReady); any other failure is tried again.
    if (await check().catch((err: unknown) => { if (err instanceof ExitedBeforeReady) throw err; return false; })) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** One command to the Redis at `port`, on a connection of its own. */
export async function ask(port: number, ...args: Array<string | number>): Promise<unknown> {
  const client = await RawClient.connect(port);
  try {
    return await client.call(...args);
  } finally {
    await client.close();
  }
}

/** A redis-server that exited before it answered: most likely its port, or a cluster node's bus port (port + 10000), was taken meanwhile. */
class ExitedBeforeReady extends Error {}

/**
 * Starts a redis-server on a free port; one that exits before it answers is started again on
 * another (a free port's cluster bus port, 10000 above it, is in the ephemeral range and may be
 * taken by any connection; nine nodes started at once made that a real chance).
 */
async function startRedis(args: string[], configText?: string): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOnce(args, configText);
    } catch (err) {
      if (!(err instanceof ExitedBeforeReady) || attempt >= 5) throw err;
    }
  }
}

async function startRedisOnce(args: string[], configText?: string): Promise<RedisProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stormbreaker-redis-${port}-`));
  // A replica's first sync starts at once (Redis 7 waits 5 s for more replicas to share it).
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0', ...args];
  let child: ChildProcess;
  if (configText !== undefined) {
    const file = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(file, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n${configText}`);
    child = spawn('/usr/bin/redis-server', [file, '--sentinel'], { stdio: 'ignore', env: toolEnv() });
  } else {
    child = spawn('/usr/bin/redis-server', argv, { stdio: 'ignore', env: toolEnv() });
  }
  let alive = true;
  child.on('exit', () => (alive = false));
  closeAfterFile(() => {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await waitUntil(`redis on ${port} answers`, async () => {
    if (!alive) throw new ExitedBeforeReady(`redis-server on ${port} exited before it answered`);
    return (await ask(port, 'PING')) === 'PONG';
  }, 10_000);
  return { port, kill: () => child.kill('SIGKILL'), get alive() { return alive; } };
}

/** A Redis Cluster of `primaries` primaries with `replicas` replicas each, every slot served. */
export async function startRedisCluster(primaries = 3, replicas = 2): Promise<{ nodes: RedisProcess[]; url: string }> {
  const nodes = await Promise.all(Array.from({ length: primaries * (1 + replicas) }, () =>
    startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000', '--appendonly', 'no'])));
  const created = await run('/usr/bin/redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
  if (created.code !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  await waitUntil('every cluster node says cluster_state:ok and every primary has its replicas', async () => {
    for (const node of nodes) {
      if (!String(await ask(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      const replication = String(await ask(node.port, 'INFO', 'replication'));
      // Online, not waiting for its first full sync: WAIT counts only replicas that are.
      if (replication.includes('role:master') && (replication.match(/state=online/g) ?? []).length !== replicas) return false;
    }
    return true;
  });
  return { nodes, url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}` };
}

/**
 * A primary, two replicas of it (so that the promoted one still has a replica to WAIT for) and
 * three sentinels watching it as `mymaster` (quorum 2, down after 1 s).
 */
export async function startSentinelGroup(): Promise<{ primary: RedisProcess; replicas: RedisProcess[]; sentinels: RedisProcess[]; url: string }> {
  const primary = await startRedis([]);
  const replicas = [
    await startRedis(['--replicaof', '127.0.0.1', String(primary.port)]),
    await startRedis(['--replicaof', '127.0.0.1', String(primary.port)]),
  ];
  await waitUntil('the replicas are in sync', async () => (String(await ask(primary.port, 'INFO', 'replication')).match(/state=online/g) ?? []).length === 2);
  // A failover whose leader election split the votes is tried again only after twice
  // failover-timeout: at 5000 ms that retry alone is past the 10 s a failover test allows (one such
  // run took 19.8 s on a loaded machine).
  const config = `sentinel monitor mymaster 127.0.0.1 ${primary.port} 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 2000\nsentinel parallel-syncs mymaster 1\n`;
  const sentinels: RedisProcess[] = [];
  for (let i = 0; i < 3; i++) sentinels.push(await startRedis([], config));
  await waitUntil('the sentinels know the replica and each other', async () => {
    for (const s of sentinels) {
      const info = await ask(s.port, 'SENTINEL', 'MASTER', 'mymaster') as string[];
      const field = (name: string) => info[info.indexOf(name) + 1];
      if (field('num-slaves') !== '2' || field('num-other-sentinels') !== '2') return false;
    }
    return true;
  });
  return { primary, replicas, sentinels, url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/mymaster` };
}

export { waitUntil };
