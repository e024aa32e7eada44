import { Errors, StormbreakerError } from '../errors';
import { keyName } from '../store/keyName';
import { memoryUsage } from '../store/memoryUsage';
import { defineCommand, word } from './Command';

const HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value (an estimate: a tensor\'s data, a model\'s stored blob).',
  'HELP',
  '    Prints this help.',
];

/** MEMORY USAGE key [SAMPLES n] and MEMORY HELP, with Redis's replies and errors. */
export const memory = defineCommand({
  name: 'memory', arity: -2, flags: ['readonly'], group: 'server', since: '4.0.0',
  summary: 'MEMORY USAGE: the bytes a key and its value use',
  run({ engine }, args) {
    const sub = word(args, 1);
    if (sub === 'help' && args.length === 2) return HELP;
    if (sub !== 'usage' && sub !== 'help') throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try MEMORY HELP.`);
    if (sub === 'help' || args.length < 3) throw new StormbreakerError(Errors.wrongArity(`memory|${sub}`));
    for (let i = 3; i < args.length; i += 2) {
      // Every value is measured whole, so SAMPLES only has to be well-formed.
      if (word(args, i) !== 'samples' || i + 1 >= args.length) throw new StormbreakerError(Errors.syntax);
      if (!/^-?\d+$/.test(args[i + 1].toString('latin1'))) throw new StormbreakerError(Errors.notInteger);
    }
    const value = engine.get(args[2]);
    return value === undefined ? null : memoryUsage(keyName(args[2]), value);
  },
});
