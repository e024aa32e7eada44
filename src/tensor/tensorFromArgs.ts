import { StormbreakerError, TensorErrors } from '../errors';
import { parseSafeInteger } from '../util/redisNumbers';
import { ELEMENT_SIZE, parseDType } from './dtype';
import { Tensor } from './Tensor';
import { tensorFromTextValues } from './valuesFromText';

/**
 * Builds a tensor from `<dtype> [<dim> …] [BLOB <data> | VALUES <v> …]` starting at args[start],
 * applying the checks of spec §2 in its order. `maxBytes` bounds a tensor made without data (a
 * BLOB is already bounded by proto-max-bulk-len).
 */
export function tensorFromArgs(args: readonly Buffer[], start: number, maxBytes: number): Tensor {
  const dtype = parseDType(args[start].toString('latin1'));
  if (dtype === undefined) throw new StormbreakerError(TensorErrors.invalidDType);
  const shape: number[] = [];
  let count = 1;
  let i = start + 1;
  let format = '';
  for (; i < args.length; i++) {
    const token = args[i].toString('latin1');
    const upper = token.length <= 6 ? token.toUpperCase() : '';
    if (upper === 'BLOB' || upper === 'VALUES') {
      format = upper;
      break;
    }
    const dim = parseSafeInteger(token);
    if (dim === undefined || dim <= 0) throw new StormbreakerError(TensorErrors.invalidShape);
    shape.push(dim);
    count *= dim;
    if (!Number.isSafeInteger(count)) throw new StormbreakerError(TensorErrors.invalidShape);
  }
  const data = args.length - i - 1;
  if (format === 'BLOB') {
    if (data !== 1) throw new StormbreakerError(TensorErrors.blobArgument);
    return Tensor.fromBlob(dtype, shape, args[i + 1]);
  }
  if (format === 'VALUES') {
    if (data !== count) throw new StormbreakerError(TensorErrors.valueCount);
    return tensorFromTextValues(dtype, shape, args.slice(i + 1));
  }
  const bytes = count * (ELEMENT_SIZE[dtype] || 1);
  if (bytes > maxBytes) {
    throw new StormbreakerError(`ERR tensor of ${bytes} bytes is larger than proto-max-bulk-len (${maxBytes})`);
  }
  return Tensor.alloc(dtype, shape);
}
