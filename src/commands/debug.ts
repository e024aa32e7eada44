import { StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { CommandContext, defineCommand, everyKey, word } from './Command';

// DEBUG RELOAD is what RedisAI's persistence tests (and many Redis users' tests) use to check
// that values survive a save and a load. The rest of Redis's DEBUG is a developer's toolbox
// (SEGFAULT, SLEEP, SET-ACTIVE-EXPIRE, …) that a model server has no business offering: those
// subcommands are refused with Redis's unknown-subcommand text.

const HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'RELOAD [option ...]',
  '    Save the snapshot on disk and reload it back to memory. Options:',
  '    * MERGE: Merge the content of the snapshot instead of replacing the keyspace.',
  '    * NOFLUSH: Do not empty the keyspace before loading the snapshot.',
  '    * NOSAVE: The snapshot will not be saved to disk first.',
  'HELP',
  '    Print this help.',
];

function reload({ server }: CommandContext, args: readonly Buffer[]) {
  const options = { save: true, flush: true, merge: false };
  for (let i = 2; i < args.length; i++) {
    const option = word(args, i);
    if (option === 'merge') options.merge = true;
    else if (option === 'noflush') options.flush = false;
    else if (option === 'nosave') options.save = false;
    else throw new StormbreakerError('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  if (server.persistence === null) throw new StormbreakerError('ERR persistence is not set up on this server');
  return server.persistence.reload(options).then(() => OK);
}

export const debug = defineCommand({
  keysOf: everyKey,
  name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '1.0.0',
  summary: 'DEBUG RELOAD: saves the snapshot and loads it back in place',
  run(ctx, args) {
    switch (word(args, 1)) {
      case 'reload':
        return reload(ctx, args);
      case 'help':
        return HELP;
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try DEBUG HELP.`);
    }
  },
});
