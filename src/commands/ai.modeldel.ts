import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { defineAiCommand } from './Command';

/** AI.MODELDEL <key> */
export const modeldel = defineAiCommand({
  name: 'ai.modeldel',
  arity: -1,
  flags: ['write'],
  key: 1,
  since: '1.2.0',
  summary: 'Deletes a model',
  readsOnlyMeta: () => true,
  run({ engine }, args) {
    if (args.length !== 2) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    engine.getModel(args[1]);
    engine.delete(args[1]);
    return OK;
  },
});
