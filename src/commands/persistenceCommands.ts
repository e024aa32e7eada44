import { StormbreakerError } from '../errors';
import { SimpleString } from '../resp/Reply';
import { CommandContext, defineCommand, everyKey } from './Command';
import { upper } from './modelArgs';

function persistence({ server }: CommandContext) {
  if (server.persistence === null) throw new StormbreakerError('ERR persistence is not set up on this server');
  return server.persistence;
}

/** SAVE: a snapshot now; the reply comes when it is on disk (other clients are served meanwhile). */
export const save = defineCommand({
  keysOf: everyKey,
  name: 'save', arity: 1, flags: ['admin', 'noscript'], group: 'server', summary: 'Synchronously saves the dataset to disk',
  async run(ctx) {
    await persistence(ctx).save();
    return new SimpleString('OK');
  },
});

export const bgsave = defineCommand({
  keysOf: everyKey,
  name: 'bgsave', arity: -1, flags: ['admin', 'noscript'], group: 'server', summary: 'Asynchronously saves the dataset to disk',
  run(ctx) {
    persistence(ctx).bgsave();
    return new SimpleString('Background saving started');
  },
});

export const lastsave = defineCommand({
  name: 'lastsave', arity: 1, flags: ['fast'], group: 'server', summary: 'Unix time of the last successful save to disk',
  run: (ctx) => persistence(ctx).lastSave,
});

export const bgrewriteaof = defineCommand({
  keysOf: everyKey,
  name: 'bgrewriteaof', arity: 1, flags: ['admin', 'noscript'], group: 'server', summary: 'Asynchronously rewrites the append-only file',
  run(ctx) {
    persistence(ctx).bgrewriteaof();
    return new SimpleString('Background append only file rewriting started');
  },
});

/** SHUTDOWN [NOSAVE|SAVE]: saves as asked (or as save rules say), closes the log, stops the server. */
export const shutdown = defineCommand({
  name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', summary: 'Saves and stops the server',
  async run({ server }, args) {
    const mode = args.length > 1 ? upper(args[1]) : undefined;
    if (mode !== undefined && mode !== 'NOSAVE' && mode !== 'SAVE') throw new StormbreakerError('ERR syntax error');
    await server.shutdown(mode === undefined ? undefined : mode === 'SAVE');
    return new SimpleString('OK'); // never seen: the connection is closed first, as with Redis
  },
});
