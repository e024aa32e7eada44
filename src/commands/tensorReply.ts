import { native } from '../native';
import { DoubleReply, Reply } from '../resp/Reply';
import { exactNumber, Tensor } from '../tensor/Tensor';

/** The elements of a tensor as spec §1.1 replies them: doubles (`%.17g`), integers, bulk strings. */
export function tensorValuesReply(tensor: Tensor): Reply[] {
  switch (tensor.dtype) {
    case 'FLOAT':
    case 'DOUBLE':
      return native.tensorFormatFloats(tensor.handle).map((text) => new DoubleReply(text));
    case 'STRING':
      return tensor.stringBytes();
    case 'INT64':
      return Array.from(tensor.data as BigInt64Array, exactNumber);
    default:
      return Array.from(tensor.data as Exclude<typeof tensor.data, BigInt64Array>);
  }
}

/** `"dtype", <name>, "shape", [dims]`: the META part of a TENSORGET reply. */
export function tensorMetaReply(tensor: Tensor): Reply[] {
  return ['dtype', tensor.dtype, 'shape', tensor.shape as number[]];
}
