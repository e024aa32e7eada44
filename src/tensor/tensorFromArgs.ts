import { StormbreakerError, TensorErrors } from '../errors';
import { isWord } from '../util/asciiWord';
import { parseSafeInteger } from '../util/redisNumbers';
import { ELEMENT_SIZE, parseDTypeBytes } from './dtype';
import { Tensor } from './Tensor';
import { tensorFromTextValues } from './valuesFromText';

/**
 * Builds a tensor from `<dtype> [<dim> …] [BLOB <data> | VALUES <v> …]` starting at args[start],
 * applying the checks of spec §2 in its order. `maxBytes` bounds a tensor made without data (a
 * BLOB is already bounded by proto-max-bulk-len).
 */
export function tensorFromArgs(args: readonly Buffer[], start: number, maxBytes: number): Tensor {
  const dtype = parseDTypeBytes(args[start]);
  if (dtype === undefined) throw new StormbreakerError(TensorErrors.invalidDType);
  const shape: number[] = [];
  let count = 1;
  let i = start + 1;
  let format = '';
  for (; i < args.length; i++) {
    let dim = plainPositiveInteger(args[i]);
    if (dim === undefined) {
      format = isWord(args[i], 'BLOB') ? 'BLOB' : isWord(args[i], 'VALUES') ? 'VALUES' : '';
      if (format !== '') break;
      dim = parseSafeInteger(args[i].toString('latin1'));
      if (dim === undefined || dim <= 0) throw new StormbreakerError(TensorErrors.invalidShape);
    }
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

/**
 * A dim written the common way (1 to 15 digits, no leading zero) read straight from its bytes, or
 * undefined for anything else, which then takes the full text path (keywords, Redis's number rules).
 */
function plainPositiveInteger(arg: Buffer): number | undefined {
  const n = arg.length;
  if (n === 0 || n > 15 || arg[0] < 49 || arg[0] > 57) return undefined;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = arg[i] - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return value;
}
