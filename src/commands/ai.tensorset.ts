import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { keyName } from '../store/keyName';
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
    if (args.length < 4) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    // The key's name once, for the kind check (before parsing, as RedisAI opens the key first) and the write.
    const name = keyName(args[1]);
    const existing = engine.valueAt(name);
    if (existing !== undefined && existing.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    const tensor = tensorFromArgs(args, 2, server.maxBulkLength());
    // Made here from the client's bytes, so only the store will hold it (Tensor.releasable).
    tensor.releasable = true;
    engine.setTensorsAt([[name, tensor]]);
    return OK;
  },
});
