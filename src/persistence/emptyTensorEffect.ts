import type { Engine } from '../engine/Engine';
import { parseDType } from '../tensor/dtype';
import { Tensor } from '../tensor/Tensor';

/**
 * Replays `AI.TENSORSET <key> <dtype> <dims…> BLOB <bytes>` when a dim is 0: an empty output a
 * model produced (a detector that found nothing), logged as its effect. The wire refuses such
 * shapes (spec §1.2), so the command itself cannot restore it. Returns false for anything else.
 */
export function replayEmptyTensorEffect(engine: Engine, argv: readonly Buffer[]): boolean {
  if (argv.length < 5 || argv[0].toString('latin1').toUpperCase() !== 'AI.TENSORSET') return false;
  const blobAt = argv.findIndex((a, i) => i >= 3 && a.toString('latin1').toUpperCase() === 'BLOB');
  if (blobAt !== argv.length - 2) return false;
  const dims = argv.slice(3, blobAt).map((d) => Number(d.toString('latin1')));
  if (!dims.includes(0) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return false;
  const dtype = parseDType(argv[2].toString('latin1'));
  if (dtype === undefined) return false;
  engine.setTensor(argv[1], Tensor.restored(dtype, dims, () => undefined, new Uint8Array(0)));
  return true;
}
