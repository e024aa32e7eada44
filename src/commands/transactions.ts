import { StormbreakerError } from '../errors';
import { ErrorReply, NULL_ARRAY, OK, Reply } from '../resp/Reply';
import { keyName } from '../store/keyName';
import { ClientInfo, defineCommand, ServerInfo } from './Command';

// MULTI/EXEC/DISCARD/WATCH/UNWATCH with Redis's semantics and texts. While a client is in MULTI
// its other commands are checked (unknown, wrong arity) and queued by the connection; EXEC runs
// them in order. RedisAI's execution commands (flag no_multi) are refused there with its text.

const NO_MULTI = 'ERR Cannot run RedisAI command within a transaction or a LUA script';

export const multi = defineCommand({
  name: 'multi', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '1.2.0',
  summary: 'Starts a transaction',
  run({ client }) {
    if (client.transaction !== null) throw new StormbreakerError('ERR MULTI calls can not be nested');
    client.transaction = { queued: [], failed: false };
    return OK;
  },
});

export const discard = defineCommand({
  name: 'discard', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '2.0.0',
  summary: 'Discards a transaction',
  run({ client, server }) {
    if (client.transaction === null) throw new StormbreakerError('ERR DISCARD without MULTI');
    client.transaction = null;
    server.unwatch(client);
    return OK;
  },
});

/** Runs the queued commands in order; a command that is asynchronous is waited for before the next. */
function runQueued(server: ServerInfo, client: ClientInfo, queued: Buffer[][]): Reply | Promise<Reply> {
  const replies: Reply[] = [];
  for (let i = 0; i < queued.length; i++) {
    const args = queued[i];
    const command = server.findCommand(args[0].toString('latin1').toLowerCase());
    const reply = command?.flags.includes('no_multi') ? new ErrorReply(NO_MULTI) : server.runAs(client, args);
    if (reply instanceof Promise) {
      // Only AI.MODELSTORE / AI.SCRIPTSTORE (a backend load on a device thread) get here: the rest
      // of the transaction runs after it, in order (other clients may run in between).
      return reply.then(async (first) => {
        replies.push(first);
        const rest = await runQueued(server, client, queued.slice(i + 1));
        return [...replies, ...(rest as Reply[])];
      });
    }
    replies.push(reply);
  }
  return replies;
}

export const exec = defineCommand({
  name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'], group: 'transactions', since: '1.2.0',
  summary: 'Runs the commands of a transaction',
  // Every key of every queued command: the transaction is one batch for the store.
  keysOf(args, client, server) {
    const keys: Buffer[] = [];
    for (const queued of client.transaction?.queued ?? []) {
      const found = server.findCommand(queued[0].toString('latin1').toLowerCase())?.keysOf(queued, client, server);
      if (found === 'all') return 'all';
      if (found !== undefined) keys.push(...found);
    }
    return keys;
  },
  run({ client, server, engine }) {
    const transaction = client.transaction;
    if (transaction === null) throw new StormbreakerError('ERR EXEC without MULTI');
    client.transaction = null;
    const dirty = client.watched.dirty;
    server.unwatch(client);
    if (transaction.failed) throw new StormbreakerError('EXECABORT Transaction discarded because of previous errors.');
    if (dirty) return NULL_ARRAY;
    // Past maxmemory, a transaction that may add data is refused whole, as Redis does.
    if (server.overMaxmemory() && transaction.queued.some((q) => server.findCommand(q[0].toString('latin1').toLowerCase())?.denyOom === true)) {
      throw new StormbreakerError("EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.");
    }
    // One unit in the log (what runs at once: a device load mid-way ends it).
    return engine.atomically(() => runQueued(server, client, transaction.queued));
  },
});

export const watch = defineCommand({
  name: 'watch', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], firstKey: 1, lastKey: -1, keyStep: 1,
  group: 'transactions', since: '2.2.0', summary: 'Aborts the next EXEC if one of these keys is written',
  run({ client, server }, args) {
    if (client.transaction !== null) throw new StormbreakerError('ERR WATCH inside MULTI is not allowed');
    server.watch(client, args.slice(1).map(keyName));
    return OK;
  },
});

export const unwatch = defineCommand({
  name: 'unwatch', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '2.2.0',
  summary: 'Forgets the WATCHed keys',
  run({ client, server }) {
    server.unwatch(client);
    return OK;
  },
});

/** The commands a client in MULTI runs at once instead of queuing. */
export const TRANSACTION_CONTROL = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch', 'quit', 'reset']);
