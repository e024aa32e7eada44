import { StormbreakerError, TensorErrors } from '../errors';
import { parseDouble, parseInt64, plainDecimal, plainInteger } from '../util/redisNumbers';
import { DType, INTEGER_RANGE } from './dtype';
import { Tensor } from './Tensor';

/**
 * Builds a tensor from the text values of `AI.TENSORSET … VALUES` (spec §2 step 6): doubles by
 * Redis's string2d rules (narrowed to float32 for FLOAT), integers strictly and in range. In-range
 * negative integers are accepted (DESIGN.md deviation 1; RedisAI refused them through a bug).
 */
export function tensorFromTextValues(dtype: DType, shape: readonly number[], values: readonly Buffer[]): Tensor {
  if (dtype === 'STRING') return Tensor.fromStrings(shape, values);
  const tensor = Tensor.alloc(dtype, shape);
  const data = tensor.data;
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
  return tensor;
}
