import { Buffer } from 'node:buffer';
import type { Engine } from '../engine/Engine';
import { StormbreakerError } from '../errors';
import { defineCommand, word } from './Command';
import { int64Arg } from './modelArgs';

// Key expiry, as Redis 7 has it: EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with NX, XX, GT, LT;
// TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST. The engine keeps the times and deletes keys once
// they are past (when read, and ten times a second in the background).

const keyed = { firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic' } as const;
/** Redis refuses expiry times whose milliseconds would not fit a signed 64-bit number. */
const MAX_MS = 2 ** 63 - 1;

/**
 * The Unix time in ms an expiry argument means (`unit` ms per step; `absolute` for the …AT
 * forms), or Redis's invalid-expire-time error for `command` when it overflows.
 */
export function expiryTime(arg: Buffer, unit: 1 | 1000, absolute: boolean, command: string): number {
  const value = int64Arg(arg);
  const ms = value * unit + (absolute ? 0 : Date.now());
  if (!Number.isFinite(ms) || Math.abs(value * unit) >= MAX_MS || ms >= MAX_MS) {
    throw new StormbreakerError(`ERR invalid expire time in '${command}' command`);
  }
  return ms;
}

function expireCommand(name: string, unit: 1 | 1000, absolute: boolean) {
  return defineCommand({
    name, arity: -3, flags: ['write', 'fast'], ...keyed, summary: `Sets a key's expiry (${absolute ? 'a Unix time' : 'from now'}, ${unit === 1 ? 'ms' : 's'})`,
    run({ engine }, args) {
      let nx = false, xx = false, gt = false, lt = false;
      for (let i = 3; i < args.length; i++) {
        const option = word(args, i);
        if (option === 'nx') nx = true;
        else if (option === 'xx') xx = true;
        else if (option === 'gt') gt = true;
        else if (option === 'lt') lt = true;
        else throw new StormbreakerError(`ERR Unsupported option ${args[i].toString('latin1')}`);
      }
      if (nx && (xx || gt || lt)) throw new StormbreakerError('ERR NX and XX, GT or LT options at the same time are not compatible');
      if (gt && lt) throw new StormbreakerError('ERR GT and LT options at the same time are not compatible');
      const at = expiryTime(args[2], unit, absolute, name);
      if (engine.get(args[1]) === undefined) return 0;
      // A key without an expiry counts as expiring never, for GT and LT.
      const current = engine.expiryOf(args[1]) ?? Infinity;
      if ((nx && current !== Infinity) || (xx && current === Infinity) || (gt && !(at > current)) || (lt && !(at < current))) return 0;
      return engine.setExpiry(args[1], at) ? 1 : 0;
    },
  });
}

export const expire = expireCommand('expire', 1000, false);
export const pexpire = expireCommand('pexpire', 1, false);
export const expireat = expireCommand('expireat', 1000, true);
export const pexpireat = expireCommand('pexpireat', 1, true);

/** -2 for no key, -1 for no expiry, else what `remaining` makes of the expiry time. */
function expiryReply(engine: Engine, key: Buffer, of: (at: number) => number): number {
  const at = engine.expiryState(key);
  return at === undefined ? -2 : at === null ? -1 : of(at);
}

const readCommand = (name: string, summary: string, of: (at: number) => number) => defineCommand({
  name, arity: 2, flags: ['readonly', 'fast'], ...keyed, summary,
  run: ({ engine }, args) => expiryReply(engine, args[1], of),
});

// TTL rounds to the nearest second, as Redis does ((ms + 500) / 1000).
export const ttl = readCommand('ttl', 'Seconds until a key expires', (at) => Math.floor((Math.max(0, at - Date.now()) + 500) / 1000));
export const pttl = readCommand('pttl', 'Milliseconds until a key expires', (at) => Math.max(0, at - Date.now()));
export const expiretime = readCommand('expiretime', 'The Unix time (s) a key expires at', (at) => Math.floor(at / 1000));
export const pexpiretime = readCommand('pexpiretime', 'The Unix time (ms) a key expires at', (at) => at);

export const persist = defineCommand({
  name: 'persist', arity: 2, flags: ['write', 'fast'], ...keyed, summary: 'Removes a key\'s expiry',
  run: ({ engine }, args) => (engine.setExpiry(args[1], undefined) ? 1 : 0),
});

/** INFO keyspace's `expires` and `avg_ttl` (ms, averaged over up to 100 of the keys that have one). */
export function keyspaceExpiries(engine: Engine): { expires: number; avgTtl: number } {
  const names = engine.expiringNames(100);
  const now = Date.now();
  let total = 0;
  for (const name of names) total += Math.max(0, (engine.expiryOf(Buffer.from(name, 'latin1')) ?? now) - now);
  return { expires: engine.expiringKeys, avgTtl: names.length > 0 ? Math.round(total / names.length) : 0 };
}
