import { Errors, StormbreakerError } from '../errors';
import { SimpleString } from '../resp/Reply';
import { defineCommand } from './Command';

const PONG = new SimpleString('PONG');

export const ping = defineCommand({
  name: 'ping',
  arity: -1,
  flags: ['fast'],
  group: 'connection',
  summary: 'Returns the server\'s liveliness response',
  run(_ctx, args) {
    if (args.length > 2) throw new StormbreakerError(Errors.wrongArity('ping'));
    return args.length === 2 ? args[1] : PONG;
  },
});
