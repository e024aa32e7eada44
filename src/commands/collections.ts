import { Buffer } from 'node:buffer';
import { Errors, StormbreakerError } from '../errors';
import type { Engine } from '../engine/Engine';
import { MapReply, OK, Reply } from '../resp/Reply';
import { keyBytes, keyName } from '../store/keyName';
import { parseInt64, parseSafeInteger } from '../util/redisNumbers';
import type { StoredValue } from '../store/StoredValue';
import { defineCommand } from './Command';
import { int64Arg } from './modelArgs';

// Plain Redis lists, hashes and counters: what scripts reach through redis.execute (spec §5.9)
// and what clients expect beside tensors. Semantics and error texts are Redis 7's.

const keyed = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;
const own = (b: Buffer) => Buffer.from(b); // arguments may be views of a socket read: keep copies

// Lists and hashes change in place; every change is then stored through engine.set, the one
// write path, with the command itself as its log record (cheaper than the whole collection).
type ListValue = Extract<StoredValue, { kind: 'list' }>;
type HashValue = Extract<StoredValue, { kind: 'hash' }>;

function list(engine: Engine, key: Buffer, create: true): ListValue;
function list(engine: Engine, key: Buffer, create: false): ListValue | undefined;
function list(engine: Engine, key: Buffer, create: boolean): ListValue | undefined {
  const value = engine.get(key);
  if (value === undefined) return create ? { kind: 'list', items: [] } : undefined;
  if (value.kind !== 'list') throw new StormbreakerError(Errors.wrongType);
  return value;
}

function hash(engine: Engine, key: Buffer, create: true): HashValue;
function hash(engine: Engine, key: Buffer, create: false): HashValue | undefined;
function hash(engine: Engine, key: Buffer, create: boolean): HashValue | undefined {
  const value = engine.get(key);
  if (value === undefined) return create ? { kind: 'hash', fields: new Map() } : undefined;
  if (value.kind !== 'hash') throw new StormbreakerError(Errors.wrongType);
  return value;
}

/** Stores a changed collection, logged as `args`; one that became empty is removed, as Redis does. */
function changed(engine: Engine, key: Buffer, value: ListValue | HashValue, size: number, args: Buffer[]): void {
  if (size === 0) engine.delete(key);
  else engine.set(key, value, args);
}

const push = (name: string, front: boolean) => defineCommand({
  name, arity: -3, flags: ['write', 'denyoom', 'fast'], ...keyed, group: 'list', summary: `Adds elements to the ${front ? 'head' : 'tail'} of a list`,
  run({ engine }, args) {
    const value = list(engine, args[1], true);
    const items = args.slice(2).map(own);
    for (const item of items) {
      if (front) value.items.unshift(item);
      else value.items.push(item);
    }
    changed(engine, args[1], value, value.items.length, [args[0], args[1], ...items]);
    return value.items.length;
  },
});
export const lpush = push('lpush', true);
export const rpush = push('rpush', false);

const pop = (name: string, front: boolean) => defineCommand({
  name, arity: -2, flags: ['write', 'fast'], ...keyed, group: 'list', summary: `Removes the ${front ? 'first' : 'last'} element of a list`,
  run({ engine }, args) {
    if (args.length > 3) throw new StormbreakerError(Errors.syntax);
    const value = list(engine, args[1], false);
    const count = args.length === 3 ? parseSafeInteger(args[2].toString('latin1')) : undefined;
    if (args.length === 3 && (count === undefined || count < 0)) throw new StormbreakerError('ERR value is out of range, must be positive');
    if (value === undefined) return null;
    const { items } = value;
    const n = Math.min(count ?? 1, items.length);
    const taken = front ? items.splice(0, n) : items.splice(items.length - n, n).reverse();
    changed(engine, args[1], value, items.length, [args[0], args[1], Buffer.from(String(n))]);
    return count === undefined ? taken[0] ?? null : taken;
  },
});
export const lpop = pop('lpop', true);
export const rpop = pop('rpop', false);

export const llen = defineCommand({
  name: 'llen', arity: 2, flags: ['readonly', 'fast'], ...keyed, group: 'list', summary: 'Returns the length of a list',
  run: ({ engine }, args) => list(engine, args[1], false)?.items.length ?? 0,
});

export const lrange = defineCommand({
  name: 'lrange', arity: 4, flags: ['readonly'], ...keyed, group: 'list', summary: 'Returns a range of elements of a list',
  run({ engine }, args) {
    let start = parseSafeInteger(args[2].toString('latin1'));
    let stop = parseSafeInteger(args[3].toString('latin1'));
    if (start === undefined || stop === undefined) throw new StormbreakerError(Errors.notInteger);
    const items = list(engine, args[1], false)?.items ?? [];
    const n = items.length;
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
    if (stop >= n) stop = n - 1;
    return start > stop ? [] : items.slice(start, stop + 1);
  },
});

export const lindex = defineCommand({
  name: 'lindex', arity: 3, flags: ['readonly'], ...keyed, group: 'list', summary: 'Returns an element of a list by its index',
  run({ engine }, args) {
    const index = int64Arg(args[2]);
    const items = list(engine, args[1], false)?.items;
    if (items === undefined) return null;
    return items[index < 0 ? items.length + index : index] ?? null;
  },
});

export const lset = defineCommand({
  name: 'lset', arity: 4, flags: ['write', 'denyoom'], ...keyed, group: 'list', summary: 'Sets an element of a list by its index',
  run({ engine }, args) {
    const index = int64Arg(args[2]);
    const value = list(engine, args[1], false);
    if (value === undefined) throw new StormbreakerError(Errors.noSuchKey);
    const at = index < 0 ? value.items.length + index : index;
    if (at < 0 || at >= value.items.length) throw new StormbreakerError('ERR index out of range');
    value.items[at] = own(args[3]);
    changed(engine, args[1], value, value.items.length, [args[0], args[1], args[2], value.items[at]]);
    return OK;
  },
});

export const lrem = defineCommand({
  name: 'lrem', arity: 4, flags: ['write'], ...keyed, group: 'list', summary: 'Removes elements equal to a value from a list',
  run({ engine }, args) {
    const count = int64Arg(args[2]);
    const value = list(engine, args[1], false);
    if (value === undefined) return 0;
    const limit = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    const { items } = value;
    if (count >= 0) {
      for (let i = 0; i < items.length && removed < limit;) {
        if (items[i].equals(args[3])) {
          items.splice(i, 1);
          removed++;
        } else i++;
      }
    } else {
      for (let i = items.length - 1; i >= 0 && removed < limit; i--) {
        if (items[i].equals(args[3])) {
          items.splice(i, 1);
          removed++;
        }
      }
    }
    if (removed > 0) changed(engine, args[1], value, items.length, [args[0], args[1], args[2], own(args[3])]);
    return removed;
  },
});

export const ltrim = defineCommand({
  name: 'ltrim', arity: 4, flags: ['write'], ...keyed, group: 'list', summary: 'Keeps only a range of elements of a list',
  run({ engine }, args) {
    let start = int64Arg(args[2]);
    let stop = int64Arg(args[3]);
    const value = list(engine, args[1], false);
    if (value === undefined) return OK;
    const n = value.items.length;
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
    if (stop >= n) stop = n - 1;
    const kept = start > stop ? [] : value.items.slice(start, stop + 1);
    if (kept.length === n) return OK;
    value.items.splice(0, n, ...kept);
    changed(engine, args[1], value, kept.length, [args[0], args[1], args[2], args[3]]);
    return OK;
  },
});

const setFields = (name: 'hset' | 'hmset', summary: string) => defineCommand({
  name, arity: -4, flags: ['write', 'denyoom', 'fast'], ...keyed, group: 'hash', summary,
  run({ engine }, args) {
    if (args.length % 2 !== 0) throw new StormbreakerError(Errors.wrongArity(name));
    const value = hash(engine, args[1], true);
    let added = 0;
    const record = [Buffer.from('HSET'), args[1]];
    for (let i = 2; i < args.length; i += 2) {
      const field = keyName(args[i]);
      if (!value.fields.has(field)) added++;
      const bytes = own(args[i + 1]);
      value.fields.set(field, bytes);
      record.push(args[i], bytes);
    }
    changed(engine, args[1], value, value.fields.size, record);
    return name === 'hset' ? added : OK;
  },
});
export const hset = setFields('hset', 'Sets fields of a hash');
/** Deprecated in Redis (HSET takes many fields) but what SmartRedis stores datasets with. */
export const hmset = setFields('hmset', 'Sets fields of a hash (deprecated: use HSET)');

export const hsetnx = defineCommand({
  name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], ...keyed, group: 'hash', summary: 'Sets a field of a hash only if it does not exist',
  run({ engine }, args) {
    const value = hash(engine, args[1], true);
    const field = keyName(args[2]);
    if (value.fields.has(field)) return 0;
    const bytes = own(args[3]);
    value.fields.set(field, bytes);
    changed(engine, args[1], value, value.fields.size, [Buffer.from('HSET'), args[1], args[2], bytes]);
    return 1;
  },
});

export const hmget = defineCommand({
  name: 'hmget', arity: -3, flags: ['readonly', 'fast'], ...keyed, group: 'hash', summary: 'Returns the values of fields of a hash',
  run({ engine }, args) {
    const fields = hash(engine, args[1], false)?.fields;
    return args.slice(2).map((f) => fields?.get(keyName(f)) ?? null);
  },
});

export const hexists = defineCommand({
  name: 'hexists', arity: 3, flags: ['readonly', 'fast'], ...keyed, group: 'hash', summary: 'Whether a field exists in a hash',
  run: ({ engine }, args) => (hash(engine, args[1], false)?.fields.has(keyName(args[2])) ? 1 : 0),
});

export const hstrlen = defineCommand({
  name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], ...keyed, group: 'hash', summary: 'Returns the length of a field\'s value',
  run: ({ engine }, args) => hash(engine, args[1], false)?.fields.get(keyName(args[2]))?.length ?? 0,
});

export const hincrby = defineCommand({
  name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], ...keyed, group: 'hash', summary: 'Increments the integer value of a field of a hash',
  run({ engine }, args) {
    const by = parseInt64(args[3].toString('latin1'));
    if (by === undefined) throw new StormbreakerError(Errors.notInteger);
    const value = hash(engine, args[1], true);
    const field = keyName(args[2]);
    const old = value.fields.get(field);
    const current = old === undefined ? 0 : parseInt64(old.toString('latin1'));
    if (current === undefined) throw new StormbreakerError('ERR hash value is not an integer');
    const next = BigInt(current) + BigInt(by);
    if (next > 2n ** 63n - 1n || next < -(2n ** 63n)) throw new StormbreakerError('ERR increment or decrement would overflow');
    const bytes = Buffer.from(next.toString());
    value.fields.set(field, bytes);
    changed(engine, args[1], value, value.fields.size, [Buffer.from('HSET'), args[1], args[2], bytes]);
    return next >= BigInt(Number.MIN_SAFE_INTEGER) && next <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(next) : next;
  },
});

export const hget = defineCommand({
  name: 'hget', arity: 3, flags: ['readonly', 'fast'], ...keyed, group: 'hash', summary: 'Returns the value of a field of a hash',
  run: ({ engine }, args) => hash(engine, args[1], false)?.fields.get(keyName(args[2])) ?? null,
});

export const hdel = defineCommand({
  name: 'hdel', arity: -3, flags: ['write', 'fast'], ...keyed, group: 'hash', summary: 'Deletes fields of a hash',
  run({ engine }, args) {
    const value = hash(engine, args[1], false);
    if (value === undefined) return 0;
    let removed = 0;
    for (const f of args.slice(2)) if (value.fields.delete(keyName(f))) removed++;
    if (removed > 0) changed(engine, args[1], value, value.fields.size, args);
    return removed;
  },
});

export const hlen = defineCommand({
  name: 'hlen', arity: 2, flags: ['readonly', 'fast'], ...keyed, group: 'hash', summary: 'Returns the number of fields of a hash',
  run: ({ engine }, args) => hash(engine, args[1], false)?.fields.size ?? 0,
});

export const hkeys = defineCommand({
  name: 'hkeys', arity: 2, flags: ['readonly'], ...keyed, group: 'hash', summary: 'Returns the fields of a hash',
  run: ({ engine }, args) => Array.from(hash(engine, args[1], false)?.fields.keys() ?? [], keyBytes),
});

export const hvals = defineCommand({
  name: 'hvals', arity: 2, flags: ['readonly'], ...keyed, group: 'hash', summary: 'Returns the values of a hash',
  run: ({ engine }, args) => Array.from(hash(engine, args[1], false)?.fields.values() ?? []),
});

export const hgetall = defineCommand({
  name: 'hgetall', arity: 2, flags: ['readonly'], ...keyed, group: 'hash', summary: 'Returns the fields and values of a hash',
  run({ engine }, args) {
    const fields = hash(engine, args[1], false)?.fields ?? new Map<string, Buffer>();
    return new MapReply(Array.from(fields, ([f, v]) => [keyBytes(f), v] as [Reply, Reply]));
  },
});

const counter = (name: string, sign: 1 | -1, byArgument: boolean) => defineCommand({
  name, arity: byArgument ? 3 : 2, flags: ['write', 'denyoom', 'fast'], ...keyed, group: 'string',
  summary: `${sign > 0 ? 'Increments' : 'Decrements'} the integer value of a key`,
  run({ engine }, args) {
    const by = byArgument ? parseInt64(args[2].toString('latin1')) : 1;
    if (by === undefined) throw new StormbreakerError(Errors.notInteger);
    const value = engine.get(args[1]);
    let current: bigint = 0n;
    if (value !== undefined) {
      if (value.kind !== 'string') throw new StormbreakerError(Errors.wrongType);
      const parsed = parseInt64(value.bytes.toString('latin1'));
      if (parsed === undefined) throw new StormbreakerError(Errors.notInteger);
      current = BigInt(parsed);
    }
    const next = current + BigInt(sign) * BigInt(by);
    if (next > 2n ** 63n - 1n || next < -(2n ** 63n)) throw new StormbreakerError('ERR increment or decrement would overflow');
    engine.set(args[1], { kind: 'string', bytes: Buffer.from(next.toString()) }, undefined, { keepTtl: true }); // as Redis: the expiry stays
    return next >= BigInt(Number.MIN_SAFE_INTEGER) && next <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(next) : next;
  },
});
export const incr = counter('incr', 1, false);
export const decr = counter('decr', -1, false);
export const incrby = counter('incrby', 1, true);
export const decrby = counter('decrby', -1, true);

export const mget = defineCommand({
  name: 'mget', arity: -2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'string',
  summary: 'Returns the string values of keys',
  run: ({ engine }, args) => args.slice(1).map((k) => {
    const v = engine.get(k);
    return v !== undefined && v.kind === 'string' ? v.bytes : null;
  }),
});


