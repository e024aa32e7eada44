import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { tensorFromArgs } from '../tensor/tensorFromArgs';
import { defineAiCommand } from './Command';

/** AI.TENSORSET <key> <dtype> [<dim> …] [BLOB <data> | VALUES <v> …] (spec §2). */
export const tensorset = defineAiCommand({
  name: 'ai.tensorset',
  arity: -1,
  flags: ['write', 'denyoom'],
  key: 1,
  since: '1.2.0',
  summary: 'Stores a tensor',
  run({ engine, server }, args) {
    if (args.length < 4) throw new StormbreakerError(Errors.wrongArity('ai.tensorset'));
    const existing = engine.get(args[1]);
    if (existing !== undefined && existing.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    engine.setTensor(args[1], tensorFromArgs(args, 2, server.maxBulkLength()));
    return OK;
  },
});
