import { Errors, StormbreakerError } from '../errors';
import { keyBytes } from '../store/keyName';
import { defineAiCommand } from './Command';

/** AI._MODELSCAN: [key, tag] of every model, in the order they were stored (DESIGN.md deviation 7). */
export const modelscan = defineAiCommand({
  name: 'ai._modelscan',
  arity: -1,
  flags: ['readonly'],
  since: '1.2.0',
  summary: 'Lists stored models and their tags (experimental)',
  run({ engine }, args) {
    if (args.length !== 1) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    return engine.stats.names('MODEL').map((name) => [keyBytes(name), engine.stats.get(name)!.tag]);
  },
});
