// The typed surface of the native addon: the only file that loads the .node binary.
// Everything the C++ side offers is described by `Binding`; nothing else crosses N-API.
import * as path from 'node:path';

/** A block of 64-byte aligned native memory that a tensor can adopt without copying. */
export interface NativeStorage {
  readonly byteLength: number;
  /** A new ArrayBuffer over the native bytes (no copy); it keeps them alive while reachable. */
  arrayBuffer(): ArrayBuffer;
}

/** The native tensor handle (a reference-counted DLPack tensor). */
export interface NativeTensor {
  readonly dtype: number;
  readonly shape: number[];
  readonly byteOffset: number;
  readonly byteLength: number;
  /** Largest power of two (up to 4096) dividing the data address: at least 64 for our own memory. */
  readonly dataAlignment: number;
  /** The tensor's whole storage; the tensor occupies [byteOffset, byteOffset + byteLength). */
  arrayBuffer(): ArrayBuffer;
  /** `%.17g` text of each element of a FLOAT or DOUBLE tensor. */
  formatFloats(): string[];
}

/** Results of `checkBlob`. */
export const enum BlobCheck {
  Ok = 0,
  SizeMismatch = 1,
  BoolNotBinary = 2,
  StringCountMismatch = 3,
}

export interface Binding {
  readonly abiVersion: number;
  allocateStorage(byteLength: number, zeroed: boolean): NativeStorage;
  /**
   * Makes a tensor. `source` is shared when it is a NativeStorage or NativeTensor, copied when it is
   * a Uint8Array, and zero-filled memory is used when it is null.
   */
  createTensor(
    dtype: number,
    shape: readonly number[],
    source: NativeStorage | NativeTensor | Uint8Array | null,
    byteOffset: number,
    byteLength: number,
  ): NativeTensor;
  checkBlob(dtype: number, elementCount: number, bytes: Uint8Array): BlobCheck;
  formatDouble(value: number): string;
  poolStats(): { cachedBytes: number; cachedBuffers: number; hits: number; misses: number };
}

const packageRoot = path.resolve(__dirname, '..', '..');

function load(): Binding {
  try {
    // node-gyp-build prefers a prebuild (prebuilds/<platform>-<arch>) and falls back to build/Release.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const binding = nodeGypBuild(packageRoot) as Binding;
    if (binding.abiVersion !== 1) throw new Error(`addon ABI ${binding.abiVersion}, expected 1`);
    return binding;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(
      `Stormbreaker's native addon could not be loaded (${reason}).\n` +
        `Build it with:\n  1. npm run build:native    (runs ./get_deps.sh, then cmake-js)\n` +
        `or, from a fresh clone:\n  2. bash scripts/prepare.sh`,
    );
  }
}

/** The loaded addon. */
export const native: Binding = load();
