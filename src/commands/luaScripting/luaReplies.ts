import { Buffer } from 'node:buffer';
import { native } from '../../native';
import { DoubleReply, ErrorReply, FloatsReply, MapReply, NullArray, Reply, SimpleString, VerbatimReply } from '../../resp/Reply';
import { LuaState, LuaType } from './LuaState';

// Redis's conversions between command replies and Lua values (RESP2, as scripts see replies by
// default). Reply → Lua: integer → number, bulk → string, nil → false, array → table, status →
// {ok=…}, error → {err=…}. Lua → reply: number → integer (truncated), string → bulk, true → 1,
// false and nil → nil, {err=…} → error, {ok=…} → status, other tables → array up to the first nil.

/** Nesting past this depth is refused rather than risk the interpreter's C stack. */
const MAX_DEPTH = 1000;
const INT64_MIN = -(2n ** 63n);

/** Pushes `reply` onto `L`'s stack as a script sees it. */
export function pushReply(lua: LuaState, L: number, reply: Reply, depth = 0): void {
  const wasm = lua.wasm;
  if (depth > MAX_DEPTH || wasm._lua_checkstack(L, 4) === 0) throw new Error('reply nested too deeply for a Lua script');
  if (reply === null || reply instanceof NullArray) {
    wasm._lua_pushboolean(L, 0);
  } else if (typeof reply === 'number') {
    wasm._lua_pushnumber(L, reply);
  } else if (typeof reply === 'bigint') {
    wasm._lua_pushnumber(L, Number(reply));
  } else if (typeof reply === 'string') {
    lua.pushBytes(reply, L);
  } else if (reply instanceof Uint8Array) {
    lua.pushBytes(reply, L);
  } else if (reply instanceof SimpleString) {
    pushStatusTable(lua, L, 'ok', reply.value);
  } else if (reply instanceof ErrorReply) {
    pushStatusTable(lua, L, 'err', reply.message);
    if (reply.countedAlready) markCounted(lua, L);
  } else if (reply instanceof DoubleReply || reply instanceof VerbatimReply) {
    lua.pushBytes(reply.text, L);
  } else if (reply instanceof FloatsReply) {
    const texts = reply.bytes.byteLength === 0 ? [] : native.formatFloats(reply.bytes, reply.isDouble).split(' ');
    pushArray(lua, L, texts, depth);
  } else if (reply instanceof MapReply) {
    pushArray(lua, L, reply.entries.flat(), depth);
  } else {
    pushArray(lua, L, reply, depth);
  }
}

function pushArray(lua: LuaState, L: number, items: readonly Reply[], depth: number): void {
  lua.wasm._lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushReply(lua, L, items[i], depth + 1);
    lua.wasm._lua_rawseti(L, -2, i + 1);
  }
}

/** Pushes `{[field] = text}`: Redis's form of a status (ok) or error (err) reply inside Lua. */
export function pushStatusTable(lua: LuaState, L: number, field: 'ok' | 'err', text: string | Uint8Array): void {
  lua.wasm._lua_createtable(L, 0, 1);
  lua.pushBytes(text, L);
  lua.setField(-2, field, L);
}

/** The string field `name` of the table at `index`, or undefined. */
export function stringField(lua: LuaState, L: number, index: number, name: string): Buffer | undefined {
  // rawget: a metamethod could raise an error where no pcall is there to catch it.
  const table = index < 0 ? lua.wasm._lua_gettop(L) + 1 + index : index;
  lua.pushBytes(name, L);
  lua.wasm._lua_rawget(L, table);
  const found = lua.typeAt(-1, L) === LuaType.String ? lua.bytesAt(-1, L) : undefined;
  lua.wasm._lua_settop(L, -2);
  return found;
}

/** Sets ignore_error_stats_update on the error table at the top: the command that made the error counted it (Redis's mark). */
export function markCounted(lua: LuaState, L: number): void {
  lua.wasm._lua_pushboolean(L, 1);
  lua.setField(-2, 'ignore_error_stats_update', L);
}

/** Whether the error table at `index` (absolute) came from a command that counted it (ignore_error_stats_update). */
export function countedAlready(lua: LuaState, L: number, index: number): boolean {
  lua.pushBytes('ignore_error_stats_update', L);
  lua.wasm._lua_rawget(L, index);
  const counted = lua.wasm._lua_toboolean(L, -1) !== 0;
  lua.wasm._lua_settop(L, -2);
  return counted;
}

/** An error reply's text: Redis writes it on one line. UTF-8, as the encoder writes error replies. */
export function errorText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8').replace(/[\r\n]/g, ' ');
}

/** A status reply's text, one line; its bytes as they are (the encoder writes status replies as latin1). */
function statusText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1').replace(/[\r\n]/g, ' ');
}

/** The field `name` of the table at `index` (absolute) pushed, with its type; the caller pops it. */
function rawField(lua: LuaState, L: number, index: number, name: string): LuaType {
  lua.pushBytes(name, L);
  lua.wasm._lua_rawget(L, index);
  return lua.typeAt(-1, L);
}

/**
 * Redis 7's typed reply tables: {double = n}, {big_number = '…'}, {map = {…}}, {set = {…}},
 * {verbatim_string = {format = …, string = …}}; undefined for a plain table (an array).
 */
function specialReply(lua: LuaState, L: number, index: number, depth: number): Reply | undefined {
  const wasm = lua.wasm;
  const pop = () => wasm._lua_settop(L, -2);
  if (rawField(lua, L, index, 'double') === LuaType.Number) {
    const n = wasm._lua_tonumber(L, -1);
    pop();
    return new DoubleReply(Number.isNaN(n) ? 'nan' : native.formatDouble(n));
  }
  pop();
  if (rawField(lua, L, index, 'big_number') === LuaType.String) {
    const text = lua.bytesAt(-1, L);
    pop();
    return text;
  }
  pop();
  for (const kind of ['map', 'set'] as const) {
    if (rawField(lua, L, index, kind) === LuaType.Table) {
      const table = wasm._lua_gettop(L);
      const entries: Array<readonly [Reply, Reply]> = [];
      const members: Reply[] = [];
      wasm._lua_pushnil(L);
      while (wasm._lua_next(L, table) !== 0) {
        const key = replyAt(lua, L, wasm._lua_gettop(L) - 1, depth + 1);
        if (kind === 'map') entries.push([key, replyAt(lua, L, wasm._lua_gettop(L), depth + 1)]);
        else members.push(key);
        pop();
      }
      pop();
      return kind === 'map' ? new MapReply(entries) : members;
    }
    pop();
  }
  if (rawField(lua, L, index, 'verbatim_string') === LuaType.Table) {
    const table = wasm._lua_gettop(L);
    const text = stringField(lua, L, table, 'string');
    pop();
    if (text !== undefined) return new VerbatimReply(text.toString('utf8'));
  } else {
    pop();
  }
  return undefined;
}

/** The Lua value at `index` (absolute) as the reply a script returns. */
export function replyAt(lua: LuaState, L: number, index: number, depth = 0): Reply {
  const wasm = lua.wasm;
  switch (lua.typeAt(index, L)) {
    case LuaType.String:
      return lua.bytesAt(index, L);
    case LuaType.Number: {
      const n = Math.trunc(wasm._lua_tonumber(L, index));
      if (Number.isSafeInteger(n)) return n;
      // C's (long long) cast, as Redis makes it on x86-64: out of range (and NaN) give INT64_MIN.
      return Number.isFinite(n) && Math.abs(n) < 2 ** 63 ? BigInt(n) : INT64_MIN;
    }
    case LuaType.Boolean:
      return wasm._lua_toboolean(L, index) !== 0 ? 1 : null;
    case LuaType.Table: {
      if (depth > MAX_DEPTH || wasm._lua_checkstack(L, 4) === 0) return new ErrorReply('ERR reached lua stack limit');
      const err = stringField(lua, L, index, 'err');
      if (err !== undefined) return new ErrorReply(errorText(err), countedAlready(lua, L, index));
      const ok = stringField(lua, L, index, 'ok');
      if (ok !== undefined) return new SimpleString(statusText(ok));
      const special = specialReply(lua, L, index, depth);
      if (special !== undefined) return special;
      const items: Reply[] = [];
      for (let i = 1; ; i++) {
        wasm._lua_rawgeti(L, index, i);
        if (lua.typeAt(-1, L) === LuaType.Nil) {
          wasm._lua_settop(L, -2);
          break;
        }
        items.push(replyAt(lua, L, wasm._lua_gettop(L), depth + 1));
        wasm._lua_settop(L, -2);
      }
      return items;
    }
    default:
      return null;
  }
}
