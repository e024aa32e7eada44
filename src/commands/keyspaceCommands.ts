import { Errors, StormbreakerError } from '../errors';
import { OK, SimpleString } from '../resp/Reply';
import { keyBytes, keyName } from '../store/keyName';
import { TYPE_NAME } from '../store/StoredValue';
import { globMatch } from '../util/globMatch';
import { parseSafeInteger } from '../util/redisNumbers';
import { defineCommand, everyKey, word } from './Command';

// The generic keyspace commands. Each is tiny; together they are one idea: keys as a set.

const keyed = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;
const allKeys = { firstKey: 1, lastKey: -1, keyStep: 1 } as const;

export const del = defineCommand({
  name: 'del', arity: -2, flags: ['write'], ...allKeys, summary: 'Deletes keys',
  run: ({ engine }, args) => engine.delete(...args.slice(1)),
});

export const unlink = defineCommand({
  name: 'unlink', arity: -2, flags: ['write', 'fast'], ...allKeys, since: '4.0.0',
  summary: 'Deletes keys (memory is released when no reader holds it)',
  run: ({ engine }, args) => engine.delete(...args.slice(1)),
});

export const exists = defineCommand({
  name: 'exists', arity: -2, flags: ['readonly', 'fast'], ...allKeys, summary: 'Counts the given keys that exist',
  run: ({ engine }, args) => args.slice(1).filter((k) => engine.exists(k)).length,
});

export const type = defineCommand({
  name: 'type', arity: 2, flags: ['readonly', 'fast'], ...keyed, summary: 'Returns the type of a key',
  run: ({ engine }, args) => new SimpleString(engine.type(args[1])),
});

export const dbsize = defineCommand({
  name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], group: 'server', summary: 'Returns the number of keys',
  // It counts the whole keyspace, which a store elsewhere must be asked for.
  keysOf: everyKey,
  run: ({ engine }) => engine.size,
});

export const keys = defineCommand({
  name: 'keys', arity: 2, flags: ['readonly'], summary: 'Returns the keys matching a pattern', keysOf: everyKey,
  run({ engine }, args) {
    const pattern = keyName(args[1]);
    const out: Buffer[] = [];
    for (const name of engine.liveNames()) if (pattern === '*' || globMatch(pattern, name)) out.push(keyBytes(name));
    return out;
  },
});

export const scan = defineCommand({
  name: 'scan', arity: -2, flags: ['readonly'], since: '2.8.0', summary: 'Iterates over the keys', keysOf: everyKey,
  run({ engine }, args) {
    const cursor = parseSafeInteger(args[1].toString('latin1'));
    if (cursor === undefined || cursor < 0) throw new StormbreakerError('ERR invalid cursor');
    let count = 10;
    let match: string | undefined;
    let typeFilter: string | undefined;
    for (let i = 2; i < args.length; i += 2) {
      const option = word(args, i);
      if (i + 1 >= args.length) throw new StormbreakerError(Errors.syntax);
      if (option === 'count') {
        const n = parseSafeInteger(args[i + 1].toString('latin1'));
        if (n === undefined) throw new StormbreakerError(Errors.notInteger);
        if (n < 1) throw new StormbreakerError(Errors.syntax);
        count = n;
      } else if (option === 'match') {
        match = keyName(args[i + 1]);
      } else if (option === 'type') {
        typeFilter = args[i + 1].toString('latin1');
      } else {
        throw new StormbreakerError(Errors.syntax);
      }
    }
    const page = engine.keyspace.scan(cursor, count);
    const names = page.keys.filter((name) => {
      if (match !== undefined && match !== '*' && !globMatch(match, name)) return false;
      // Reading the key deletes it if it has expired (the page does not show it then).
      const value = engine.get(keyBytes(name));
      if (value === undefined) return false;
      if (typeFilter !== undefined) {
        if (TYPE_NAME[value.kind].toLowerCase() !== typeFilter.toLowerCase()) return false;
      }
      return true;
    });
    return [String(page.cursor), names.map(keyBytes)];
  },
});

export const rename = defineCommand({
  name: 'rename', arity: 3, flags: ['write'], firstKey: 1, lastKey: 2, keyStep: 1, summary: 'Renames a key',
  run({ engine }, args) {
    engine.rename(args[1], args[2]);
    return OK;
  },
});

function flushCommand(name: string) {
  return defineCommand({
    name, arity: -1, flags: ['write'], group: 'server', summary: 'Removes all keys', keysOf: everyKey,
    run({ engine }, args) {
      if (args.length > 2) throw new StormbreakerError(Errors.syntax);
      if (args.length === 2 && !['sync', 'async'].includes(word(args, 1))) throw new StormbreakerError(Errors.syntax);
      engine.flush();
      return OK;
    },
  });
}

export const flushdb = flushCommand('flushdb');
export const flushall = flushCommand('flushall');
