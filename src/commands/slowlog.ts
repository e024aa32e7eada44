import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { defineCommand, word } from './Command';

const HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

/** SLOWLOG GET [count] | LEN | RESET | HELP, as Redis 7 answers them. */
export const slowlog = defineCommand({
  name: 'slowlog', arity: -2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12',
  summary: 'Lists the commands that took longer than slowlog-log-slower-than',
  run({ server }, args) {
    const sub = word(args, 1);
    const typed = args[1].toString('latin1');
    if (!['get', 'len', 'reset', 'help'].includes(sub)) throw new StormbreakerError(`ERR unknown subcommand '${typed}'. Try SLOWLOG HELP.`);
    if (sub === 'get') {
      if (args.length > 3) throw new StormbreakerError(`ERR unknown subcommand or wrong number of arguments for '${typed}'. Try SLOWLOG HELP.`);
      let count = 10;
      if (args.length === 3) {
        const text = args[2].toString('latin1');
        count = /^-?\d+$/.test(text) ? Number(text) : NaN;
        if (!Number.isSafeInteger(count) || count < -1) throw new StormbreakerError('ERR count should be greater than or equal to -1');
      }
      return server.slowLog.newest(count).map((e) => [e.id, e.time, e.micros, e.args, e.address, e.clientName]);
    }
    if (args.length !== 2) throw new StormbreakerError(Errors.wrongArity(`slowlog|${sub}`));
    if (sub === 'len') return server.slowLog.length;
    if (sub === 'help') return HELP;
    server.slowLog.reset();
    return OK;
  },
});
