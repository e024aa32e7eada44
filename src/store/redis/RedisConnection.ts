// The node's connection to the Redis that keeps its data, whatever its shape: one server, a
// Sentinel group or a Cluster. node-redis (version pinned in package.json) does the sockets,
// reconnects, Sentinel's +switch-master and the cluster's MOVED/ASK for single commands; what is
// ours is routing by key, fan-out to every primary, and in-order pipelines on one connection.
import type * as NodeRedis from '@redis/client';
import calculateSlot from 'cluster-key-slot';
import { StormbreakerError } from '../../errors';
import type { StoreUrl } from './storeUrl';

/** An argument as node-redis sends it. */
export type RedisArg = string | Buffer;

/**
 * node-redis, loaded by the first connection to a store, not when this file is: its
 * VerbatimString (`class … extends String`) turns String.prototype into a dictionary-mode object,
 * after which every string method call in the process (charCodeAt, toLowerCase, …) takes V8's
 * generic property lookup (3% of the event loop under M1). A node without --store never pays it.
 */
function nodeRedis() {
  return (loaded ??= load());
}

let loaded: ReturnType<typeof load> | undefined;

function load() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('@redis/client') as typeof NodeRedis;
  // Replies as the protocol gives them: bulk strings as Buffers (binary safe), status replies as
  // strings, integers as numbers (a reply past 2^53 loses precision: node-redis reads RESP2
  // integers as numbers or as text indistinguishable from a status), errors as thrown ErrorReply.
  const typeMapping = {
    [lib.RESP_TYPES.BLOB_STRING]: Buffer,
    [lib.RESP_TYPES.SIMPLE_STRING]: String,
    [lib.RESP_TYPES.NUMBER]: Number,
  } as const;
  return { lib, typeMapping };
}

export interface ConnectionOptions {
  /** How long one command may wait for its reply (ms). */
  readonly commandTimeoutMs: number;
  /** How long connecting may take (ms). */
  readonly connectTimeoutMs: number;
  /** How long a command that is safe to repeat is retried through a failover (ms). */
  readonly failoverDeadlineMs: number;
}

// Replies to a login that no retry will change.
const LOGIN_REFUSED = /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|invalid username-password|without any password configured/i;

// Errors after which the same command may succeed shortly: the cluster or a primary is changing.
const TRANSIENT = /^(CLUSTERDOWN|TRYAGAIN|READONLY|LOADING|MASTERDOWN|MOVED|ASK|EXECABORT)\b/;

// node-redis's generic client types are deep; this file is the one place that touches them.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyClient = any;

export class RedisConnection {
  private constructor(
    private readonly url: StoreUrl,
    private readonly client: AnyClient,
    private readonly options: ConnectionOptions,
  ) {}

  /** Whether keys must share a slot to be written together (a Redis Cluster). */
  get clustered(): boolean {
    return this.url.kind === 'cluster';
  }

  /** A connection to the store, not yet connected (connect). */
  static create(url: StoreUrl, options: ConnectionOptions): RedisConnection {
    const socket = (node: { host: string; port: number }) => ({
      host: node.host, port: node.port, tls: url.tls || undefined, connectTimeout: options.connectTimeoutMs,
      // Keep trying while Redis is away (a failover); commands fail by their own timeout meanwhile.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
    }) as any;
    const auth = { username: url.username, password: url.password };
    const { createClient, createCluster, createSentinel } = nodeRedis().lib;
    let client: AnyClient;
    if (url.kind === 'standalone') {
      client = createClient({ socket: socket(url.nodes[0]), ...auth, database: url.database, RESP: 2, disableOfflineQueue: false });
    } else if (url.kind === 'cluster') {
      client = createCluster({
        rootNodes: url.nodes.map((n) => ({ socket: socket(n) })),
        defaults: { ...auth, socket: { tls: url.tls || undefined, connectTimeout: options.connectTimeoutMs, reconnectStrategy: (r: number) => Math.min(50 * 2 ** r, 1000) } as any },
        maxCommandRedirections: 16,
        RESP: 2,
      });
    } else {
      client = createSentinel({
        name: url.masterName!,
        sentinelRootNodes: url.nodes.map((n) => ({ host: n.host, port: n.port })),
        nodeClientOptions: { ...auth, database: url.database, RESP: 2, socket: { tls: url.tls || undefined, connectTimeout: options.connectTimeoutMs } as any },
        RESP: 2,
        maxCommandRediscovers: 64,
        // Ask the sentinels for the primary every second as well as following their +switch-master
        // messages: a client that missed one kept reconnecting to the dead primary (node-redis
        // issue 3061; its scan is off unless set, whatever its docs say), and a node stayed down
        // for over 30 s in one failover test.
        scanInterval: 1000,
      } as any);
    }
    // node-redis reports socket errors as events; a command's own failure is what callers see.
    client.on('error', () => undefined);
    return new RedisConnection(url, client, options);
  }

  /**
   * Connects; rejects with why when the store cannot be reached. node-redis retries a failed
   * connection for ever (as it must through a failover later), so a node started with a wrong
   * password, or against a Redis that is not there, would wait silently: a refused login fails at
   * once, anything else once failoverDeadlineMs has passed without a connection.
   */
  async connect(): Promise<void> {
    let lastError: unknown;
    let timer: NodeJS.Timeout | undefined;
    let onError: (err: unknown) => void = () => undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      onError = (err) => {
        lastError = err;
        if (err instanceof Error && LOGIN_REFUSED.test(err.message)) reject(err);
      };
      timer = setTimeout(() => reject(lastError ?? new Error(`no connection within ${this.options.failoverDeadlineMs} ms`)), this.options.failoverDeadlineMs);
    });
    this.client.on('error', onError);
    try {
      await Promise.race([this.client.connect(), gaveUp]);
    } catch (err) {
      await this.close();
      throw new Error(`cannot reach the store at ${this.url.nodes.map((n) => `${n.host}:${n.port}`).join(',')}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
      this.client.off('error', onError);
    }
  }

  /**
   * One command, sent to the node that owns `routeKey` (any node when it has no key). With
   * `retry` (the command is safe to repeat: a read, or our idempotent write script) a failure
   * that a failover explains is retried, the slot map refreshed, until failoverDeadlineMs.
   */
  send(args: readonly RedisArg[], routeKey?: RedisArg, readonly = false, retry = false): Promise<unknown> {
    return this.withRetry(retry, () => {
      const options = { typeMapping: nodeRedis().typeMapping, timeout: this.options.commandTimeoutMs };
      if (this.url.kind === 'cluster') return this.client.sendCommand(routeKey, readonly, args as RedisArg[], options);
      if (this.url.kind === 'sentinel') return this.client.sendCommand(false, args as RedisArg[], options);
      return this.client.sendCommand(args as RedisArg[], options);
    });
  }

  private async withRetry<T>(retry: boolean, attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.failoverDeadlineMs;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        const transient = !(err instanceof nodeRedis().lib.ErrorReply) || TRANSIENT.test(err.message);
        if (!retry || !transient || Date.now() >= deadline) storeError(err);
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** n, 500)));
        await this.refreshSlots();
      }
    }
  }

  /** A cluster's slot map, asked again of a live node (after a primary died, before any MOVED says so). */
  private async refreshSlots(): Promise<void> {
    if (this.url.kind !== 'cluster') return; // a Sentinel client follows +switch-master itself
    // node-redis (pinned) does this itself only on MOVED; its slot map is reachable as _slots.
    const slots = this.client._slots;
    const known = [...(slots?.masters ?? []), ...(slots?.replicas ?? [])].find((node: { client?: unknown }) => node.client !== undefined);
    await slots?.rediscover(known?.client ?? { options: undefined }).catch(() => undefined);
  }

  /**
   * Commands sent back to back on one connection (the node of `routeKey`), so nothing else can
   * come between them (MULTI … EXEC, a write and its WAIT). Each reply, or the error it was.
   */
  async pipeline(commands: ReadonlyArray<readonly RedisArg[]>, routeKey?: RedisArg, retry = false): Promise<unknown[]> {
    // On the node's own client: the cluster's and the Sentinel client's pipelines drop the type
    // mapping (node-redis 5.12), and a MULTI inside must not share its connection's turn.
    const onClient = async (client: AnyClient): Promise<unknown[]> => {
      const multi = client.withTypeMapping(nodeRedis().typeMapping).multi();
      for (const command of commands) multi.addCommand(command as RedisArg[]);
      try {
        return await multi.execAsPipeline() as unknown[];
      } catch (err) {
        // One command's error reply fails the whole call; the replies are still there.
        const replies = (err as { replies?: unknown[] }).replies;
        if (Array.isArray(replies)) return replies;
        throw err;
      }
    };
    return this.withRetry(retry, () => this.timed((async () => {
      if (this.url.kind === 'cluster') {
        const slot = routeKey === undefined ? 0 : calculateSlot(routeKey);
        return onClient(await this.client.nodeClient(this.client.getSlotMaster(slot)));
      }
      if (this.url.kind === 'sentinel') return this.client._execute(false, onClient);
      return onClient(this.client);
    })()));
  }

  /**
   * A pipeline fails after commandTimeoutMs as a single command does (node-redis times only
   * those): a pipeline to a primary that died waits in its client's offline queue otherwise.
   */
  private timed<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${this.options.commandTimeoutMs} ms`)), this.options.commandTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** The same command on every primary (KEYS, DBSIZE, FLUSHALL on a cluster), replies in order. */
  async onEveryPrimary(args: readonly RedisArg[]): Promise<unknown[]> {
    if (this.url.kind !== 'cluster') return [await this.send(args)];
    const options = { typeMapping: nodeRedis().typeMapping, timeout: this.options.commandTimeoutMs };
    return Promise.all(this.client.masters.map(async (node: unknown) => (await this.client.nodeClient(node)).sendCommand(args, options))).catch(storeError);
  }

  /** How many primaries there are (SCAN's cursor spans them on a cluster). */
  get primaryCount(): number {
    return this.url.kind === 'cluster' ? this.client.masters.length : 1;
  }

  /** One command on the `index`-th primary (SCAN walks them one after another). */
  async onPrimary(index: number, args: readonly RedisArg[]): Promise<unknown> {
    if (this.url.kind !== 'cluster') return this.send(args);
    const options = { typeMapping: nodeRedis().typeMapping, timeout: this.options.commandTimeoutMs };
    return (await this.client.nodeClient(this.client.masters[index])).sendCommand(args, options).catch(storeError);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // destroy, not close: close waits for commands in flight, which a dead store never answers.
    try {
      await this.client.destroy?.();
    } catch {
      // already gone
    }
  }
}

/** Redis did not answer (timeout, lost connection): what the command did there, if anything, is unknown. */
export class StoreUnreachable extends StormbreakerError {}

/** An error reply of Redis goes to our client as Redis sent it; failing to reach Redis says so. */
function storeError(err: unknown): never {
  if (err instanceof nodeRedis().lib.ErrorReply) throw new StormbreakerError(err.message);
  const message = err instanceof Error ? err.message : String(err);
  throw new StoreUnreachable(`ERR the store did not answer: ${message.split('\n')[0]}`);
}
