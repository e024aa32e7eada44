import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { parseSafeInteger } from '../util/redisNumbers';
import { defineCommand } from './Command';

/** Only database 0 exists, as in Redis Cluster. */
export const select = defineCommand({
  name: 'select',
  arity: 2,
  flags: ['fast'],
  group: 'connection',
  summary: 'Changes the selected database (only 0 exists)',
  run(_ctx, args) {
    const index = parseSafeInteger(args[1].toString('latin1'));
    if (index === undefined) throw new StormbreakerError(Errors.notInteger);
    if (index !== 0) throw new StormbreakerError('ERR DB index is out of range');
    return OK;
  },
});
