import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { defineCommand } from './Command';

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

/** SET key value (no expiry options yet: they are refused rather than ignored). */
export const set = defineCommand({
  name: 'set', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'string',
  summary: 'Sets the string value of a key',
  run({ engine }, args) {
    if (args.length !== 3) throw new StormbreakerError(Errors.syntax);
    // The request's argument may be a view of a socket read: keep a copy of just these bytes.
    engine.set(args[1], { kind: 'string', bytes: Buffer.from(args[2]) });
    return OK;
  },
});
