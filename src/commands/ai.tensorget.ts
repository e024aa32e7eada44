import { Errors, StormbreakerError, TensorErrors } from '../errors';
import type { Reply } from '../resp/Reply';
import type { Tensor } from '../tensor/Tensor';
import { defineAiCommand } from './Command';
import { isWord } from '../util/asciiWord';
import { tensorMetaReply, tensorValuesReply } from './tensorReply';

/** Which parts of a tensor a TENSORGET asks for. */
export interface TensorGetFormat {
  meta: boolean;
  blob: boolean;
  values: boolean;
}

/** Reads `[META] [BLOB | VALUES]` (any order, repeats allowed; none means META BLOB). */
export function parseTensorGetFormat(tokens: readonly Buffer[]): TensorGetFormat {
  const format = { meta: false, blob: false, values: false };
  for (const arg of tokens) {
    if (isWord(arg, 'META')) format.meta = true;
    else if (isWord(arg, 'BLOB')) format.blob = true;
    else if (isWord(arg, 'VALUES')) format.values = true;
    else throw new StormbreakerError(TensorErrors.unsupportedFormat);
  }
  if (format.blob && format.values) throw new StormbreakerError(TensorErrors.blobAndValues);
  if (!format.meta && !format.blob && !format.values) format.meta = format.blob = true;
  return format;
}

/** The reply of spec §3 for `tensor` in `format`. */
export function tensorGetReply(tensor: Tensor, format: TensorGetFormat): Reply {
  const data: Reply = format.blob ? tensor.wireBytes : format.values ? tensorValuesReply(tensor) : null;
  if (!format.meta) return data;
  const reply = tensorMetaReply(tensor);
  if (format.blob) reply.push('blob', data);
  else if (format.values) reply.push('values', data);
  return reply;
}

/** AI.TENSORGET <key> [META] [BLOB | VALUES] (spec §3). */
export const tensorget = defineAiCommand({
  name: 'ai.tensorget',
  arity: -1,
  flags: ['readonly'],
  key: 1,
  since: '1.2.0',
  summary: 'Returns a tensor',
  readsOnlyMeta(args) {
    if (args.length < 3) return false;
    try {
      const format = parseTensorGetFormat(args.slice(2));
      return !format.blob && !format.values;
    } catch {
      return false; // the command reports it
    }
  },
  run({ engine }, args) {
    if (args.length < 2 || args.length > 4) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    // Read for a reply made now (its bytes go out as views with memory of their own).
    const tensor = engine.tensorForReply(args[1]);
    return tensorGetReply(tensor, parseTensorGetFormat(args.slice(2)));
  },
});
