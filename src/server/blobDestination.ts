import type { BulkDestination } from '../resp/RequestDecoder';
import { discardStorageView, releaseStorageView, storageView } from '../tensor/Tensor';

/**
 * Where the RESP decoder assembles a bulk string that spans socket reads: a tensor BLOB goes
 * straight into aligned native storage that the tensor then adopts, so its bytes are copied once
 * (from the socket read) and never reassembled. Everything else uses an ordinary Buffer.
 */
export const blobDestination: BulkDestination = Object.assign(tensorBlobDestination, {
  // An upload cut off mid-way gives its native memory back when its connection closes.
  discard: discardStorageView,
  // And one whose request has run, when it has (the tensor made of it keeps the memory), rather
  // than when the garbage collector finds it: uploads arrive over many reads and outlive a
  // young-generation collection, so each waited for a full one (native/addon/upload_hold.h).
  done: releaseUploads,
});

/**
 * The BLOB of an AI.TENSORSET is its last argument. One smaller than a pooled buffer holds memory
 * the C allocator gives back cheaply, and is left to the collector (no lookup per small TENSORSET).
 */
function releaseUploads(args: readonly Buffer[]): void {
  if (args.length < 6) return;
  const last = args[args.length - 1];
  if (last.length >= POOLED_SIZE) releaseStorageView(last);
}

// native/core/buffer_pool.h kPoolMinSize: a destination this large holds pooled native memory.
const POOLED_SIZE = 64 * 1024;

function tensorBlobDestination(args: readonly Buffer[], length: number): Buffer | undefined {
  if (args.length < 4) return undefined;
  const last = args[args.length - 1];
  if (last.length !== 4 || last.toString('latin1').toUpperCase() !== 'BLOB') return undefined;
  const name = args[0];
  if (name.length !== 12 || name.toString('latin1').toLowerCase() !== 'ai.tensorset') return undefined;
  return storageView(length);
}
