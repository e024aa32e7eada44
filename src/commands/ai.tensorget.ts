import { Errors, StormbreakerError, TensorErrors } from '../errors';
import type { Reply } from '../resp/Reply';
import { defineCommand } from './Command';
import { tensorMetaReply, tensorValuesReply } from './tensorReply';

/** AI.TENSORGET <key> [META] [BLOB | VALUES] (spec §3). */
export const tensorget = defineCommand({
  name: 'ai.tensorget',
  arity: -1,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  group: 'ai',
  since: '1.2.0',
  summary: 'Returns a tensor',
  run({ engine }, args) {
    if (args.length < 2 || args.length > 4) throw new StormbreakerError(Errors.wrongArity('ai.tensorget'));
    const tensor = engine.getTensor(args[1]);
    let meta = false;
    let blob = false;
    let values = false;
    for (let i = 2; i < args.length; i++) {
      const token = args[i].toString('latin1').toUpperCase();
      if (token === 'META') meta = true;
      else if (token === 'BLOB') blob = true;
      else if (token === 'VALUES') values = true;
      else throw new StormbreakerError(TensorErrors.unsupportedFormat);
    }
    if (blob && values) throw new StormbreakerError(TensorErrors.blobAndValues);
    if (!meta && !blob && !values) meta = blob = true;
    const data: Reply = blob ? tensor.bytes : values ? tensorValuesReply(tensor) : null;
    if (!meta) return data;
    const reply = tensorMetaReply(tensor);
    if (blob) reply.push('blob', data);
    else if (values) reply.push('values', data);
    return reply;
  },
});
