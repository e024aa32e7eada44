import { Buffer } from 'node:buffer';
import { BackendTrust, ensureBackend } from '../backends/loadBackend';
import { checkTfGraph } from '../backends/tfGraphOps';
import { Errors, StormbreakerError } from '../errors';
import { native, QueueChoice, RunResult, RunTensor, ScriptHostHandler } from '../native';
import type { Keyspace, LoadOptions } from '../store/Keyspace';
import { Key, keyName, keyText } from '../store/keyName';
import { MemoryKeyspace } from '../store/MemoryKeyspace';
import { StoredValue, typeName } from '../store/StoredValue';
import { Tensor } from '../tensor/Tensor';
import { Dag, DagOptions } from '../dag/Dag';
import { PlanBuilder } from '../dag/PlanBuilder';
import { runPlan, singleOutcome } from '../dag/runPlan';
import { AiSettings, DEFAULT_AI_SETTINGS } from './AiSettings';
import { checkModelSpec, checkScriptDevice, ModelSpec, PersistedModel, ScriptCall, ScriptSpec, StoredModel, StoredScript } from '../model/Model';
import type { CallResult, OpRunner, RunContinuation } from '../dag/OpRunner';
import { RunStats } from './RunStats';
import { DEFAULT_AWAKE_MICROS, keepLoopAwake } from './keepLoopAwake';
import { effectOf, LogRecord } from './writeEffects';

export interface EngineOptions {
  /** Where keys live; defaults to a new in-memory keyspace. */
  keyspace?: Keyspace;
  /** Execution settings (RedisAI's load-time arguments). */
  ai?: Partial<AiSettings>;
  /**
   * After handing a run to a device thread, the event loop polls this long (µs) instead of
   * sleeping, so a short run's result is taken at once (engine/keepLoopAwake.ts). Default 100;
   * 0 turns it off.
   */
  busyPollMicros?: number;
}

/** What a model execution came to: `OK`, or `TIMEDOUT` when it waited in its queue too long. */
export type RunStatus = 'OK' | 'TIMEDOUT';

export type { Key };

/** A native call whose failure, thrown at once or rejected later, is a backend's one-line message. */
async function backendCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw err instanceof StormbreakerError ? err : new StormbreakerError(err instanceof Error ? err.message : String(err));
  }
}

/** The internal names of keys given on the wire or by a library user. */
const names = (keys: readonly Key[]): string[] => keys.map(keyName);

/** A run's failure as the run commands reply it: its message, as an error of ours. */
const asRunError = (err: unknown): StormbreakerError => new StormbreakerError(err instanceof Error ? err.message : String(err));

/**
 * The core both faces use: the RESP server's commands and library users call the same methods.
 * Errors are `StormbreakerError`s carrying the exact wire text.
 *
 * @example
 * const engine = new Engine();
 * engine.setTensor('a', Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT'));
 * engine.getTensor('a').toArray();  // [1, 2, 3, 4]
 */
export class Engine implements OpRunner {
  /** The keyspace (shared with any server started on this engine). */
  readonly keyspace: Keyspace;
  /** Bumped on every write; `INFO` reports changes since start. */
  changes = 0;
  /** Execution settings; `modelChunkSize` and `backendsPath` may change at run time. */
  readonly settings: AiSettings;
  /** How this engine's runs ask for their device queue (load-time settings, so made once). */
  private readonly queue: QueueChoice;
  /** AI.INFO statistics of stored models and scripts. */
  readonly stats = new RunStats();

  /** Where backends may be loaded from: the backends path this engine was made with. */
  readonly backendTrust: BackendTrust;
  private readonly busyPollMicros: number;
  /** Inside the synchronous part of a batch (batched): nested calls join it. */
  private batchDepth = 0;
  /** Model and script runs handed to device threads and not yet finished. */
  private inFlight = 0;

  /** Model and script runs on device threads now: while there are any, nothing should keep the loop awake. */
  get runsInFlight(): number {
    return this.inFlight;
  }

  constructor(options: EngineOptions = {}) {
    this.keyspace = options.keyspace ?? new MemoryKeyspace();
    this.settings = { ...DEFAULT_AI_SETTINGS, ...options.ai };
    this.backendTrust = { trustedPath: this.settings.backendsPath, anyPath: this.settings.enableLoadbackendAnyPath };
    // The TORCH backend is one per process, so this switch is too (see file_operations.h).
    if (this.settings.enableTorchscriptFileOps) process.env.STORMBREAKER_TORCHSCRIPT_FILE_OPS = '1';
    this.queue = { threads: this.settings.threadsPerQueue, limit: this.settings.queueLimit };
    this.busyPollMicros = options.busyPollMicros ?? DEFAULT_AWAKE_MICROS;
  }

  /**
   * The one path of every keyspace write, from commands, scripts, DAGs, library calls and log
   * replay: the value, the change counter, the statistics of models and scripts (they live and
   * die with their value), and the append-only log, together. The log gets the value's effect
   * (writeEffects.ts) unless `records` says how to repeat the write more cheaply (one push onto a
   * long list), or that it is logged another way ([]). Returns false when there was nothing to delete.
   */
  private write(name: string, value: StoredValue | null, records?: readonly LogRecord[], keepTtl = false): boolean {
    // A single write is a commit of one; set/delete say so without the arrays of a commit (this
    // is every TENSORSET's path).
    const previous = this.keyspace.peek(name);
    if (value === null) {
      if (previous === undefined) return false;
      this.keyspace.delete(name);
    } else {
      this.keyspace.set(name, value);
      // A new value drops the key's expiry, as Redis's SET does; a value changed in place
      // (RPUSH onto a list) or a command that keeps it (INCR, APPEND, SET KEEPTTL) does not.
      if (!keepTtl && previous !== value && this.keyspace.expiring > 0) this.keyspace.setExpiry(name, undefined);
    }
    this.written(name, previous, value, records);
    return true;
  }

  /**
   * Several writes of one command or DAG (its PERSIST keys), committed to the store together,
   * then accounted as write() does each.
   */
  private writeAll(writes: ReadonlyArray<{ name: string; value: StoredValue }>): void {
    const previous = writes.map((w) => this.keyspace.peek(w.name));
    this.keyspace.commit(writes);
    if (this.keyspace.expiring > 0) for (const w of writes) this.keyspace.setExpiry(w.name, undefined);
    writes.forEach((w, i) => this.written(w.name, previous[i], w.value, undefined));
  }

  /** What follows a committed write: statistics (they live and die with their value), the change counter, the log. */
  private written(name: string, previous: StoredValue | undefined, value: StoredValue | null, records: readonly LogRecord[] | undefined): void {
    if (previous !== value) {
      if (value?.kind === 'model') {
        const { backend, device, tag } = value.model;
        this.stats.reset(name, { type: 'MODEL', backend, device, tag });
      } else if (value?.kind === 'script') {
        this.stats.reset(name, { type: 'SCRIPT', backend: 'TORCH', device: value.script.device, tag: value.script.tag });
      } else {
        this.stats.delete(name);
      }
    }
    this.changes++;
    this.onWrite?.(name);
    if (this.writeLog !== null) {
      for (const record of records ?? effectOf(name, value)) this.log(record);
      // A value logged whole would lose an expiry it kept (INCR, SET KEEPTTL): log the expiry too.
      const at = value !== null && records === undefined ? this.keyspace.expiresAt(name) : undefined;
      if (at !== undefined) this.log(['PEXPIREAT', Buffer.from(name, 'latin1'), String(at)]);
    }
  }

  /**
   * The value at `name`, or undefined once its expiry time has passed: then it is deleted, through
   * the write path, and the log gets a DEL (Redis's lazy expiry). `peek` for a caller that keeps
   * nothing of the value past the call (a kind or existence check): it is not handed out
   * (Keyspace.peek), so a tensor only the store holds still gives its memory back when dropped.
   */
  private live(name: string, peek = false): StoredValue | undefined {
    const value = peek ? this.keyspace.peek(name) : this.keyspace.get(name);
    if (value === undefined) {
      if (this.countingReads) this.keyspaceStats.misses++;
      return undefined;
    }
    const at = this.keyspace.expiresAt(name);
    if (at !== undefined && at <= Date.now()) {
      this.write(name, null, [['DEL', Buffer.from(name, 'latin1')]]);
      this.keyspaceStats.expired++;
      if (this.countingReads) this.keyspaceStats.misses++;
      return undefined;
    }
    if (this.countingReads) this.keyspaceStats.hits++;
    return value;
  }

  /**
   * INFO stats' keyspace_hits and keyspace_misses (key lookups of read-only commands, as Redis
   * counts its read lookups) and expired_keys (deleted on read or by the sweep).
   */
  readonly keyspaceStats = { hits: 0, misses: 0, expired: 0 };
  /** @internal Set by the server while a read-only command runs: its lookups count as hits or misses. */
  countingReads = false;

  /**
   * Sets (a Unix time in ms) or, with undefined, clears when a key expires; false when there is no
   * such key (or, clearing, no expiry). A time already past deletes the key now, as Redis does.
   */
  setExpiry(key: Key, at: number | undefined, options: { deleteIfPast?: boolean } = {}): boolean {
    const name = keyName(key);
    if (this.live(name, true) === undefined) return false;
    if (at === undefined) {
      if (this.keyspace.expiresAt(name) === undefined) return false;
      this.keyspace.setExpiry(name, undefined);
      this.expiryChanged(name, ['PERSIST', Buffer.from(name, 'latin1')]);
      return true;
    }
    // EXPIRE with a time gone deletes now; SET … PX keeps the time, and the key expires when next
    // read (or swept), counted in expired_keys, as in Redis.
    if (at <= Date.now() && options.deleteIfPast !== false) return this.write(name, null, [['DEL', Buffer.from(name, 'latin1')]]);
    this.keyspace.setExpiry(name, at);
    this.expiryChanged(name, ['PEXPIREAT', Buffer.from(name, 'latin1'), String(at)]);
    this.sweepExpired();
    return true;
  }

  /** getMany, with expired keys deleted and read as missing. */
  private liveMany(names: readonly string[]): Array<StoredValue | undefined> {
    const values = this.keyspace.getMany(names);
    if (this.keyspace.expiring === 0) {
      if (this.countingReads) for (const v of values) v === undefined ? this.keyspaceStats.misses++ : this.keyspaceStats.hits++;
      return values;
    }
    return values.map((v, i) => (v === undefined ? (this.countingReads && this.keyspaceStats.misses++, v) : this.live(names[i])));
  }

  /**
   * Whether a key exists and when it expires, in one lookup: undefined for no key, null for a key
   * without an expiry, else the Unix time in ms (TTL, PTTL, EXPIRETIME).
   */
  expiryState(key: Key): number | null | undefined {
    const name = keyName(key);
    if (this.live(name, true) === undefined) return undefined;
    return this.keyspace.expiresAt(name) ?? null;
  }

  /** When a key expires (Unix time in ms); undefined for a key without an expiry or no key. */
  expiryOf(key: Key): number | undefined {
    const name = keyName(key);
    return this.live(name, true) === undefined ? undefined : this.keyspace.expiresAt(name);
  }

  /** Keys with an expiry time (INFO keyspace's `expires`). */
  get expiringKeys(): number {
    return this.keyspace.expiring;
  }

  /** @internal Up to `limit` of the keys that have an expiry (INFO's average). */
  expiringNames(limit: number): string[] {
    const out: string[] = [];
    for (const name of this.keyspace.expiringNames()) {
      if (out.length >= limit) break;
      out.push(name);
    }
    return out;
  }

  /** An expiry set or cleared: a write of the key for WATCH, the change counter and the log. */
  private expiryChanged(name: string, record: LogRecord): void {
    this.changes++;
    this.onWrite?.(name);
    this.log(record);
  }

  private sweeper?: NodeJS.Timeout;
  private sweepCursor?: IterableIterator<string>;

  /**
   * Redis's active expiry: ten times a second, looks at up to 20 keys that have an expiry and
   * deletes those past it, again while more than a quarter of a round was expired, for at most
   * a millisecond. Runs only while some key has an expiry; never keeps the process alive.
   */
  private sweepExpired(): void {
    // A store that keeps the data elsewhere expires it there (RedisKeyspace has no expiring keys);
    // a sweep here would also reach keys outside the batch of the command in flight.
    if (this.sweeper !== undefined || this.keyspace.prefetches) return;
    this.sweeper = setInterval(() => {
      if (this.keyspace.expiring === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
        return;
      }
      const started = Date.now();
      for (;;) {
        const now = Date.now();
        const due: string[] = [];
        // Each round goes on where the last stopped (a Map's iterator sees later changes), so
        // every key with an expiry is looked at in turn, however many there are.
        for (let looked = 0; looked < 20; looked++) {
          this.sweepCursor ??= this.keyspace.expiringNames();
          const next = this.sweepCursor.next();
          if (next.done === true) {
            this.sweepCursor = undefined;
            break;
          }
          if (this.keyspace.expiresAt(next.value)! <= now) due.push(next.value);
        }
        for (const name of due) this.live(name, true);
        if (due.length <= 5 || Date.now() - started >= 1) break;
      }
    }, 100);
    this.sweeper.unref();
  }

  /** Stores tensors (a DAG's PERSIST keys, an execution's outputs) in one commit; a key holding another kind of value is WRONGTYPE, and then nothing is written. */
  setTensors(entries: ReadonlyArray<readonly [Key, Tensor]>): void {
    this.setTensorsAt(entries.map(([key, tensor]) => [keyName(key), tensor] as const));
  }

  /** @internal setTensors by internal names (a plan's PERSIST keys, already names). */
  setTensorsAt(entries: ReadonlyArray<readonly [string, Tensor]>): void {
    if (entries.length === 1) return this.setTensorAt(entries[0][0], entries[0][1]);
    if (entries.map(([name]) => this.live(name, true)).some((v) => v !== undefined && v.kind !== 'tensor')) throw new StormbreakerError(Errors.wrongType);
    this.writeAll(entries.map(([name, tensor]) => ({ name, value: { kind: 'tensor', tensor } as StoredValue })));
  }

  /** The tensors at `keys`, read in one call; a missing key or another kind is an error, as on the wire. */
  getTensors(keys: readonly Key[]): Tensor[] {
    if (keys.length === 1) return [this.getTensor(keys[0])];
    return this.liveMany(keys.map(keyName)).map((value) => {
      if (value === undefined) throw new StormbreakerError(Errors.tensorKeyEmpty);
      if (value.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
      return value.tensor;
    });
  }

  /** Stores a tensor, replacing a tensor already there; another kind of value is WRONGTYPE. */
  setTensor(key: Key, tensor: Tensor): void {
    this.setTensorAt(keyName(key), tensor);
  }

  private setTensorAt(name: string, tensor: Tensor): void {
    const existing = this.live(name, true);
    if (existing !== undefined && existing.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    this.write(name, { kind: 'tensor', tensor });
  }

  /** The tensor at `key`; a missing key and another kind of value are errors, as on the wire. */
  getTensor(key: Key): Tensor {
    const value = this.live(keyName(key));
    if (value === undefined) throw new StormbreakerError(Errors.tensorKeyEmpty);
    if (value.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    return value.tensor;
  }

  /**
   * @internal getTensor for a reply made at once (AI.TENSORGET): its bytes go out as views that
   * keep their own memory, so the tensor is not handed out (Keyspace.peek).
   */
  tensorForReply(key: Key): Tensor {
    const value = this.live(keyName(key), true);
    if (value === undefined) throw new StormbreakerError(Errors.tensorKeyEmpty);
    if (value.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    return value.tensor;
  }

  /** The value at `key`, if any. */
  get(key: Key): StoredValue | undefined {
    return this.live(keyName(key));
  }

  /**
   * Stores any value (replacing whatever was there, as SET does). A collection changed in place
   * is stored again as the same object; `record`, when given, is the command that repeats the
   * change in the log (`['RPUSH', key, item]`) instead of the whole value.
   */
  set(key: Key, value: StoredValue, record?: LogRecord, options: { keepTtl?: boolean } = {}): void {
    this.write(keyName(key), value, record === undefined ? undefined : [record], options.keepTtl === true);
  }

  /** Deletes keys; returns how many existed. */
  delete(...keys: Key[]): number {
    let n = 0;
    for (const k of keys) if (this.write(keyName(k), null)) n++;
    return n;
  }

  exists(key: Key): boolean {
    return this.live(keyName(key), true) !== undefined;
  }

  /** `TYPE` of a key: 'none', 'string', 'AI_TENSOR', … */
  type(key: Key): string {
    const value = this.live(keyName(key), true);
    return value === undefined ? 'none' : typeName(value);
  }

  /** Renames a key, replacing the destination. */
  rename(from: Key, to: Key): void {
    const source = keyName(from);
    const value = this.live(source);
    if (value === undefined) throw new StormbreakerError(Errors.noSuchKey);
    const target = keyName(to);
    if (source === target) return;
    // A renamed model or script keeps its statistics (they follow the value), any key its expiry.
    const stat = this.stats.get(source);
    const expiresAt = this.keyspace.expiresAt(source);
    this.write(source, null, []);
    this.write(target, value, [['RENAME', Buffer.from(source, 'latin1'), Buffer.from(target, 'latin1')]]);
    if (expiresAt !== undefined) this.keyspace.setExpiry(target, expiresAt);
    if (stat !== undefined) this.stats.adopt(target, stat);
  }

  /** All key names, decoded as UTF-8 text. */
  keys(): string[] {
    return this.liveNames().map(keyText);
  }

  /** @internal Every key's internal name, expired ones deleted first (KEYS, SCAN, snapshots). */
  liveNames(): string[] {
    const names = Array.from(this.keyspace.names());
    return this.keyspace.expiring === 0 ? names : names.filter((n) => this.live(n, true) !== undefined);
  }

  get size(): number {
    return this.keyspace.size;
  }

  /** Removes every key. */
  flush(): void {
    for (const name of Array.from(this.keyspace.names())) this.write(name, null, []);
    this.log(['FLUSHALL']);
  }

  /**
   * Loads a model with its backend (on the device's queue, off the event loop) and stores it,
   * replacing a model already there and resetting its statistics.
   * @example await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: fs.readFileSync('model.pt') });
   */
  async storeModel(key: Key, spec: ModelSpec): Promise<void> {
    this.replaceSameKind(key, { kind: 'model', model: await this.loadModel(spec) });
  }

  /**
   * Writes a loaded model or compiled script over a value of its own kind (or no value); another
   * kind is WRONGTYPE, checked after the load, as RedisAI does (spec §0.4).
   */
  private replaceSameKind(key: Key, value: StoredValue & { kind: 'model' | 'script' }): void {
    const name = keyName(key);
    const existing = this.live(name);
    if (existing !== undefined && existing.kind !== value.kind) throw new StormbreakerError(Errors.wrongType);
    this.write(name, value);
  }

  /**
   * @internal A model loaded by its backend, not stored anywhere yet (RESTORE stores it). A
   * `restored` model (a snapshot's, a DUMP payload's) keeps only TF's node names, the backend
   * naming the others' on load; and a TF model may have none: RedisAI's first encoding kept none.
   */
  async loadModel(given: ModelSpec, options: { restored?: boolean } = {}): Promise<StoredModel> {
    const restored = options.restored === true;
    const spec = restored && given.backend !== 'TF' ? { ...given, inputs: undefined, outputs: undefined } : given;
    checkModelSpec(spec, restored);
    if (spec.backend === 'TF') checkTfGraph(spec.blob, this.settings.enableTfIoOps);
    await ensureBackend(spec.backend, this.settings.backendsPath, this.backendTrust);
    const handle = await backendCall(() => native.modelCreate(spec.backend, spec.blob, spec.device.toUpperCase(), this.queue, {
      batchsize: spec.batchsize ?? 0,
      minbatchsize: spec.minbatchsize ?? 0,
      minbatchtimeout: spec.minbatchtimeout ?? 0,
      intraOpThreads: this.settings.intraOpParallelism,
      interOpThreads: this.settings.interOpParallelism,
      executionTimeoutMs: this.settings.modelExecutionTimeout,
      memoryLimitBytes: this.settings.backendMemoryLimit * 1e6,
      inputs: spec.inputs ?? [],
      outputs: spec.outputs ?? [],
    }));
    const tag = spec.tag === undefined ? Buffer.alloc(0) : Buffer.from(spec.tag);
    return {
      backend: spec.backend,
      device: spec.device,
      tag,
      batchsize: spec.batchsize ?? 0,
      minbatchsize: spec.minbatchsize ?? 0,
      minbatchtimeout: spec.minbatchtimeout ?? 0,
      inputs: spec.inputs ?? native.modelInputs(handle),
      outputs: spec.outputs ?? native.modelOutputs(handle),
      outputLabels: native.modelOutputLabels(handle),
      blob: Buffer.from(spec.blob.buffer, spec.blob.byteOffset, spec.blob.byteLength),
      handle,
    };
  }

  /** The model at `key`; missing is `ERR model key is empty`, another kind is WRONGTYPE. */
  getModel(key: Key): StoredModel {
    const value = this.live(keyName(key));
    if (value === undefined) throw new StormbreakerError('ERR model key is empty');
    if (value.kind !== 'model') throw new StormbreakerError(Errors.wrongType);
    return value.model;
  }

  /**
   * Runs a stored model on tensors and returns its outputs, on the model's device queue. Errors
   * are the backend's one-line message.
   * @example const [sum] = await engine.runModel('m', [a, b]);
   */
  async runModel(key: Key, inputs: readonly Tensor[], options: { timeout?: number } = {}): Promise<Tensor[]> {
    const { outputs, status } = await this.batched([keyName(key)],
      () => this.runModelOp(keyName(key), this.getModel(key), inputs, options.timeout ?? 0));
    if (status === 'TIMEDOUT') throw new StormbreakerError('TIMEDOUT');
    return outputs;
  }

  /**
   * Runs `body` as one batch of the store (Keyspace.load and flush around it): a store that keeps
   * the data elsewhere fetches `names` (every key the body reads or writes) in one round trip
   * and sends its writes in one more. The embedded store needs neither: `body` just runs. What
   * the synchronous part of `body` calls joins this batch (EXEC's commands, a script's
   * redis.execute calls); what starts later makes batches of its own.
   */
  batched<T>(names: readonly string[] | 'all', body: () => T | Promise<T>, options?: LoadOptions): T | Promise<T> {
    if (!this.keyspace.prefetches || this.batchDepth > 0) return body();
    return this.runBatch(names, body, options);
  }

  private async runBatch<T>(names: readonly string[] | 'all', body: () => T | Promise<T>, options?: LoadOptions): Promise<T> {
    await this.keyspace.load(names, options);
    let result: T | Promise<T>;
    this.batchDepth++;
    try {
      result = body();
    } catch (err) {
      result = Promise.reject(err); // a body that throws at once (bad input) still ends the batch below
    } finally {
      this.batchDepth--;
    }
    // Flushed whether the body succeeded or not: what it wrote before failing must still go out,
    // and the store's batch must end.
    try {
      return await result;
    } finally {
      await this.keyspace.flush(names);
    }
  }

  /**
   * AI.MODELEXECUTE's semantics (a one-op plan's, on a direct path): reads the input keys now, runs, and writes the
   * outputs only when the run succeeded.
   */
  async executeModel(key: Key, inputKeys: readonly Key[], outputKeys: readonly Key[], timeout = 0): Promise<RunStatus> {
    if (!this.keyspace.prefetches) return this.runModelCall(key, this.getModel(key), inputKeys, outputKeys, timeout);
    return this.batched(names([key, ...inputKeys, ...outputKeys]), () => this.runModelCall(key, this.getModel(key), inputKeys, outputKeys, timeout));
  }

  /**
   * @internal executeModel for a model already read (AI.MODELEXECUTE's parser reads it), called
   * where the keys are at hand (a store that fetches them has, in the server's batch around the
   * command). Bad input throws at once, where executeModel rejects.
   */
  runModelCall(key: Key, model: StoredModel, inputKeys: readonly Key[], outputKeys: readonly Key[], timeout: number): Promise<RunStatus>;
  /** The same, its status mapped to what the caller replies (`reply`), in the same reaction. */
  runModelCall<T>(key: Key, model: StoredModel, inputKeys: readonly Key[], outputKeys: readonly Key[], timeout: number,
    reply: (status: RunStatus) => T): Promise<T>;
  runModelCall<T>(key: Key, model: StoredModel, inputKeys: readonly Key[], outputKeys: readonly Key[], timeout: number,
    reply?: (status: RunStatus) => T): Promise<T | RunStatus> {
    const answer = reply ?? ((status: RunStatus) => status);
    // What runPlan does for a one-op plan of loaded inputs, without its layers: one promise
    // reaction between the device thread's result and the reply where the plan took six (each an
    // async function or a .then), with their closures and result objects, per run.
    const inputs = this.getTensors(inputKeys);
    const outputNames = names(outputKeys);
    for (const name of outputNames) {
      const existing = this.live(name, true);
      if (existing !== undefined && existing.kind !== 'tensor') return Promise.reject(new StormbreakerError(Errors.wrongType));
    }
    const name = keyName(key);
    // The outputs are written in the reaction that records the run (RunContinuation).
    const then: RunContinuation<T | RunStatus> = {
      done: (result) => {
        if (result.status === 'TIMEDOUT') return answer('TIMEDOUT');
        if (result.outputs.length < outputNames.length) {
          this.recordError(name); // the call counted; its result is an error
          throw new StormbreakerError('ERR Model did not generate the expected number of outputs');
        }
        try {
          this.setTensorsAt(outputNames.map((output) => [output, result.outputs[outputNames.lastIndexOf(output)]] as const));
        } catch (err) {
          throw asRunError(err);
        }
        return answer('OK');
      },
      failed: (err) => {
        throw err;
      },
    };
    try {
      return this.runModelOp(name, model, inputs, timeout, then);
    } catch (err) {
      return Promise.reject(asRunError(err));
    }
  }

  /**
   * @internal Stores a persisted model again. When its backend cannot load it, it stays stored
   * (MODELGET still returns it, a later snapshot keeps it) and its runs fail saying why; the
   * reason is returned.
   */
  async restoreModel(key: Key, spec: PersistedModel): Promise<string | undefined> {
    try {
      this.replaceSameKind(key, { kind: 'model', model: await this.loadModel(spec, { restored: true }) });
      return undefined;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const model: StoredModel = {
        backend: spec.backend, device: spec.device, tag: spec.tag, batchsize: spec.batchsize ?? 0,
        minbatchsize: spec.minbatchsize ?? 0, minbatchtimeout: spec.minbatchtimeout ?? 0, inputs: spec.inputs,
        outputs: spec.outputs, outputLabels: spec.outputs.map(() => null),
        blob: Buffer.from(spec.blob.buffer, spec.blob.byteOffset, spec.blob.byteLength), handle: null, unavailable: reason,
      };
      this.write(keyName(key), { kind: 'model', model });
      return reason;
    }
  }

  /** @internal The loaded backend model, or the error of a model whose backend could not load it. */
  loadedModel(name: string, model: StoredModel) {
    if (model.handle === null) {
      throw new StormbreakerError(`ERR model ${keyText(name)} could not be loaded when the server started: ${model.unavailable}`);
    }
    return model.handle;
  }

  /**
   * @internal Where every write goes as the command that repeats it (the append-only log, set by
   * Persistence), in the order the writes happen; see write().
   */
  writeLog: ((argv: LogRecord) => void) | null = null;

  /** The records of the atomic unit being run (atomically()), or null. */
  private group: LogRecord[] | null = null;

  private log(record: LogRecord): void {
    if (this.group !== null) this.group.push(record);
    else this.writeLog?.(record);
  }

  /**
   * Runs `fn` (a Lua script, a transaction) as one unit for the append-only log: what it writes
   * while it runs synchronously is logged between MULTI and EXEC when it is more than one record,
   * as Redis logs scripts and transactions, so a log cut short mid-way (a crash while writing it)
   * replays all of it or none (Persistence.start). Nested units are part of the outer one.
   */
  atomically<T>(fn: () => T): T {
    if (this.writeLog === null || this.group !== null) return fn();
    const group: LogRecord[] = [];
    this.group = group;
    try {
      return fn();
    } finally {
      this.group = null;
      if (group.length > 1) {
        this.log(['MULTI']);
        for (const record of group) this.log(record);
        this.log(['EXEC']);
      } else if (group.length === 1) {
        this.log(group[0]);
      }
    }
  }

  /** @internal Told the internal name of every key written (a server's WATCH), after the write. */
  onWrite: ((name: string) => void) | null = null;


  /** The value at an internal key name, if any, for a kind check (OpRunner). */
  valueAt(name: string): StoredValue | undefined {
    // Callers check the kind and keep nothing: the value is not handed out (Keyspace.peek).
    return this.live(name, true);
  }

  /** A call whose result is an error although it ran (too few outputs) counts as an error (OpRunner). */
  recordError(name: string): void {
    this.stats.recordFailedResult(name);
  }

  /** Starts a device's queue before its first run (the server does so for CPU, as RedisAI does at load). */
  openQueue(device: string): void {
    native.openQueue(device.toUpperCase(), this.queue);
  }

  /** One model run on its device queue, with its statistics recorded under `name` (OpRunner). */
  runModelOp(name: string, model: StoredModel, inputs: readonly Tensor[], timeout: number): Promise<CallResult>;
  runModelOp<T>(name: string, model: StoredModel, inputs: readonly Tensor[], timeout: number, then: RunContinuation<T>): Promise<T>;
  runModelOp<T>(name: string, model: StoredModel, inputs: readonly Tensor[], timeout: number, then?: RunContinuation<T>): Promise<T | CallResult> {
    const handle = this.loadedModel(name, model);
    return this.accounted(name, () => native.modelRun(handle, this.queue.limit, Tensor.runInputs(inputs), timeout), then);
  }

  /** One script call on its device queue, with its statistics recorded under `name` (OpRunner). */
  runScriptOp(name: string, script: StoredScript, fn: string, inputs: readonly Tensor[], keys: readonly Buffer[],
    args: readonly Buffer[], wantOutputs: boolean, timeout: number): Promise<CallResult>;
  runScriptOp<T>(name: string, script: StoredScript, fn: string, inputs: readonly Tensor[], keys: readonly Buffer[],
    args: readonly Buffer[], wantOutputs: boolean, timeout: number, then: RunContinuation<T>): Promise<T>;
  runScriptOp<T>(name: string, script: StoredScript, fn: string, inputs: readonly Tensor[], keys: readonly Buffer[],
    args: readonly Buffer[], wantOutputs: boolean, timeout: number, then?: RunContinuation<T>): Promise<T | CallResult> {
    return this.accounted(name, () => {
      const host = this.scriptHost();
      const device = script.device.toUpperCase();
      const entryPoint = script.entryPoints.includes(fn);
      const executionTimeout = this.settings.modelExecutionTimeout;
      const scratchInputs = Tensor.runInputs(inputs); // last: nothing else may write the run scratch before the call
      return native.scriptRun(script.handle, device, this.queue, fn, entryPoint, scratchInputs, keys, args, wantOutputs, timeout, host,
        executionTimeout);
    }, then);
  }

  /**
   * What answers scripts' redis.execute and redisAI.model_execute calls (spec §5.9): the server's
   * own dispatch when a server serves this engine (it calls useScriptHost), else the library's
   * (the command layer, which sits above the engine, registers it as `libraryScriptHost`).
   */
  private scriptHost(): ScriptHostHandler {
    if (this.host === undefined) {
      if (Engine.libraryScriptHost === undefined) throw new StormbreakerError('ERR scripts cannot call redis.execute: no command layer is loaded');
      this.host = Engine.libraryScriptHost(this);
    }
    return this.host;
  }

  /** A server serving this engine answers its scripts' calls with its own commands and settings. */
  useScriptHost(host: ScriptHostHandler): void {
    this.host = host;
  }

  /** @internal How a library engine's scripts reach the commands (set by src/commands/libraryScriptHost.ts). */
  static libraryScriptHost?: (engine: Engine) => ScriptHostHandler;

  private host?: ScriptHostHandler;

  /**
   * Settles a run's promise into tensors, recording its statistics under `name` (spec §7), and
   * continues with `then` in the same reaction (else resolves with the tensors).
   */
  private accounted<T>(name: string, running: () => Promise<RunResult>, then?: RunContinuation<T>): Promise<T | CallResult> {
    const stat = this.stats.get(name);
    // A run started while none is in flight: its result will come to an idle loop, so the loop
    // polls rather than sleeps meanwhile (engine/keepLoopAwake.ts). With runs already in flight it
    // does not: their completions keep it busy, and a polling loop on a busy machine competes
    // with the backends' threads for the cores and is itself held up (L1's loop lag rose from
    // 1.6 to 2.7 ms with 8 MNIST runs in flight when every run kept it awake).
    if (this.inFlight++ === 0) keepLoopAwake(this.busyPollMicros);
    let run: Promise<RunResult>;
    try {
      run = running();
    } catch (err) {
      // A run refused at once (a full queue) fails as one that failed on its device.
      run = Promise.reject(err);
    }
    // One reaction, not an async function's (it was two microtask turns per run).
    return run.then((result): T | CallResult => {
      this.inFlight--;
      const micros = result[0] as number;
      if (micros < 0) {
        const timedOut: CallResult = { outputs: [], status: 'TIMEDOUT' };
        return then === undefined ? timedOut : then.done(timedOut);
      }
      const outputs = new Array<Tensor>(result.length - 1);
      for (let i = 0; i < outputs.length; i++) outputs[i] = Tensor.fromRun(result[i + 1] as RunTensor);
      if (stat !== undefined) {
        this.stats.recordSuccess(stat, micros, outputs[0]?.shape[0] ?? 0);
        this.stats.onRun?.(name, stat, micros);
      }
      const call: CallResult = { outputs, status: 'OK' };
      return then === undefined ? call : then.done(call);
    }, (err: unknown): T | CallResult => {
      this.inFlight--;
      if (stat !== undefined) {
        this.stats.recordError(stat);
        this.stats.onRun?.(name, stat, undefined);
      }
      const failure = asRunError(err);
      if (then === undefined) throw failure;
      return then.failed(failure);
    });
  }

  /**
   * Compiles a TorchScript script (on the device's queue) and stores it. Each entry point must be
   * a function `(tensors: List[Tensor], keys: List[str], args: List[str])`.
   * @example await engine.storeScript('s', { device: 'CPU', source, entryPoints: ['bar'] });
   */
  async storeScript(key: Key, spec: ScriptSpec): Promise<void> {
    this.replaceSameKind(key, { kind: 'script', script: await this.compileScript(spec) });
  }

  /** @internal A script compiled and its entry points checked, not stored anywhere yet (RESTORE stores it). */
  async compileScript(spec: ScriptSpec): Promise<StoredScript> {
    checkScriptDevice(spec.device);
    await ensureBackend('TORCH', this.settings.backendsPath, this.backendTrust);
    const source = Buffer.from(spec.source);
    const handle = await backendCall(() => native.scriptCreate('TORCH', source.toString('utf8'), spec.device.toUpperCase(), this.queue));
    const entryPoints = spec.entryPoints ?? [];
    for (const fn of entryPoints) {
      const problem = native.scriptCheckEntryPoint(handle, fn);
      if (problem !== null) throw new StormbreakerError(problem);
    }
    const tag = spec.tag === undefined ? Buffer.alloc(0) : Buffer.from(spec.tag);
    return { device: spec.device, tag, entryPoints: [...entryPoints], source, handle };
  }

  /** The script at `key`; missing is `ERR script key is empty`, another kind is WRONGTYPE. */
  getScript(key: Key): StoredScript {
    const value = this.live(keyName(key));
    if (value === undefined) throw new StormbreakerError('ERR script key is empty');
    if (value.kind !== 'script') throw new StormbreakerError(Errors.wrongType);
    return value.script;
  }

  /**
   * AI.SCRIPTEXECUTE's semantics, as a one-op plan: an entry point gets (inputs, keys, args); any
   * other function is called in RedisAI's best-effort mode (parameters bound from the inputs).
   * Outputs are written only when the call succeeded and returned one tensor per output key.
   */
  async executeScript(key: Key, fn: string, call: ScriptCall): Promise<RunStatus> {
    if (!this.keyspace.prefetches) return this.executeScriptNow(key, fn, call);
    const keys = [key, ...call.keys ?? [], ...call.inputs ?? [], ...call.outputs ?? []];
    return this.batched(names(keys), () => this.executeScriptNow(key, fn, call));
  }

  private async executeScriptNow(key: Key, fn: string, call: ScriptCall): Promise<RunStatus> {
    const script = this.getScript(key);
    const plan = new PlanBuilder();
    const inputKeys = call.inputs ?? [];
    this.getTensors(inputKeys).forEach((tensor, i) => plan.load(keyName(inputKeys[i]), tensor));
    plan.addScript(key, script, fn, call);
    plan.persist(names(call.outputs ?? []));
    return singleOutcome(await runPlan(this, plan.build(call.timeout ?? 0)));
  }

  /**
   * A pipeline of ops to run in one go (AI.DAGEXECUTE's library form).
   * @example await engine.dag({ load: ['a'], persist: ['out'] }).modelExecute('m', ['a', 'a'], ['out']).run();
   */
  dag(options: DagOptions = {}): Dag {
    return new Dag(this, options);
  }

  /**
   * Calls a stored script's function on tensors and returns what it returns.
   * @example const [sum] = await engine.runScript('s', 'bar', [a, b]);
   */
  async runScript(key: Key, fn: string, inputs: readonly Tensor[], options: { keys?: string[]; args?: string[]; timeout?: number } = {}): Promise<Tensor[]> {
    const { outputs, status } = await this.batched(names([key, ...options.keys ?? []]), () => this.runScriptOp(keyName(key), this.getScript(key), fn, inputs,
      (options.keys ?? []).map((k) => Buffer.from(k)), (options.args ?? []).map((a) => Buffer.from(a)), true, options.timeout ?? 0));
    if (status === 'TIMEDOUT') throw new StormbreakerError('TIMEDOUT');
    return outputs;
  }
}
