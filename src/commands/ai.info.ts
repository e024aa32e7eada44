import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { keyName } from '../store/keyName';
import { defineAiCommand } from './Command';
import { upper } from './modelArgs';

/** AI.INFO <key> [RESETSTAT]: run statistics of a model or script (spec §7). */
export const aiInfo = defineAiCommand({
  name: 'ai.info',
  arity: -1,
  flags: ['readonly'],
  key: 1,
  since: '1.0.0',
  summary: 'Returns or resets the run statistics of a model or script',
  run({ engine }, args) {
    if (args.length < 2 || args.length > 3) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const stat = engine.stats.get(keyName(args[1]));
    if (stat === undefined) throw new StormbreakerError('ERR cannot find run info for key');
    if (args.length === 3 && upper(args[2]) === 'RESETSTAT') {
      stat.duration = 0;
      stat.samples = stat.type === 'SCRIPT' ? -1 : 0;
      stat.calls = 0;
      stat.errors = 0;
      return OK;
    }
    return [
      'key', args[1],
      'type', stat.type,
      'backend', stat.backend,
      'device', stat.device,
      'tag', stat.tag,
      'duration', stat.duration,
      'samples', stat.samples,
      'calls', stat.calls,
      'errors', stat.errors,
    ];
  },
});
