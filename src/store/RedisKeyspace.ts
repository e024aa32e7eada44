// The keyspace of a node started with --store: nothing is kept here but what the commands in
// flight loaded (Keyspace.load) and the models and scripts this node has loaded, by version.
import { Buffer } from 'node:buffer';
import { StormbreakerError } from '../errors';
import type { PersistedModel, PersistedScript, StoredModel, StoredScript } from '../model/Model';
import type { Keyspace, KeyWrite, ScanPage } from './Keyspace';
import type { StoredValue } from './StoredValue';
import { StoreUnreachable, type RedisArg, type RedisConnection } from './redis/RedisConnection';
import { modelFields, modelFrom, newVersion, scriptFields, scriptFrom, slotOf, tensorFields, tensorFrom } from './redis/layout';
import { isNoScript, LOAD_SCRIPT, StoreScript, WRITE_SCRIPT } from './redis/storeScripts';

/** How a node turns what the store holds into loaded models and scripts (the engine's own loaders). */
export interface StoreLoaders {
  model(spec: PersistedModel): Promise<StoredModel>;
  script(spec: PersistedScript): Promise<StoredScript>;
}

export interface RedisKeyspaceOptions {
  /** Model blobs up to this size live in the model hash; larger ones in chunk keys of this size. */
  readonly inlineModelBytes: number;
  readonly modelChunkBytes: number;
  /** `--redis-wait`: every write waits for this many replicas (0: it does not), up to timeout ms. */
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
}

export const CROSSSLOT = 'ERR CROSSSLOT Keys in request don\'t hash to the same slot';
const NOT_LOADED = 'ERR internal error: a command touched a key it did not declare (Command.keysOf)';
const WHOLE_KEYSPACE = 'ERR this command needs the whole keyspace, which a node started with --store does not hold (the data is in Redis)';
// A chunk is uploaded with a time to live and made permanent by the write that uses it: one left
// by a node that died between the two goes away by itself.
const CHUNK_TTL_MS = 3_600_000;

// What DEL, TYPE and AI.MODELDEL see of a model or script this node has not loaded: its kind
// (their load is meta-only, so that deleting a model does not first load it into a backend).
const NOT_FETCHED = 'ERR internal error: a model or script loaded without its data was used';
const NOT_FETCHED_MODEL: StoredValue = {
  kind: 'model',
  model: {
    backend: 'TORCH', device: 'CPU', tag: Buffer.alloc(0), batchsize: 0, minbatchsize: 0, minbatchtimeout: 0, inputs: [], outputs: [],
    outputLabels: [], blob: Buffer.alloc(0), handle: null, unavailable: NOT_FETCHED,
  },
};
const NOT_FETCHED_SCRIPT: StoredValue = { kind: 'script', script: { device: 'CPU', tag: Buffer.alloc(0), entryPoints: [], source: Buffer.alloc(0), handle: null as never } };

interface Loaded {
  value: StoredValue | undefined;
  /** Loaded without the values the command did not need (a tensor's blob): not for a full read. */
  metaOnly: boolean;
  /** Batches in flight that loaded it. */
  refs: number;
}

interface Cached<T> {
  readonly version: string;
  readonly value: T;
}

/** Reads of a model's hash and chunks before a model stored again meanwhile is an error (modelFields). */
const MODEL_READ_ATTEMPTS = 5;

export class RedisKeyspace implements Keyspace {
  readonly prefetches: boolean = true;
  private readonly view = new Map<string, Loaded>();
  /** Writes made since their batch loaded, sent by its flush: the new value, or null (deleted). */
  private readonly pending = new Map<string, StoredValue | null>();
  private readonly models = new Map<string, Cached<StoredValue & { kind: 'model' }>>();
  private readonly scripts = new Map<string, Cached<StoredValue & { kind: 'script' }>>();
  private readonly loadScript = new StoreScript(LOAD_SCRIPT);
  private readonly writeScript = new StoreScript(WRITE_SCRIPT);
  private loaders?: StoreLoaders;

  constructor(readonly connection: RedisConnection, private readonly options: RedisKeyspaceOptions) {}

  /** Set once by the engine that uses this store. */
  useLoaders(loaders: StoreLoaders): void {
    this.loaders = loaders;
  }

  async load(names: readonly string[] | 'all', options: { metaOnly?: boolean } = {}): Promise<void> {
    if (names === 'all') throw new StormbreakerError(WHOLE_KEYSPACE);
    const unique = [...new Set(names)];
    const bySlot = this.groupBySlot(unique);
    const metaOnly = options.metaOnly === true;
    const values = new Map<string, StoredValue | undefined>();
    await Promise.all([...bySlot.values()].map(async (group) => {
      const { replies, blobs } = await this.read(group, metaOnly);
      await Promise.all(group.map(async (name, i) => values.set(name, await this.decode(name, replies[i], blobs?.[i] ?? null, metaOnly))));
    }));
    if (this.connection.clustered) checkOneSlot(unique, values);
    for (const name of unique) {
      const entry = this.view.get(name);
      if (entry === undefined) {
        this.view.set(name, { value: values.get(name), metaOnly, refs: 1 });
        continue;
      }
      entry.refs++;
      // A write not yet flushed is newer than the store; a full value serves a meta read too.
      if (this.pending.has(name) || (metaOnly && !entry.metaOnly)) continue;
      entry.value = values.get(name);
      entry.metaOnly = metaOnly;
    }
  }

  async flush(names: readonly string[] | 'all'): Promise<void> {
    if (names === 'all') return;
    const unique = [...new Set(names)];
    const writes: KeyWrite[] = [];
    for (const name of unique) {
      const value = this.pending.get(name);
      if (value !== undefined) {
        writes.push({ name, value });
        this.pending.delete(name);
      }
    }
    try {
      if (writes.length > 0) {
        const bySlot = new Map<number, KeyWrite[]>();
        for (const write of writes) {
          const slot = this.connection.clustered ? slotOf(write.name) : 0;
          bySlot.get(slot)?.push(write) ?? bySlot.set(slot, [write]);
        }
        await Promise.all([...bySlot].map(([slot, group]) => this.send(slot, group)));
      }
    } finally {
      for (const name of unique) {
        const entry = this.view.get(name);
        if (entry !== undefined && --entry.refs <= 0 && !this.pending.has(name)) this.view.delete(name);
      }
    }
  }

  get(name: string): StoredValue | undefined {
    const entry = this.view.get(name);
    if (entry === undefined) throw new StormbreakerError(NOT_LOADED);
    return entry.value;
  }

  /** Nothing here is given back early (Tensor.releasable): a value may still be on its way to Redis. */
  peek(name: string): StoredValue | undefined {
    return this.get(name);
  }

  getMany(names: readonly string[]): Array<StoredValue | undefined> {
    return names.map((name) => this.get(name));
  }

  commit(writes: readonly KeyWrite[]): void {
    for (const { name, value } of writes) {
      if (value === null) this.delete(name);
      else this.set(name, value);
    }
  }

  set(name: string, value: StoredValue): void {
    const entry = this.view.get(name);
    if (entry === undefined) throw new StormbreakerError(NOT_LOADED);
    entry.value = value;
    entry.metaOnly = false;
    this.pending.set(name, value);
  }

  delete(name: string): boolean {
    const existed = this.get(name) !== undefined;
    this.view.get(name)!.value = undefined;
    if (existed) this.pending.set(name, null);
    return existed;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Keys loaded for the commands in flight (the store's own count is DBSIZE, which goes to Redis). */
  get size(): number {
    return this.view.size;
  }

  names(): IterableIterator<string> {
    throw new StormbreakerError(WHOLE_KEYSPACE);
  }

  scan(_cursor: number, _count: number): ScanPage {
    throw new StormbreakerError(WHOLE_KEYSPACE);
  }

  clear(): void {
    throw new StormbreakerError(WHOLE_KEYSPACE);
  }

  // Redis keeps and applies expiry times itself (EXPIRE and TTL go to it): none are kept here.
  expiresAt(_name: string): number | undefined {
    return undefined;
  }

  setExpiry(_name: string, _at: number | undefined): void {}

  readonly expiring = 0;

  expiringNames(): IterableIterator<string> {
    return [][Symbol.iterator]();
  }

  /** Closes the connection to the store. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private groupBySlot(names: readonly string[]): Map<number, string[]> {
    const groups = new Map<number, string[]>();
    for (const name of names) {
      const slot = this.connection.clustered ? slotOf(name) : 0;
      groups.get(slot)?.push(name) ?? groups.set(slot, [name]);
    }
    return groups;
  }

  /**
   * One slot's keys as the load script sees them and, unless only their kinds are needed, each
   * one's `blob` field (a tensor's data), in one MULTI: one moment of the store, one round trip.
   */
  private async read(group: readonly string[], metaOnly: boolean): Promise<{ replies: unknown[][]; blobs?: unknown[] }> {
    const mode = metaOnly ? 'm' : 'f';
    const blobReads = metaOnly ? [] : group.map((name) => ['HGET', name, 'blob']);
    const transaction = async (script: RedisArg[]) => {
      const replies = await this.connection.pipeline([['MULTI'], script, ...blobReads, ['EXEC']], group[0], true);
      return replies[replies.length - 1] as unknown[];
    };
    let exec = await transaction(this.loadScript.evalsha(group, [mode]));
    if (isNoScript(exec[0])) exec = await transaction(this.loadScript.eval(group, [mode]));
    if (exec[0] instanceof Error) throw new StormbreakerError(exec[0].message);
    return { replies: exec[0] as unknown[][], blobs: metaOnly ? undefined : exec.slice(1) };
  }

  /** One key's reply of the load script as a value; a model or script at a version not loaded here is fetched and loaded. */
  private async decode(name: string, reply: unknown[], blob: unknown, metaOnly: boolean): Promise<StoredValue | undefined> {
    const kind = String(reply[0]);
    switch (kind) {
      case 'none':
        this.models.delete(name);
        this.scripts.delete(name);
        return undefined;
      case 'string':
        return { kind: 'string', bytes: reply[1] as Buffer };
      case 'list':
        return { kind: 'list', items: reply[1] as Buffer[] };
      case 'hash': {
        const flat = reply[1] as Buffer[];
        const fields = new Map<string, Buffer>();
        for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i].toString('latin1'), flat[i + 1]);
        return { kind: 'hash', fields };
      }
      case 'tensor': {
        const [, format, dtype, shape] = reply as Array<Buffer | null>;
        return { kind: 'tensor', tensor: tensorFrom(format, dtype, shape, Buffer.isBuffer(blob) ? blob : null, !metaOnly) };
      }
      case 'model':
        return this.model(name, String(reply[2]), metaOnly);
      case 'script':
        return this.script(name, String(reply[2]), metaOnly);
      default:
        return { kind: 'redis', type: String(reply[1]) };
    }
  }

  /** The model at `name` at `version`: this node's loaded copy, else fetched and loaded now. */
  private async model(name: string, version: string, metaOnly: boolean): Promise<StoredValue> {
    const cached = this.models.get(name);
    if (cached !== undefined && cached.version === version) return cached.value;
    if (metaOnly) return NOT_FETCHED_MODEL;
    const { fields, chunkBytes } = await this.modelFields(name);
    const record = modelFrom(fields, chunkBytes);
    let model: StoredModel;
    try {
      model = await this.loaders!.model(record.spec);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const spec = record.spec;
      model = {
        backend: spec.backend, device: spec.device, tag: spec.tag, batchsize: spec.batchsize ?? 0, minbatchsize: spec.minbatchsize ?? 0,
        minbatchtimeout: spec.minbatchtimeout ?? 0, inputs: spec.inputs, outputs: spec.outputs, outputLabels: spec.outputs.map(() => null),
        blob: Buffer.from(spec.blob), handle: null, unavailable: reason,
      };
    }
    const value = { kind: 'model' as const, model };
    this.models.set(name, { version: record.version, value });
    return value;
  }

  /**
   * A model's hash and, for a large one, its chunks. Stored again between the two reads, its old
   * chunks are gone: read again (the new version), a few times, before saying so; a node that keeps
   * storing a model while others run it (and, after a failover, slowly) would otherwise fail every run.
   */
  private async modelFields(name: string): Promise<{ fields: Map<string, Buffer>; chunkBytes?: Buffer[] }> {
    for (let attempt = 1; ; attempt++) {
      const fields = await this.hash(name);
      const chunks = fields.get('chunks');
      if (chunks === undefined) return { fields };
      const prefix = fields.get('chunkprefix')!.toString('latin1');
      const parts = await Promise.all(Array.from({ length: Number(chunks) }, (_, i) =>
        this.connection.send(['GET', `${prefix}${i}`], `${prefix}${i}`, true, true) as Promise<Buffer | null>));
      if (parts.every((p): p is Buffer => p !== null)) return { fields, chunkBytes: parts };
      if (attempt === MODEL_READ_ATTEMPTS) throw new StormbreakerError('ERR the model was replaced in the store while this node read it; try again');
    }
  }

  private async script(name: string, version: string, metaOnly: boolean): Promise<StoredValue> {
    const cached = this.scripts.get(name);
    if (cached !== undefined && cached.version === version) return cached.value;
    if (metaOnly) return NOT_FETCHED_SCRIPT;
    const record = scriptFrom(await this.hash(name));
    const value = { kind: 'script' as const, script: await this.loaders!.script(record.spec) };
    this.scripts.set(name, { version: record.version, value });
    return value;
  }

  private async hash(name: string): Promise<Map<string, Buffer>> {
    const flat = await this.connection.send(['HGETALL', name], name, true, true) as Buffer[];
    const fields = new Map<string, Buffer>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i].toString('latin1'), flat[i + 1]);
    return fields;
  }

  /** The writes of one slot, in one script run (after uploading the chunks of big models). */
  private async send(slot: number, writes: readonly KeyWrite[]): Promise<void> {
    const keys: RedisArg[] = [];
    const args: RedisArg[] = [];
    let count = 0;
    const add = (key: string, guard: string, op: string, values: readonly RedisArg[]) => {
      keys.push(key);
      args.push(String(keys.length), guard, op, String(values.length), ...values);
      count++;
    };
    const uploaded: string[] = [];
    const cacheAfter: Array<() => void> = [];
    for (const { name, value } of writes) {
      if (value === null) {
        add(name, '', 'del', []);
        cacheAfter.push(() => {
          this.models.delete(name);
          this.scripts.delete(name);
        });
        continue;
      }
      switch (value.kind) {
        case 'tensor':
          add(name, 'tensor', 'hash', tensorFields(value.tensor));
          break;
        case 'model': {
          const version = newVersion();
          const { fields, chunks } = modelFields(value.model, version, this.options.inlineModelBytes, this.options.modelChunkBytes, slotOf(name));
          for (const chunk of chunks) {
            await this.connection.send(['SET', chunk.key, chunk.bytes, 'PX', String(CHUNK_TTL_MS)], chunk.key, false, true);
            uploaded.push(chunk.key);
            add(chunk.key, 'present', 'persist', []);
          }
          add(name, 'model', 'hash', fields);
          cacheAfter.push(() => this.models.set(name, { version, value }));
          break;
        }
        case 'script': {
          const version = newVersion();
          add(name, 'script', 'hash', scriptFields(value.script, version));
          cacheAfter.push(() => this.scripts.set(name, { version, value }));
          break;
        }
        case 'string':
          add(name, '', 'string', [value.bytes]);
          break;
        case 'list':
          add(name, '', 'list', value.items);
          break;
        case 'hash':
          add(name, '', 'hash', [...value.fields].flatMap(([f, v]) => [Buffer.from(f, 'latin1'), v]));
          break;
        case 'redis':
          break; // never written: only read to say WRONGTYPE
      }
    }
    if (count === 0) return;
    const scriptArgs = [String(count), ...args];
    try {
      await this.writeAndWait(keys, scriptArgs);
    } catch (err) {
      // Only the script's own error reply says nothing was written (its guards run before any
      // write), and only then are the uploaded chunks garbage. A short WAIT, a timeout or a lost
      // connection may follow a write that was applied and made them the stored model's: they are
      // left to their time to live (gone by themselves if the write was not applied).
      if (err instanceof WriteRefused) await Promise.all(uploaded.map((key) => this.connection.send(['UNLINK', key], key).catch(() => undefined)));
      throw err;
    }
    for (const update of cacheAfter) update();
    void slot;
  }

  /** Runs the write script and, with --redis-wait, WAIT on the same connection right after it. */
  private async writeAndWait(keys: readonly RedisArg[], args: readonly RedisArg[]): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.options;
    // An error reply (thrown) is the script's own (WRONGTYPE, a lost chunk) or NOSCRIPT: refused.
    const refused = (err: unknown): never => {
      if (err instanceof StoreUnreachable) throw err;
      throw new WriteRefused((err as Error).message);
    };
    if (waitReplicas === 0) {
      await this.writeScript.run(this.connection, keys, args).catch(refused);
      return;
    }
    // A pipeline fails at its first error reply.
    const wait = ['WAIT', String(waitReplicas), String(waitTimeoutMs)];
    let replies: unknown[];
    try {
      replies = await this.connection.pipeline([this.writeScript.evalsha(keys, args), wait], keys[0], true);
    } catch (err) {
      if (!isNoScript(err)) refused(err);
      replies = await this.connection.pipeline([this.writeScript.eval(keys, args), wait], keys[0], true).catch(refused);
    }
    const acknowledged = Number(replies[1]);
    if (!(acknowledged >= waitReplicas)) {
      throw new StormbreakerError(`ERR the write reached the primary but only ${Number.isNaN(acknowledged) ? 0 : acknowledged} of ${waitReplicas} replicas acknowledged it within ${waitTimeoutMs} ms: it may or may not have been applied`);
    }
  }
}

/** The write script answered with an error reply: its guards run before any write, so nothing was written. */
class WriteRefused extends StormbreakerError {}

/** Redis Cluster's rule: every key of a command but its models and scripts hashes to one slot. */
function checkOneSlot(names: readonly string[], values: ReadonlyMap<string, StoredValue | undefined>): void {
  let slot = -1;
  for (const name of names) {
    const kind = values.get(name)?.kind;
    if (kind === 'model' || kind === 'script') continue;
    const s = slotOf(name);
    if (slot === -1) slot = s;
    else if (s !== slot) throw new StormbreakerError(CROSSSLOT);
  }
}
