// A server started with --store: its engine's keyspace is a RedisKeyspace, the commands that are
// not its own go to Redis (StoreForwarder), and a transaction of only such commands is one
// MULTI … EXEC there.
import type { ClientInfo, Command } from '../commands/Command';
import type { AiSettings } from '../engine/AiSettings';
import { Engine } from '../engine/Engine';
import { ErrorReply, Reply } from '../resp/Reply';
import { RedisKeyspace } from '../store/RedisKeyspace';
import { RedisConnection } from '../store/redis/RedisConnection';
import { scanAiValues } from '../store/redis/scanAiValues';
import { parseStoreUrl, StoreUrl } from '../store/redis/storeUrl';
import { asReply, runsHere, StoreForwarder } from './StoreForwarder';

/** `--store` and the settings that go with it. */
export interface StoreSettings {
  /** redis://…, rediss://…, redis+sentinel://…/mastername or redis+cluster://… (storeUrl.ts). */
  url: string;
  /** Model blobs up to this size are kept in the model's hash; larger ones in chunk keys. Default 4 MiB. */
  inlineModelBytes?: number;
  /** Size of one chunk key of a large model. Default 64 MiB. */
  modelChunkBytes?: number;
  /** `--redis-wait N [timeout]`: acknowledged writes have reached N replicas. Default 0 (not waited for). */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  /** How long one command to the store may take before it fails (ms). Default 10 s. */
  commandTimeoutMs?: number;
  /** How long a command safe to repeat (a read, a write of whole values) is retried through a failover (ms). Default 20 s. */
  failoverDeadlineMs?: number;
}

/** Why a server with a store keeps nothing on disk itself. */
export const STORE_NO_PERSISTENCE = 'with --store the data and its durability are Redis\'s: --save, --appendonly, --dir, --dbfilename and the other persistence settings do not apply (use --redis-wait for replicas)';

/** The listing commands that must see the whole store, not what this node has loaded. */
const SCANS = new Map<string, 'model' | 'script'>([['ai._modelscan', 'model'], ['ai._scriptscan', 'script']]);

const NO_WATCH = 'ERR WATCH is not supported by a node started with --store: Redis keeps the data, use WATCH there';

export class StoreMode {
  readonly url: StoreUrl;
  readonly connection: RedisConnection;
  readonly keyspace: RedisKeyspace;
  readonly engine: Engine;
  private readonly forwarder: StoreForwarder;

  constructor(settings: StoreSettings, engineOptions: { ai?: Partial<AiSettings>; busyPollMicros: number }) {
    this.url = parseStoreUrl(settings.url);
    this.connection = RedisConnection.create(this.url, {
      commandTimeoutMs: settings.commandTimeoutMs ?? 10_000, connectTimeoutMs: 5_000, failoverDeadlineMs: settings.failoverDeadlineMs ?? 20_000,
    });
    this.keyspace = new RedisKeyspace(this.connection, {
      inlineModelBytes: settings.inlineModelBytes ?? 4 * 1024 * 1024,
      modelChunkBytes: settings.modelChunkBytes ?? 64 * 1024 * 1024,
      waitReplicas: settings.waitReplicas ?? 0,
      waitTimeoutMs: settings.waitTimeoutMs ?? 1000,
    });
    this.engine = new Engine({ ...engineOptions, keyspace: this.keyspace });
    const engine = this.engine;
    this.keyspace.useLoaders({
      model: (spec) => engine.loadModel(spec, { restored: true }),
      script: (spec) => engine.compileScript(spec),
    });
    this.forwarder = new StoreForwarder(this.connection);
  }

  /** Where the data is, for the log. */
  describe(): string {
    const where = this.url.nodes.map((n) => `${n.host}:${n.port}`).join(',');
    return this.url.kind === 'sentinel' ? `Redis Sentinel ${where}, primary ${this.url.masterName}` : this.url.kind === 'cluster' ? `Redis Cluster ${where}` : `Redis ${where}`;
  }

  /**
   * What to do with a request: a reply (promised) when Redis answers it, or undefined when this
   * node runs it. `command` is this server's command of that name, if it has one.
   */
  route(client: ClientInfo, args: Buffer[], command: Command | undefined, findCommand: (name: string) => Command | undefined): Promise<Reply> | ErrorReply | undefined {
    if (command?.name === 'watch') return new ErrorReply(NO_WATCH);
    if (command?.name === 'exec' && client.transaction !== null && !client.transaction.failed && client.transaction.queued.length > 0) {
      const queued = client.transaction.queued;
      const found = queued.map((q) => findCommand(q[0].toString('latin1').toLowerCase()));
      if (found.every((c) => !runsHere(c))) {
        client.transaction = null;
        return this.forwarder.transaction(queued, routeKeyOf(queued[0], found[0]));
      }
      return undefined;
    }
    const scanned = command === undefined ? undefined : SCANS.get(command.name);
    // Outside a transaction, and well formed (else the command's own arity error, from here).
    if (scanned !== undefined && client.transaction === null && args.length === 1) {
      return scanAiValues(this.connection, scanned).then((rows) => rows as Reply, (err) => asReply(err instanceof Error ? err : new Error(String(err))));
    }
    if (runsHere(command)) return undefined;
    return this.forwarder.forward(args, command, command === undefined ? args.slice(1, 2) : keysOf(command, args, client));
  }
}

function keysOf(command: Command, args: Buffer[], client: ClientInfo): readonly Buffer[] {
  const keys = command.keysOf(args, client, undefined as never);
  return keys === 'all' ? [] : keys;
}

function routeKeyOf(args: readonly Buffer[], command: Command | undefined): Buffer | undefined {
  if (command === undefined) return args[1];
  const keys = command.keysOf(args, undefined as never, undefined as never);
  return keys === 'all' ? undefined : keys[0];
}
