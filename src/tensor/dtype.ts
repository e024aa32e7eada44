// The tensor element types (spec §1.1), their native codes and their JS views.
import { isWord } from '../util/asciiWord';

/** Names of the element types, as the wire protocol spells them. */
export type DType = 'FLOAT' | 'DOUBLE' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'UINT16' | 'BOOL' | 'STRING';

/** In native code order (native/core/dtype.h). */
export const DTYPES: readonly DType[] = ['FLOAT', 'DOUBLE', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'BOOL', 'STRING'];

const CODES = new Map<DType, number>(DTYPES.map((name, code) => [name, code]));

export function dtypeCode(dtype: DType): number {
  return CODES.get(dtype)!;
}

export function dtypeOf(code: number): DType {
  return DTYPES[code];
}

/**
 * Parses a dtype as RedisAI does: FLOAT, DOUBLE, BOOL, STRING case-insensitively; INT/UINT with a
 * case-insensitive prefix and an exact 8|16|32|64 (INT) or 8|16 (UINT) suffix.
 */
export function parseDType(text: string): DType | undefined {
  const upper = text.toUpperCase();
  switch (upper) {
    case 'FLOAT':
    case 'DOUBLE':
    case 'BOOL':
    case 'STRING':
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
    case 'UINT8':
    case 'UINT16':
      return upper;
    default:
      return undefined;
  }
}

/** parseDType on the bytes of an argument, compared in place (no string per TENSORSET). */
export function parseDTypeBytes(bytes: Uint8Array): DType | undefined {
  for (const name of DTYPES) if (isWord(bytes, name)) return name;
  return undefined;
}

/** Bytes per element (STRING: 0, variable length). */
export const ELEMENT_SIZE: Readonly<Record<DType, number>> = {
  FLOAT: 4, DOUBLE: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, UINT8: 1, UINT16: 2, BOOL: 1, STRING: 0,
};

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint8ClampedArray | Uint16Array;

type ViewConstructor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArray };

/** The TypedArray a tensor's data is seen through (BOOL and STRING: raw bytes). */
export const VIEW_OF: Readonly<Record<DType, ViewConstructor>> = {
  FLOAT: Float32Array, DOUBLE: Float64Array, INT8: Int8Array, INT16: Int16Array, INT32: Int32Array,
  INT64: BigInt64Array, UINT8: Uint8Array, UINT16: Uint16Array, BOOL: Uint8Array, STRING: Uint8Array,
};

/** The dtype a TypedArray naturally holds (a Buffer or Uint8Array is UINT8). */
export function dtypeOfTypedArray(array: TypedArray): DType | undefined {
  if (array instanceof Float32Array) return 'FLOAT';
  if (array instanceof Float64Array) return 'DOUBLE';
  if (array instanceof Int8Array) return 'INT8';
  if (array instanceof Int16Array) return 'INT16';
  if (array instanceof Int32Array) return 'INT32';
  if (array instanceof BigInt64Array) return 'INT64';
  if (array instanceof Uint8Array || array instanceof Uint8ClampedArray) return 'UINT8';
  if (array instanceof Uint16Array) return 'UINT16';
  return undefined;
}

/** Inclusive value range of each integer dtype (INT64 is checked with bigints). */
export const INTEGER_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = {
  INT8: [-128, 127], INT16: [-32768, 32767], INT32: [-2147483648, 2147483647],
  UINT8: [0, 255], UINT16: [0, 65535], BOOL: [0, 1],
};
