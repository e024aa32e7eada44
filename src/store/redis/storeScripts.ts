// The two Lua scripts a node runs on the store: one reads everything a command needs from one
// slot, one writes everything it changed there. A script runs atomically, so a command sees one
// moment of the store and its writes land all or nothing; node-redis replies to it with the type
// mapping we ask for (its MULTI/EXEC does not), which is why these are scripts and not MULTIs.
import { createHash } from 'node:crypto';
import type { RedisArg, RedisConnection } from './RedisConnection';

/**
 * KEYS: the keys; ARGV[1]: 'm' to skip values that are not needed (anything DEL or TYPE
 * touches), else 'f'. One reply per key:
 * {'none'} | {'string', bytes} | {'list', items} | {'hash', field, value, …} | {'other', type}
 * | {'tensor', format, dtype, shape} | {'model', format, version, chunks} | {'script', format, version}.
 * Models and scripts come without their blobs: a node that has that version loaded needs none.
 * A tensor's blob comes from an HGET beside the script in the same MULTI (RedisKeyspace.load):
 * a megabyte returned through Lua cost 1.5 ms more than the HGET of it.
 */
export const LOAD_SCRIPT = `
local full = ARGV[1] ~= 'm'
local out = {}
for i, key in ipairs(KEYS) do
  local t = redis.call('TYPE', key).ok
  if t == 'none' then
    out[i] = {'none'}
  elseif t == 'string' then
    out[i] = {'string', full and redis.call('GET', key) or ''}
  elseif t == 'list' then
    out[i] = {'list', full and redis.call('LRANGE', key, 0, -1) or {}}
  elseif t == 'hash' then
    local kind = redis.call('HGET', key, 'stormbreaker')
    if kind == 'tensor' then
      local f = redis.call('HMGET', key, 'format', 'dtype', 'shape')
      out[i] = {'tensor', f[1], f[2], f[3]}
    elseif kind == 'model' then
      local f = redis.call('HMGET', key, 'format', 'version', 'chunks')
      out[i] = {'model', f[1], f[2], f[3]}
    elseif kind == 'script' then
      local f = redis.call('HMGET', key, 'format', 'version')
      out[i] = {'script', f[1], f[2]}
    else
      out[i] = {'hash', full and redis.call('HGETALL', key) or {}}
    end
  else
    out[i] = {'other', t}
  end
end
return out
`;

/**
 * KEYS: the keys written; ARGV: the count of writes, then per write its key's index in KEYS, its
 * guard, its op and the count of its arguments, then those. A guard ('tensor', 'model',
 * 'script') is the kind the key must still hold, if anything; 'present': the key must exist (a
 * chunk uploaded before, which a failover could have lost). Every guard is checked before
 * anything is written, so a WRONGTYPE leaves every key as it was. Ops: 'del'; 'hash' (replace
 * with these fields); 'string' (SET); 'list' (replace with these items); 'persist' (a chunk key
 * uploaded with a time to live becomes permanent). Replacing or deleting a chunked model deletes
 * the chunks of the version it replaces (they share the model key's slot).
 */
export const WRITE_SCRIPT = `
local writes = {}
local at = 2
for w = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[at + 3])
  writes[w] = {KEYS[tonumber(ARGV[at])], ARGV[at + 1], ARGV[at + 2], at + 4, count}
  at = at + 4 + count
end
for _, w in ipairs(writes) do
  if w[2] == 'present' then
    if redis.call('EXISTS', w[1]) == 0 then
      return redis.error_reply('ERR a chunk of the model was lost before the model was stored (a failover?): nothing was written, store it again')
    end
  elseif w[2] ~= '' then
    local t = redis.call('TYPE', w[1]).ok
    if t ~= 'none' and (t ~= 'hash' or redis.call('HGET', w[1], 'stormbreaker') ~= w[2]) then
      return redis.error_reply('WRONGTYPE Operation against a key holding the wrong kind of value')
    end
  end
end
local function dropChunks(key)
  if redis.call('TYPE', key).ok ~= 'hash' then return end
  local f = redis.call('HMGET', key, 'stormbreaker', 'chunks', 'chunkprefix')
  if f[1] == 'model' and f[2] then
    for i = 0, tonumber(f[2]) - 1 do redis.call('UNLINK', f[3] .. i) end
  end
end
local function inGroups(command, key, first, count)
  local i = 0
  while i < count do
    local n = math.min(1000, count - i)
    local args = {}
    for j = 1, n do args[j] = ARGV[first + i + j - 1] end
    redis.call(command, key, unpack(args))
    i = i + n
  end
end
for _, w in ipairs(writes) do
  local key, op, first, count = w[1], w[3], w[4], w[5]
  if op == 'persist' then
    redis.call('PERSIST', key)
  else
    dropChunks(key)
    if op == 'string' then
      redis.call('SET', key, ARGV[first])
    else
      redis.call('UNLINK', key)
      if op == 'hash' and count > 0 then inGroups('HSET', key, first, count) end
      if op == 'list' and count > 0 then inGroups('RPUSH', key, first, count) end
    end
  end
end
return 'OK'
`;

/** A script run by its SHA1, sent in full when the node has not cached it (a new or failed-over primary). */
export class StoreScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** The EVALSHA of this script, for a pipeline. */
  evalsha(keys: readonly RedisArg[], args: readonly RedisArg[]): RedisArg[] {
    return ['EVALSHA', this.sha, String(keys.length), ...keys, ...args];
  }

  eval(keys: readonly RedisArg[], args: readonly RedisArg[]): RedisArg[] {
    return ['EVAL', this.source, String(keys.length), ...keys, ...args];
  }

  /** Runs it on the node that owns `keys[0]`, retried through a failover (both scripts are safe to repeat). */
  async run(connection: RedisConnection, keys: readonly RedisArg[], args: readonly RedisArg[]): Promise<unknown> {
    try {
      return await connection.send(this.evalsha(keys, args), keys[0], false, true);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return connection.send(this.eval(keys, args), keys[0], false, true);
    }
  }
}

/** A NOSCRIPT error reply, thrown or inside a pipeline's or EXEC's replies. */
export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
