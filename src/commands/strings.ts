import { Buffer } from 'node:buffer';
import type { Engine } from '../engine/Engine';
import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { defineCommand, word } from './Command';
import { expiryTime } from './expiry';
import { int64Arg } from './modelArgs';

// Plain string values: the keyspace must hold non-tensor values for clients (and for WRONGTYPE).

export const get = defineCommand({
  name: 'get', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string',
  summary: 'Returns the string value of a key',
  run({ engine }, args) {
    const value = engine.get(args[1]);
    if (value === undefined) return null;
    if (value.kind !== 'string') throw new StormbreakerError(Errors.wrongType);
    return value.bytes;
  },
});

const keyed = { firstKey: 1, lastKey: 1, keyStep: 1, group: 'string' } as const;

/** The string at `key`, undefined when there is none; WRONGTYPE for any other kind of value. */
function stringAt(engine: Engine, key: Buffer): Buffer | undefined {
  const value = engine.get(key);
  if (value === undefined) return undefined;
  if (value.kind !== 'string') throw new StormbreakerError(Errors.wrongType);
  return value.bytes;
}

// The request's arguments may be views of a socket read: a stored value keeps a copy of just its bytes.
const stored = (bytes: Buffer) => ({ kind: 'string' as const, bytes: Buffer.from(bytes) });

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT t | PXAT t-ms | KEEPTTL], as Redis 7. */
export const set = defineCommand({
  name: 'set', arity: -3, flags: ['write', 'denyoom'], ...keyed,
  summary: 'Sets the string value of a key',
  run({ engine }, args) {
    let condition: 'nx' | 'xx' | undefined;
    let get = false;
    let expiry: { option: string; arg: Buffer } | undefined;
    let keepTtl = false;
    for (let i = 3; i < args.length; i++) {
      const option = word(args, i);
      // As Redis: NX and XX exclude each other, so do the expiry options; repeating one is allowed.
      if ((option === 'nx' || option === 'xx') && (condition === undefined || condition === option)) {
        condition = option;
      } else if (option === 'get') {
        get = true;
      } else if (option === 'keepttl' && expiry === undefined) {
        keepTtl = true;
      } else if (EXPIRY_UNITS[option] !== undefined && !keepTtl && (expiry === undefined || expiry.option === option) && i + 1 < args.length) {
        expiry = { option, arg: args[++i] };
      } else {
        throw new StormbreakerError(Errors.syntax);
      }
    }
    // The time is checked once every option has parsed, as Redis does.
    let at: number | undefined;
    if (expiry !== undefined) {
      const [unit, absolute] = EXPIRY_UNITS[expiry.option]!;
      if (int64Arg(expiry.arg) <= 0) throw new StormbreakerError("ERR invalid expire time in 'set' command");
      at = expiryTime(expiry.arg, unit, absolute, 'set');
    }
    const existing = engine.get(args[1]);
    // With GET the old value must be a string (Redis checks before it writes anything).
    const old = get ? stringAt(engine, args[1]) ?? null : null;
    if ((condition === 'nx' && existing !== undefined) || (condition === 'xx' && existing === undefined)) return get ? old : null;
    engine.set(args[1], stored(args[2]), undefined, { keepTtl });
    if (at !== undefined) engine.setExpiry(args[1], at, { deleteIfPast: false });
    return get ? old : OK;
  },
});

/** SET's expiry options: ms per step, and whether the value is a Unix time. */
const EXPIRY_UNITS: Record<string, [1 | 1000, boolean] | undefined> = { ex: [1000, false], px: [1, false], exat: [1000, true], pxat: [1, true] };

export const setnx = defineCommand({
  name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], ...keyed, summary: 'Sets a key only when it does not exist',
  run({ engine }, args) {
    if (engine.exists(args[1])) return 0;
    engine.set(args[1], stored(args[2]));
    return 1;
  },
});

export const getset = defineCommand({
  name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], ...keyed, summary: 'Sets a string and returns the old one',
  run({ engine }, args) {
    const old = stringAt(engine, args[1]) ?? null;
    engine.set(args[1], stored(args[2]));
    return old;
  },
});

export const getdel = defineCommand({
  name: 'getdel', arity: 2, flags: ['write', 'fast'], ...keyed, summary: 'Returns a string and deletes its key',
  run({ engine }, args) {
    const old = stringAt(engine, args[1]);
    if (old === undefined) return null;
    engine.delete(args[1]);
    return old;
  },
});

export const append = defineCommand({
  name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], ...keyed, summary: 'Appends to a string; returns its new length',
  run({ engine }, args) {
    const old = stringAt(engine, args[1]);
    const bytes = old === undefined ? Buffer.from(args[2]) : Buffer.concat([old, args[2]]);
    engine.set(args[1], { kind: 'string', bytes }, undefined, { keepTtl: true }); // APPEND keeps the key's expiry
    return bytes.length;
  },
});

export const strlen = defineCommand({
  name: 'strlen', arity: 2, flags: ['readonly', 'fast'], ...keyed, summary: 'Returns the length of a string',
  run: ({ engine }, args) => stringAt(engine, args[1])?.length ?? 0,
});

/** MSET / MSETNX: pairs of key and value, all written at once (MSETNX: only when none exists). */
function multiSet(name: 'mset' | 'msetnx') {
  return defineCommand({
    name, arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 2, group: 'string',
    summary: name === 'mset' ? 'Sets several keys' : 'Sets several keys, only when none of them exists',
    run({ engine }, args) {
      if (args.length % 2 !== 1) throw new StormbreakerError(Errors.wrongArity(name));
      if (name === 'msetnx') {
        for (let i = 1; i < args.length; i += 2) if (engine.exists(args[i])) return 0;
      }
      for (let i = 1; i < args.length; i += 2) engine.set(args[i], stored(args[i + 1]));
      return name === 'mset' ? OK : 1;
    },
  });
}
export const mset = multiSet('mset');
export const msetnx = multiSet('msetnx');
