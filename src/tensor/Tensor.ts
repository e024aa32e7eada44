import { Buffer } from 'node:buffer';
import { BlobCheck, createTensor, native, RunTensor, runScratch, SourceKind, StorageHandle, TensorHandle } from '../native';
import { StormbreakerError, TensorErrors } from '../errors';
import {
  DType, DTYPES, dtypeCode, dtypeOf, dtypeOfTypedArray, ELEMENT_SIZE, INTEGER_RANGE, TypedArray, VIEW_OF,
} from './dtype';

/** A value a tensor element can be given as. */
export type TensorValue = number | bigint | boolean | string;
/** Nested arrays of values, one level per dimension. */
export type NestedArray = TensorValue | readonly NestedArray[];

// Which native object owns the memory behind an ArrayBuffer we handed out: memory we own can be
// adopted by a new tensor without a copy. Memory from the JS heap is always copied, because JS
// can detach or transfer it while native code still points at it.
const ownerOf = new WeakMap<ArrayBuffer, { kind: SourceKind; handle: StorageHandle | TensorHandle }>();

/** A Buffer over `byteLength` bytes of new native storage; tensors built from it adopt it. */
export function storageView(byteLength: number): Buffer {
  const handle = native.allocateStorage(byteLength, false);
  const buffer = native.storageArrayBuffer(handle);
  ownerOf.set(buffer, { kind: SourceKind.Storage, handle });
  return Buffer.from(buffer, 0, byteLength);
}

/**
 * Gives back the hold on the memory behind a Buffer made by storageView: the request it was
 * read for has run, and a tensor made from it keeps the memory (if none was, it is freed now).
 * The Buffer becomes empty. Other Buffers are left alone.
 */
export function releaseStorageView(view: Buffer): void {
  const owner = ownerOf.get(view.buffer as ArrayBuffer);
  if (owner?.kind !== SourceKind.Storage) return;
  ownerOf.delete(view.buffer as ArrayBuffer);
  native.releaseStorage(owner.handle as StorageHandle, view.buffer as ArrayBuffer);
}

/**
 * Frees the memory behind a Buffer made by storageView at once (a BLOB whose upload was cut
 * off: nobody will read it), instead of when the garbage collector finds it. The Buffer becomes
 * empty. Other Buffers are left alone.
 */
export function discardStorageView(view: Buffer): void {
  const owner = ownerOf.get(view.buffer as ArrayBuffer);
  if (owner?.kind !== SourceKind.Storage) return;
  ownerOf.delete(view.buffer as ArrayBuffer);
  native.discardStorage(owner.handle as StorageHandle, view.buffer as ArrayBuffer);
}

/** Element count of a valid shape. Dims must be positive (as on the wire) unless `allowEmpty`. */
function checkShape(shape: readonly number[], allowEmpty = false): number {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < (allowEmpty ? 0 : 1)) throw new StormbreakerError(TensorErrors.invalidShape);
    count *= d;
  }
  if (!Number.isSafeInteger(count)) throw new StormbreakerError(TensorErrors.invalidShape);
  return count;
}

/** Bytes up to which a tensor made from bytes keeps them in a Buffer until native code needs them. */
export const PENDING_LIMIT = 4096;

// Run outputs share slabs of a few KiB (native/addon/run_tensors.cc): one Float64Array per slab
// reads the headers of all its outputs, which come back in order, slab after slab.
/** Calls of Tensor.runInputs so far (each a run's inputs): what bytesRunCall counts in. */
let runCalls = 0;
let lastSlab: ArrayBuffer | undefined;
let lastSlabHeaders = new Float64Array(0);
function slabHeaders(slab: ArrayBuffer): Float64Array {
  if (slab !== lastSlab) {
    lastSlab = slab;
    lastSlabHeaders = new Float64Array(slab, 0, slab.byteLength >>> 3);
  }
  return lastSlabHeaders;
}

function made(result: TensorHandle | BlobCheck, dtype: DType, shape: readonly number[]): Tensor {
  if (typeof result !== 'number') return new Tensor(result, dtype, shape);
  switch (result) {
    case BlobCheck.SizeMismatch: throw new StormbreakerError(TensorErrors.dataLength);
    case BlobCheck.BoolNotBinary: throw new StormbreakerError(TensorErrors.boolBlob);
    default: throw new StormbreakerError(TensorErrors.stringCount);
  }
}

/**
 * An n-dimensional array of one element type, held in 64-byte aligned native memory as a
 * reference-counted DLPack tensor. Views of its data (`bytes`, `data`) are not copies: writing
 * through them changes the tensor.
 *
 * @example
 * const a = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * const b = Tensor.fromArray([[1, 2], [3, 4]], 'INT32');
 * const s = Tensor.fromArray(['hello', 'wörld'], 'STRING');
 * a.dtype;  // 'FLOAT'
 * a.shape;  // [2, 2]
 * a.data;   // Float32Array [1, 2, 3, 4], a view over native memory
 */
export class Tensor {
  /** The element type. */
  readonly dtype: DType;
  /** The dimensions; `[]` for a scalar. */
  readonly shape: readonly number[];
  private nativeHandle?: TensorHandle;
  // A small numeric tensor made from bytes (a TENSORSET BLOB) keeps a copy of them in an ordinary
  // Buffer until native code or a view of its data is asked for: most such tensors are written
  // and read back over the wire, or overwritten, and never need native memory. Making the native
  // tensor at once (aligned storage, a DLPack struct and an N-API finalizer that the garbage
  // collector must run) cost ~1.5 µs of the event loop per TENSORSET, half of its in-process cost.
  private pendingBytes?: Uint8Array;
  /**
   * The run call (runInputs' count) that last took this tensor's kept bytes as an input, copied
   * into a native tensor for it; 0 for none. A later call makes it native once and borrows that
   * (a stored input that model runs read again and again, as M1's do, paid an aligned allocation
   * and a copy per run). The same call may take the bytes twice (`INPUTS 2 x x`): a fresh DAG
   * tensor made native for that paid a finalizer and cost D1 more than the copy.
   */
  private bytesRunCall = 0;
  private bytesView?: Uint8Array;
  /** Whether `bytesView`'s memory is registered for sharing with tensors made from it. */
  private shared = false;
  /**
   * @internal True while only the in-memory store holds this tensor: AI.TENSORSET sets it on the
   * tensor it stores from a client's bytes, and the store clears it when it hands the value out
   * (MemoryKeyspace.get). The store then gives the memory back as it drops the tensor (release),
   * instead of leaving it to the garbage collector: a 1 MiB TENSORSET overwriting its key 1,000
   * times a second otherwise made V8 mark the whole heap ~25 times a second (external-memory
   * pressure) and cycled tens of cold pool buffers.
   */
  releasable = false;

  /**
   * @internal Use the static factories. `dtype` and `shape` default to the handle's own. Without
   * a handle (null), the tensor keeps `pendingBytes` (both dtype and shape then given).
   */
  constructor(handle: TensorHandle | null, dtype?: DType, shape?: readonly number[], pendingBytes?: Uint8Array) {
    this.nativeHandle = handle ?? undefined;
    this.pendingBytes = pendingBytes;
    this.dtype = dtype ?? dtypeOf(native.tensorDType(handle!));
    this.shape = shape ?? native.tensorShape(handle!);
  }

  /**
   * @internal Gives the native memory back now when nothing but this object holds the tensor (no
   * run, no DLPack consumer; views made of it keep their memory): the caller knows that no one
   * will use this object again (see releasable). Otherwise the collector frees it, as any other.
   */
  release(): void {
    this.releasable = false;
    if (this.nativeHandle !== undefined && native.tensorRelease(this.nativeHandle)) this.bytesView = undefined;
  }

  /** @internal The native handle (made now from the bytes a small tensor kept, on first use). */
  get handle(): TensorHandle {
    if (this.nativeHandle === undefined) {
      const bytes = this.pendingBytes!;
      this.nativeHandle = createTensor(dtypeCode(this.dtype), this.shape, SourceKind.Bytes, bytes, 0, bytes.byteLength) as TensorHandle;
      this.pendingBytes = undefined;
    }
    return this.nativeHandle;
  }

  /**
   * @internal `tensors` as a run's inputs: a small one still held as bytes crosses as its bytes,
   * its dtype and shape written to the run scratch (RunTensor), the first time it is an input
   * (in a later call, it is made native: bytesRunCall); anything else as its handle.
   * Call it as the run call's last-evaluated argument: the scratch is shared.
   */
  static runInputs(tensors: readonly Tensor[]): RunTensor[] {
    let at = 0;
    const call = ++runCalls;
    return tensors.map((t) => {
      const bytes = t.pendingBytes;
      // BOOL never crosses as bytes (the native side would have to check every byte again); no
      // BOOL tensor is kept as bytes today, this keeps it so if one ever is.
      const takenBefore = t.bytesRunCall !== 0 && t.bytesRunCall !== call;
      if (bytes === undefined || t.dtype === 'BOOL' || takenBefore || at + 2 + t.shape.length > runScratch.length) return t.handle;
      t.bytesRunCall = call;
      runScratch[at++] = dtypeCode(t.dtype);
      runScratch[at++] = t.shape.length;
      for (const d of t.shape) runScratch[at++] = d;
      return bytes;
    });
  }

  /** @internal A run's output: a small one comes back as bytes and stays so until native code needs it. */
  static fromRun(output: RunTensor): Tensor {
    if (!(output instanceof Uint8Array)) return new Tensor(output);
    // Its header follows its bytes, at the next multiple of 8 (RunTensor).
    const header = slabHeaders(output.buffer as ArrayBuffer);
    const at = (output.byteOffset + output.byteLength + 7) >>> 3;
    const rank = header[at + 1];
    const shape = new Array<number>(rank);
    for (let i = 0; i < rank; i++) shape[i] = header[at + 2 + i];
    return new Tensor(null, dtypeOf(header[at]), shape, output);
  }

  /** @internal The wire BLOB for reading only (replies, snapshots, the log), without making the native tensor. */
  get wireBytes(): Uint8Array {
    return this.pendingBytes ?? this.nativeView();
  }

  /**
   * A zero-filled tensor (STRING: empty strings) to fill in place through `data`.
   * @example const t = Tensor.alloc('FLOAT', [1, 3]); (t.data as Float32Array).set([1, 2, 3]);
   */
  static alloc(dtype: DType, shape: readonly number[]): Tensor {
    const count = checkShape(shape);
    const byteLength = dtype === 'STRING' ? count : count * ELEMENT_SIZE[dtype];
    return made(createTensor(dtypeCode(dtype), shape, SourceKind.Zeroed, null, 0, byteLength), dtype, shape);
  }

  /**
   * A tensor from a TypedArray (or Buffer). Memory that came from another tensor or from the
   * server's own buffers is shared; other memory is copied once into aligned native memory.
   * `shape` defaults to `[data.length]`; `dtype` defaults to the array's own type (Uint8Array:
   * UINT8; pass 'BOOL' or 'STRING' to read the bytes as those).
   * @example Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2])
   */
  static from(data: TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
    const natural = dtypeOfTypedArray(data);
    const type = dtype ?? natural;
    if (type === undefined) throw new StormbreakerError(TensorErrors.invalidDType);
    if (dtype !== undefined && natural !== dtype && !(data.BYTES_PER_ELEMENT === 1 && ELEMENT_SIZE[dtype] <= 1)) {
      throw new StormbreakerError(`ERR a ${data.constructor.name} cannot hold ${dtype} elements`);
    }
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    const dims = shape ?? (type === 'STRING' ? [countStrings(bytes)] : [data.length]);
    return Tensor.fromBlob(type, dims, bytes);
  }

  /**
   * A tensor from raw bytes laid out as the wire's BLOB (row-major, little-endian; STRING: each
   * element NUL-terminated). The bytes are checked exactly as `AI.TENSORSET … BLOB` checks them.
   */
  static fromBlob(dtype: DType, shape: readonly number[], bytes: Uint8Array): Tensor {
    const count = checkShape(shape);
    const code = dtypeCode(dtype);
    const owner = ownerOf.get(bytes.buffer as ArrayBuffer);
    if (owner === undefined && bytes.byteLength <= PENDING_LIMIT && dtype !== 'BOOL' && dtype !== 'STRING') {
      // The same check as the native one for these types (BOOL and STRING also check the bytes).
      if (bytes.byteLength !== count * ELEMENT_SIZE[dtype]) throw new StormbreakerError(TensorErrors.dataLength);
      return new Tensor(null, dtype, shape, Buffer.from(bytes));
    }
    const result = owner !== undefined
      ? createTensor(code, shape, owner.kind, owner.handle, bytes.byteOffset, bytes.byteLength)
      : createTensor(code, shape, SourceKind.Bytes, bytes, 0, bytes.byteLength);
    return made(result, dtype, shape);
  }

  /**
   * A tensor from values, checked as `AI.TENSORSET … VALUES` checks them (integers in range,
   * BOOL 0 or 1, strings without NUL).
   * @example Tensor.fromValues('INT8', [3], [-1, 0, 127])
   */
  static fromValues(dtype: DType, shape: readonly number[], values: readonly TensorValue[]): Tensor {
    const count = checkShape(shape);
    if (values.length !== count) throw new StormbreakerError(TensorErrors.valueCount);
    if (dtype === 'STRING') {
      const parts = values.map((v) => Buffer.from(String(v), 'utf8'));
      return Tensor.fromStrings(shape, parts);
    }
    const tensor = Tensor.alloc(dtype, shape);
    const view = tensor.data;
    for (let i = 0; i < count; i++) {
      view[i] = checkedElement(dtype, values[i]) as never;
    }
    return tensor;
  }

  /**
   * A tensor from nested arrays; the shape is read from the nesting.
   * @example Tensor.fromArray([[1, 2], [3, 4]], 'DOUBLE')  // shape [2, 2]
   */
  static fromArray(values: NestedArray, dtype: DType): Tensor {
    const shape: number[] = [];
    let level: NestedArray = values;
    while (Array.isArray(level)) {
      shape.push(level.length);
      level = (level as readonly NestedArray[])[0];
    }
    const flat = Array.isArray(values) ? (values as readonly NestedArray[]).flat(Infinity as 1) as TensorValue[] : [values as TensorValue];
    if (flat.some((v) => Array.isArray(v))) throw new StormbreakerError('ERR ragged nested array');
    return Tensor.fromValues(dtype, shape, flat);
  }

  /**
   * @internal A tensor read back from disk. Unlike `fromBlob`, dims of 0 are allowed: backends
   * produce empty outputs (a detector that found nothing) that the wire could never have made.
   * Non-STRING data is read by `fill` straight into the tensor's memory.
   */
  static restored(dtype: DType, shape: readonly number[], fill: (bytes: Uint8Array) => void, stringBytes?: Uint8Array): Tensor {
    const count = checkShape(shape, true);
    if (dtype === 'STRING') {
      const bytes = stringBytes ?? new Uint8Array(0);
      const owner = ownerOf.get(bytes.buffer as ArrayBuffer);
      return made(owner !== undefined
        ? createTensor(dtypeCode(dtype), shape, owner.kind, owner.handle, bytes.byteOffset, bytes.byteLength)
        : createTensor(dtypeCode(dtype), shape, SourceKind.Bytes, bytes, 0, bytes.byteLength), dtype, shape);
    }
    const tensor = made(createTensor(dtypeCode(dtype), shape, SourceKind.Zeroed, null, 0, count * ELEMENT_SIZE[dtype]), dtype, shape);
    fill(tensor.bytes);
    return tensor;
  }

  /** @internal A STRING tensor from its elements' UTF-8 bytes (without terminators). */
  static fromStrings(shape: readonly number[], parts: readonly Uint8Array[]): Tensor {
    let length = 0;
    for (const p of parts) {
      const nul = p.indexOf(0);
      if (nul !== -1 && nul !== p.length - 1) throw new StormbreakerError(TensorErrors.nullInString);
      length += nul === -1 ? p.length + 1 : p.length;
    }
    const blob = Buffer.allocUnsafe(length);
    let at = 0;
    for (const p of parts) {
      blob.set(p, at);
      at += p.length;
      if (p.length === 0 || p[p.length - 1] !== 0) blob[at++] = 0;
    }
    return made(createTensor(dtypeCode('STRING'), shape, SourceKind.Bytes, blob, 0, length), 'STRING', shape);
  }

  /** Number of elements (1 for a scalar). */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Size of the data in bytes. */
  get byteLength(): number {
    // Without making a view of native memory just to measure it (a scrape of every key's size).
    return this.pendingBytes?.byteLength ?? this.bytesView?.byteLength ?? native.tensorByteLength(this.handle);
  }

  /** The raw bytes (the wire BLOB), a view over native memory. */
  get bytes(): Uint8Array {
    const view = this.nativeView();
    if (!this.shared) {
      // Registered on first use: a tensor made from this view then shares its memory.
      ownerOf.set(view.buffer as ArrayBuffer, { kind: SourceKind.Tensor, handle: this.handle });
      this.shared = true;
    }
    return view;
  }

  /** The native memory as bytes, made once (not registered for sharing: see `bytes`). */
  private nativeView(): Uint8Array {
    if (this.bytesView === undefined) {
      const buffer = native.tensorArrayBuffer(this.handle);
      this.bytesView = new Uint8Array(buffer, native.tensorByteOffset(this.handle), native.tensorByteLength(this.handle));
    }
    return this.bytesView;
  }

  /** The data as its natural TypedArray (BOOL and STRING: raw bytes), a view over native memory. */
  get data(): TypedArray {
    const bytes = this.bytes;
    const View = VIEW_OF[this.dtype];
    const size = ELEMENT_SIZE[this.dtype] || 1;
    return new View(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size);
  }

  /** The elements of a STRING tensor, each as its raw bytes without the terminator. */
  stringBytes(): Buffer[] {
    if (this.dtype !== 'STRING') throw new StormbreakerError('ERR not a STRING tensor');
    const bytes = this.bytes;
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start));
        start = i + 1;
      }
    }
    return out;
  }

  /**
   * All elements in row-major order: numbers (INT64 as bigint when beyond 2^53), booleans as 0/1,
   * strings decoded as UTF-8.
   */
  toArray(): Array<number | bigint | string> {
    if (this.dtype === 'STRING') return this.stringBytes().map((b) => b.toString('utf8'));
    if (this.dtype === 'INT64') return Array.from(this.data as BigInt64Array, exactNumber);
    return Array.from(this.data as Exclude<TypedArray, BigInt64Array>);
  }
}

function countStrings(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) n++;
  return n;
}

/** A bigint as a number when that is exact, else unchanged. */
export function exactNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function checkedElement(dtype: DType, value: TensorValue): number | bigint {
  if (dtype === 'FLOAT' || dtype === 'DOUBLE') {
    const v = typeof value === 'boolean' ? Number(value) : Number(value);
    if (typeof value === 'string' || Number.isNaN(v)) throw new StormbreakerError(TensorErrors.invalidValue);
    return v;
  }
  if (dtype === 'INT64') {
    const v = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
    if (v === undefined || v < -(2n ** 63n) || v > 2n ** 63n - 1n) throw new StormbreakerError(TensorErrors.invalidValue);
    return v;
  }
  const v = typeof value === 'boolean' ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  const [min, max] = INTEGER_RANGE[dtype]!;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new StormbreakerError(TensorErrors.invalidValue);
  }
  return v;
}

