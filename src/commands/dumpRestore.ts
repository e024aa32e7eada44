import { DumpChecksumError, DumpUnsupportedError, readDumpPayload, RestoredValue, writeDumpPayload } from '../dump/dumpPayload';
import { DumpFormatError } from '../dump/RdbReader';
import type { Engine } from '../engine/Engine';
import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import type { StoredValue } from '../store/StoredValue';
import { defineCommand, word } from './Command';
import { int64Arg } from './modelArgs';

// DUMP and RESTORE, Redis's way of moving one key between servers (MIGRATE, redis-cli --pipe
// tools, RIOT…): the payload format is Redis's, so keys move both ways between this server and a
// Redis with RedisAI (tensors, models and scripts) or any Redis (strings, lists, hashes).

const keyed = { firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic' } as const;

export const dump = defineCommand({
  name: 'dump', arity: 2, flags: ['readonly'], ...keyed, since: '2.6.0',
  summary: 'Returns a serialized representation of the value stored at a key',
  run({ engine }, args) {
    const value = engine.get(args[1]);
    return value === undefined ? null : writeDumpPayload(value);
  },
});

/** The value a payload describes, made real: a model loaded by its backend, a script compiled. */
async function materialize(engine: Engine, restored: RestoredValue): Promise<StoredValue> {
  if (restored.kind === 'value') return restored.value;
  if (restored.kind === 'model') return { kind: 'model', model: await engine.loadModel(restored.spec, { restored: true }) };
  return { kind: 'script', script: await engine.compileScript(restored.spec) };
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], with Redis 7's checks in Redis 7's order. */
export const restore = defineCommand({
  name: 'restore', arity: -4, flags: ['write', 'denyoom'], ...keyed, since: '2.6.0',
  summary: 'Creates a key from the serialized representation of a value (DUMP)',
  async run({ engine }, args) {
    let replace = false;
    let absttl = false;
    let idle = -1;
    let freq = -1;
    for (let i = 4; i < args.length; i++) {
      const option = word(args, i);
      const more = i + 1 < args.length;
      if (option === 'replace') {
        replace = true;
      } else if (option === 'absttl') {
        absttl = true;
      } else if (option === 'idletime' && more && freq === -1) {
        idle = int64Arg(args[++i]);
        if (idle < 0) throw new StormbreakerError('ERR Invalid IDLETIME value, must be >= 0');
      } else if (option === 'freq' && more && idle === -1) {
        freq = int64Arg(args[++i]);
        if (freq < 0 || freq > 255) throw new StormbreakerError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      } else {
        throw new StormbreakerError(Errors.syntax);
      }
    }
    // IDLETIME and FREQ are accepted for compatibility; this server keeps no LRU/LFU clock to set.
    const key = args[1];
    if (!replace && engine.exists(key)) throw new StormbreakerError('BUSYKEY Target key name already exists.');
    let ttl = int64Arg(args[2]);
    if (ttl < 0) throw new StormbreakerError('ERR Invalid TTL value, must be >= 0');
    let restored: RestoredValue;
    try {
      restored = readDumpPayload(args[3]);
    } catch (err) {
      if (err instanceof DumpChecksumError) throw new StormbreakerError('ERR DUMP payload version or checksum are wrong');
      if (err instanceof DumpFormatError) throw new StormbreakerError('ERR Bad data format');
      if (err instanceof DumpUnsupportedError) throw new StormbreakerError(`ERR Bad data format: the payload holds ${err.message}, which this server does not store`);
      throw err;
    }
    const value = await materialize(engine, restored);
    // A model's load took time: another client may have made the key meanwhile.
    if (!replace && engine.exists(key)) throw new StormbreakerError('BUSYKEY Target key name already exists.');
    if (replace) engine.delete(key);
    if (ttl !== 0 && !absttl) ttl += Date.now();
    if (ttl !== 0 && ttl <= Date.now()) return OK; // already expired: nothing is stored (a replaced key is gone)
    engine.set(key, value);
    if (ttl !== 0) engine.setExpiry(key, ttl);
    return OK;
  },
});
