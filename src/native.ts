// The typed surface of the native addon: the only file that loads the .node binary.
// Everything the C++ side offers is described by `Binding`; nothing else crosses N-API.
import * as path from 'node:path';
import { PACKAGE_ROOT } from './packageRoot';
import { StormbreakerError } from './errors';

/** Opaque handle on a block of 64-byte aligned native memory that a tensor can adopt. */
export type StorageHandle = { readonly __storage: unique symbol };
/** Opaque handle on a native tensor (a reference-counted DLPack tensor). */
export type TensorHandle = { readonly __tensor: unique symbol };

/** Results of the blob checks `createTensor` makes. */
export const enum BlobCheck {
  Ok = 0,
  SizeMismatch = 1,
  BoolNotBinary = 2,
  StringCountMismatch = 3,
}

/** What `createTensor`'s source is. */
export const enum SourceKind {
  /** No source: zero-filled memory (STRING: empty strings). */
  Zeroed = 0,
  /** A Uint8Array, copied once into aligned memory. */
  Bytes = 1,
  /** A storage handle, adopted without a copy. */
  Storage = 2,
  /** Another tensor's storage, shared without a copy. */
  Tensor = 3,
}

/** Opaque handle on a backend's loaded model. */
export type ModelHandle = { readonly __model: unique symbol };

/** Opaque handle on a backend's compiled script. */
export type ScriptHandle = { readonly __script: unique symbol };

/** A command's reply as a script sees it: nil, string, integer, array, or an error. */
export type HostReply = null | Buffer | string | number | bigint | HostReply[] | { error: string };

/** Answers a running script's redis.execute and redisAI.model_execute calls, on the JS thread. */
export interface ScriptHostHandler {
  execute(argv: Buffer[]): HostReply;
  /** The model stored under `key`; throws (with the wire error text) when there is none. */
  modelExecute(key: Buffer): ModelHandle;
}

/**
 * A run's tensor as it crosses to or from a device thread: a handle, or a small numeric tensor's
 * bytes, its dtype and shape beside them as doubles `[dtypeCode, rank, dim…]`: an input's in
 * `runScratch` (Tensor.runInputs writes them), an output's in its ArrayBuffer right after its
 * bytes (Tensor.fromRun reads them). No handle, so nothing for the garbage collector to finalize;
 * see native/addon/run_tensors.h.
 */
export type RunTensor = TensorHandle | Uint8Array;

/**
 * What a model or script run returns: the backend call's own duration in µs, then the outputs;
 * `[-1]` when the run waited in its queue past its TIMEOUT and was dropped unexecuted.
 */
export type RunResult = readonly [micros: number, ...outputs: RunTensor[]];

/** Which queue a request goes to: `threads` if the queue is new, and how many may wait in it (0: no bound). */
export interface QueueChoice {
  threads: number;
  limit: number;
}

/** Settings handed to a backend when it loads a model. */
export interface ModelLoadOptions {
  /** Autobatching (spec §10.2), done by the device queue. */
  batchsize: number;
  minbatchsize: number;
  /** ms */
  minbatchtimeout: number;
  intraOpThreads: number;
  interOpThreads: number;
  /** ONNX: runs longer than this many ms are terminated (0: no limit). */
  executionTimeoutMs: number;
  /** ONNX: bytes all CPU sessions together may allocate (0: no limit). */
  memoryLimitBytes: number;
  /** Node names (TF only). */
  inputs: readonly string[];
  outputs: readonly string[];
}

/** One device queue as INFO reports it. */
export interface QueueStats {
  device: string;
  /** Requests waiting, and being executed now. */
  pending: number;
  running: number;
  /** Backend calls that merged two or more model runs, and the runs they served. */
  batches: number;
  batchedRuns: number;
  /** Requests refused because the queue was full. */
  rejected: number;
  threadCpuSeconds: number[];
}

export interface Binding {
  readonly abiVersion: number;
  /** sched_yield(): lets any thread waiting for this core run (a polling event loop's turn). */
  yieldCpu(): void;
  /** Device threads do not spin for work for the next `ms` (several clients are sending: keepLoopAwake.standDown). */
  standDownDeviceSpin(ms: number): void;
  /** Where `createTensor` reads shapes from; set once, by `createTensor` below. */
  setShapeScratch(scratch: Float64Array): void;
  /** Where runs read their byte inputs' dtypes and shapes from; set once, with `runScratch` below. */
  setRunScratch(scratch: Float64Array): void;
  allocateStorage(byteLength: number, zeroed: boolean): StorageHandle;
  /**
   * An ArrayBuffer over the storage (no copy). It holds no reference of its own: the handle does,
   * so whoever keeps the buffer must keep the handle reachable from it (Tensor.ts's ownerOf).
   */
  storageArrayBuffer(storage: StorageHandle): ArrayBuffer;
  /** Detaches `buffer` (the storage's ArrayBuffer) and frees the storage's memory now; for memory nobody will read again. */
  discardStorage(storage: StorageHandle, buffer: ArrayBuffer): void;
  /** Detaches `buffer` and gives the handle's reference back now; a tensor made from the storage keeps the memory. */
  releaseStorage(storage: StorageHandle, buffer: ArrayBuffer): void;
  /**
   * Gives the tensor's memory back now when nothing but this handle holds the tensor (no run,
   * no DLPack consumer): true, and the handle is refused from then on; false, and nothing done.
   */
  tensorRelease(tensor: TensorHandle): boolean;
  /**
   * Makes a tensor of `dtype` and `shape` over [byteOffset, byteOffset + byteLength) of `source`.
   * Returns a BlobCheck code instead when the bytes do not fit the dtype and shape.
   */
  createTensor(
    dtype: number,
    ndim: number,
    kind: SourceKind,
    source: StorageHandle | TensorHandle | Uint8Array | null,
    byteOffset: number,
    byteLength: number,
  ): TensorHandle | BlobCheck;
  tensorDType(tensor: TensorHandle): number;
  tensorShape(tensor: TensorHandle): number[];
  tensorByteOffset(tensor: TensorHandle): number;
  tensorByteLength(tensor: TensorHandle): number;
  /** Largest power of two (up to 4096) dividing the data address: at least 64 for our memory. */
  tensorDataAlignment(tensor: TensorHandle): number;
  /** The tensor's whole storage (no copy); the tensor occupies [byteOffset, byteOffset + byteLength). */
  tensorArrayBuffer(tensor: TensorHandle): ArrayBuffer;
  /** `%.17g` text of each FLOAT (or DOUBLE, `isDouble`) element of `bytes` (any alignment), separated by single spaces. */
  formatFloats(bytes: Uint8Array, isDouble: boolean): string;
  /**
   * Writes the FLOAT (or DOUBLE) elements of `bytes` as the elements of a RESP array of their
   * `%.17g` texts (bulk strings, or RESP3 doubles; not the array's header) into `target` at
   * `offset`, which must have 32 bytes free per element; returns the bytes written.
   */
  encodeFloatsReply(bytes: Uint8Array, isDouble: boolean, resp3: boolean, target: Uint8Array, offset: number): number;
  /**
   * Loads a backend library (`path`, or the one beside the addon) on a thread of its own, and
   * resolves with its version text.
   */
  loadBackend(name: string, path: string | null): Promise<string>;
  /** What a backend's own allocator holds (ONNX with a memory limit), or null when untracked. */
  backendMemory(name: string): { bytes: number; allocations: number } | null;
  /** The version text of a loaded backend, or null. */
  backendVersion(name: string): string | null;
  /** The library's own version (libtorch's, where backendVersion says RedisAI's "NA"); null if not loaded. */
  backendLibraryVersion(name: string): string | null;
  /** Loads a model on the device's queue (never on the event loop). */
  modelCreate(backend: string, blob: Uint8Array, device: string, queue: QueueChoice, options: ModelLoadOptions): Promise<ModelHandle>;
  modelInputs(model: ModelHandle): string[];
  modelOutputs(model: ModelHandle): string[];
  /** Per output, the names of its columns when the backend knows them (ONNX ZipMap classes), else null. */
  modelOutputLabels(model: ModelHandle): Array<string[] | null>;
  /**
   * Runs a model on the queue of the device it was loaded for; `micros` is the backend's own run
   * time. Past `queueLimit` runs waiting there (0: no bound) it is refused; a run still queued
   * after `timeoutMs` (0: no limit) is dropped unexecuted and resolves `timedOut`.
   */
  modelRun(model: ModelHandle, queueLimit: number, inputs: readonly RunTensor[], timeoutMs: number): Promise<RunResult>;
  /** Compiles a script on the device's queue. */
  scriptCreate(backend: string, source: string, device: string, queue: QueueChoice): Promise<ScriptHandle>;
  /** Null when `fn` is an entry point `(List[Tensor], List[str], List[str])`; otherwise why not. */
  scriptCheckEntryPoint(script: ScriptHandle, fn: string): string | null;
  /**
   * Calls `fn` on the device's queue: as an entry point with (inputs, keys, args), or binding its
   * parameters from the inputs by position. Without `wantOutputs` its return value is ignored.
   * `timeoutMs` bounds the wait in the queue (TIMEDOUT); `executionTimeoutMs` the run itself.
   */
  scriptRun(
    script: ScriptHandle, device: string, queue: QueueChoice, fn: string, entry: boolean,
    inputs: readonly RunTensor[], keys: readonly Buffer[], args: readonly Buffer[], wantOutputs: boolean, timeoutMs: number,
    host: ScriptHostHandler | null, executionTimeoutMs: number,
  ): Promise<RunResult>;
  formatDouble(value: number): string;
  poolStats(): { cachedBytes: number; cachedBuffers: number; hits: number; misses: number };
  /** Every device queue made so far: runs waiting, and the CPU seconds of each of its threads. */
  queueStats(): QueueStats[];
  /** Makes a device's queue (and starts its threads) now, if it does not exist yet. */
  openQueue(device: string, queue: QueueChoice): void;
  /** CPU seconds of the calling thread (the event loop's, when called from it). */
  mainThreadCpu(): { user: number; sys: number };
  /** The messages backends' libraries sent since the last call, as [backend, line] (backend '' for the addon's own). */
  takeBackendMessages(): Array<[string, string]>;

  // The server's sockets on libuv without Node's streams (native/addon/socket_layer.h,
  // src/server/NativeSockets.ts). Listeners and connections are numbered by the addon.
  /**
   * Sets the layer's three callbacks. onBatch gets one turn's reads: the first `count` numbers
   * of `records` are [kind, connection, offset, length] per event, kind 1 bytes read (at
   * `base + offset` of `memory`, which is never written again), 2 the peer ended, 3 drained,
   * 4 a read failed, 5 bytes read into a fill target. `records` is the same array for every
   * batch, read during the call only.
   */
  socketsInit(
    onBatch: (memory: ArrayBuffer, base: number, records: Int32Array, count: number) => void,
    onAccept: (listener: number, connection: number, remoteAddress?: string, remotePort?: number, localAddress?: string, localPort?: number) => void,
    onClose: (connection: number) => void,
  ): void;
  /** Listens on an IP address (not a host name); returns [listener, bound port]. Throws Node's `listen E…` errors. */
  socketsListenTcp(host: string, port: number): [number, number];
  socketsListenPipe(path: string): number;
  socketsCloseListener(listener: number): void;
  /** Writes the chunks in order (one writev); false once more than 16 KiB waits (a drain event follows). */
  socketsWrite(connection: number, chunks: Uint8Array[]): boolean;
  /**
   * The connection's next reads fill `view` (at most to its end: FILLED events) before they go to
   * the batch's bytes again; without a view, cancels. The view's memory must stay where it is.
   */
  socketsReadInto(connection: number, view?: Uint8Array): void;
  socketsPause(connection: number): void;
  socketsResume(connection: number): void;
  /** Closes once what was written is out. */
  socketsEnd(connection: number): void;
  socketsDestroy(connection: number): void;
}


/** How a user gets the addon and its backends' libraries, worded for where the package is. */
export const FIX_COMMANDS =
  'in a project that installed stormbreaker: npx stormbreaker-deps (fetches the libraries and builds what is missing); ' +
  'in a clone of its repository: npm run build:native';

// node-gyp-build takes build/Release when there is one (a clone) and otherwise the prebuild in
// prebuilds/<platform>-<arch> (an installed package). STORMBREAKER_ADDON names another build
// (npm run test:asan's, in build-asan/); its backends are loaded from beside it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild = require('node-gyp-build') as { (dir: string): unknown; resolve(dir: string): string };

function load(): { binding: Binding; file: string } {
  try {
    const file = process.env.STORMBREAKER_ADDON || nodeGypBuild.resolve(PACKAGE_ROOT);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binding = require(file) as Binding;
    if (binding.abiVersion !== 18) throw new Error(`addon ABI ${binding.abiVersion}, expected 18 (rebuild it)`);
    return { binding, file };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(
      `Stormbreaker's native addon could not be loaded (${reason}).\n` +
        `Fix it with one of:\n` +
        `  1. in a project that installed stormbreaker: npx stormbreaker-deps   (fetches its libraries, builds the addon for this machine)\n` +
        `  2. in a clone of the repository: npm run build:native   (or bash scripts/prepare.sh, which also installs the npm packages)`,
    );
  }
}

const loaded = load();

/** The loaded addon. */
export const native: Binding = loaded.binding;

/** The folder the addon was loaded from: the backends' shared objects sit beside it (the default BACKENDSPATH). */
export const ADDON_FOLDER = path.dirname(loaded.file);

// Shapes cross into C++ through one Float64Array both sides hold: far cheaper than a JS array.
const shapeScratch = new Float64Array(64);
native.setShapeScratch(shapeScratch);

/**
 * Run inputs kept as bytes cross with their dtype and shape in this Float64Array (RunTensor),
 * written just before the run call, one header after another in input order. Room for a few
 * hundred small inputs; an input that does not fit crosses as its handle instead.
 */
export const runScratch = new Float64Array(1024);
native.setRunScratch(runScratch);

/** Creates a native tensor (see `Binding.createTensor`); at most 64 dimensions. */
export function createTensor(
  dtype: number,
  shape: readonly number[],
  kind: SourceKind,
  source: StorageHandle | TensorHandle | Uint8Array | null,
  byteOffset: number,
  byteLength: number,
): TensorHandle | BlobCheck {
  if (shape.length > shapeScratch.length) throw new StormbreakerError(`ERR a tensor has at most ${shapeScratch.length} dimensions`);
  for (let i = 0; i < shape.length; i++) shapeScratch[i] = shape[i];
  return native.createTensor(dtype, shape.length, kind, source, byteOffset, byteLength);
}
