import type { BulkDestination } from '../resp/RequestDecoder';
import { discardStorageView, storageView } from '../tensor/Tensor';

/**
 * Where the RESP decoder assembles a bulk string that spans socket reads: a tensor BLOB goes
 * straight into aligned native storage that the tensor then adopts, so its bytes are copied once
 * (from the socket read) and never reassembled. Everything else uses an ordinary Buffer.
 */
export const blobDestination: BulkDestination = Object.assign(tensorBlobDestination, {
  // An upload cut off mid-way gives its native memory back when its connection closes.
  discard: discardStorageView,
});

function tensorBlobDestination(args: readonly Buffer[], length: number): Buffer | undefined {
  if (args.length < 4) return undefined;
  const last = args[args.length - 1];
  if (last.length !== 4 || last.toString('latin1').toUpperCase() !== 'BLOB') return undefined;
  const name = args[0];
  if (name.length !== 12 || name.toString('latin1').toLowerCase() !== 'ai.tensorset') return undefined;
  return storageView(length);
}
