import { Errors, StormbreakerError } from '../errors';
import { VerbatimReply } from '../resp/Reply';
import { defineCommand, word } from './Command';

const HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HELP',
  '    Prints this help.',
];

/** LATENCY LATEST | HISTORY event | RESET [event …] | DOCTOR | HELP, as Redis 7 (GRAPH and HISTOGRAM refused). */
export const latency = defineCommand({
  name: 'latency', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13',
  summary: 'Reports commands that took longer than latency-monitor-threshold',
  run({ server }, args) {
    const sub = word(args, 1);
    const exactly = (n: number) => {
      if (args.length !== n) throw new StormbreakerError(Errors.wrongArity(`latency|${sub}`));
    };
    switch (sub) {
      case 'latest':
        exactly(2);
        return server.latency.latest();
      case 'history':
        exactly(3);
        return server.latency.history(args[2].toString('latin1'));
      case 'reset':
        return server.latency.reset(args.slice(2).map((a) => a.toString('latin1')));
      case 'doctor':
        exactly(2);
        return new VerbatimReply(server.latency.doctor());
      case 'help':
        exactly(2);
        return HELP;
      case 'graph':
      case 'histogram':
        throw new StormbreakerError(`ERR LATENCY ${sub.toUpperCase()} is not available on this server: use LATENCY LATEST and HISTORY`);
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try LATENCY HELP.`);
    }
  },
});
