import { Buffer } from 'node:buffer';
import { StormbreakerError, TensorErrors } from '../errors';
import { parseDouble, parseInt64, plainDecimal, plainInteger } from '../util/redisNumbers';
import { DType, ELEMENT_SIZE, INTEGER_RANGE, TypedArray, VIEW_OF } from './dtype';
import { PENDING_LIMIT, Tensor } from './Tensor';

/**
 * Builds a tensor from the text values of `AI.TENSORSET … VALUES` (spec §2 step 6): doubles by
 * Redis's string2d rules (narrowed to float32 for FLOAT), integers strictly and in range. In-range
 * negative integers are accepted (DESIGN.md deviation 1; RedisAI refused them through a bug).
 */
export function tensorFromTextValues(dtype: DType, shape: readonly number[], values: readonly Buffer[]): Tensor {
  if (dtype === 'STRING') return Tensor.fromStrings(shape, values);
  // A small tensor is filled in JS memory and keeps it until native code needs it (as fromBlob
  // does), instead of native memory seen through an external ArrayBuffer that GC must finalize:
  // a DAG's `AI.TENSORSET … VALUES` cost a native allocation, a finalizer and a view each.
  // Its bytes come from Node's Buffer pool (8-byte aligned, as every element type needs), as a
  // small TENSORSET BLOB's copy does: an ArrayBuffer of its own cost a backing store (an allocation
  // and GC bookkeeping) per tensor. Every byte is written by fill() before anything reads it.
  const byteLength = values.length * ELEMENT_SIZE[dtype];
  const small = byteLength <= PENDING_LIMIT && dtype !== 'BOOL';
  const tensor = small ? undefined : Tensor.alloc(dtype, shape);
  const bytes = small ? Buffer.allocUnsafe(byteLength) : undefined;
  const data = tensor?.data ?? new VIEW_OF[dtype](bytes!.buffer, bytes!.byteOffset, values.length);
  fill(dtype, data, values);
  return tensor ?? new Tensor(null, dtype, shape, bytes);
}

function fill(dtype: DType, data: TypedArray, values: readonly Buffer[]): void {
  if (dtype === 'FLOAT' || dtype === 'DOUBLE') {
    for (let i = 0; i < values.length; i++) {
      const v = plainDecimal(values[i]) ?? parseDouble(values[i].toString('latin1'));
      if (v === undefined) throw new StormbreakerError(TensorErrors.invalidValue);
      data[i] = v;
    }
  } else if (dtype === 'INT64') {
    for (let i = 0; i < values.length; i++) {
      const v = parseInt64(values[i].toString('latin1'));
      if (v === undefined) throw new StormbreakerError(TensorErrors.invalidValue);
      data[i] = BigInt(v);
    }
  } else {
    const [min, max] = INTEGER_RANGE[dtype]!;
    for (let i = 0; i < values.length; i++) {
      const v = plainInteger(values[i]) ?? parseInt64(values[i].toString('latin1'));
      if (typeof v !== 'number' || v < min || v > max) throw new StormbreakerError(TensorErrors.invalidValue);
      data[i] = v;
    }
  }
}
