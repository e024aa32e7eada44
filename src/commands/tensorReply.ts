import { FloatsReply, Reply } from '../resp/Reply';
import { ELEMENT_SIZE, VIEW_OF } from '../tensor/dtype';
import { exactNumber, Tensor } from '../tensor/Tensor';

/**
 * The elements of a tensor as spec §1.1 replies them: doubles (`%.17g`), integers, bulk strings.
 * Read from the tensor's bytes as they are: a small tensor still held in JS (a run's output, a
 * VALUES TENSORSET) is not first copied into native memory that GC must then finalize.
 */
export function tensorValuesReply(tensor: Tensor): Reply {
  switch (tensor.dtype) {
    case 'FLOAT':
    case 'DOUBLE':
      return new FloatsReply(tensor.wireBytes, tensor.dtype === 'DOUBLE');
    case 'STRING':
      return tensor.stringBytes();
    case 'INT64':
      return Array.from(elementsOf(tensor) as BigInt64Array, exactNumber);
    default:
      return Array.from(elementsOf(tensor) as Exclude<ReturnType<typeof elementsOf>, BigInt64Array>);
  }
}

/** A numeric tensor's elements for reading, over its bytes (copied when they are not aligned for the type). */
function elementsOf(tensor: Tensor) {
  const bytes = tensor.wireBytes;
  const size = ELEMENT_SIZE[tensor.dtype];
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new VIEW_OF[tensor.dtype](aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / size);
}

/** `"dtype", <name>, "shape", [dims]`: the META part of a TENSORGET reply. */
export function tensorMetaReply(tensor: Tensor): Reply[] {
  return ['dtype', tensor.dtype, 'shape', tensor.shape as number[]];
}
