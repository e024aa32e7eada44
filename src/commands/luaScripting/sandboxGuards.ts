import { Buffer } from 'node:buffer';
import { LUA_GLOBALSINDEX, LUA_REGISTRYINDEX, LuaState, LuaType } from './LuaState';

// The TypeScript half of the scripting sandbox (sandboxSource.ts is the Lua half): Lua's own
// functions that would reach past it, replaced by versions that do not. They are C functions,
// so Lua's argument errors name them as scripts call them (`bad argument #1 to 'rawget'`).

/** Registry table: each read-only view the sandbox made → the table it shows (sandboxSource.ts). */
export const VIEWS = 'stormbreaker_views';
/** What load() takes from a reader in all, past which it answers as Lua does when memory runs out. */
const MAX_LOAD_BYTES = 256 << 20;

/**
 * If the value at `index` is one of the sandbox's read-only views (known by identity, never by a
 * field a script could set), replaces it with the table it shows and returns true: rawget, next
 * and pairs then see the library's real entries, as on Redis's read-only tables.
 */
function seeThrough(lua: LuaState, L: number, index: number): boolean {
  const wasm = lua.wasm;
  const at = index < 0 ? wasm._lua_gettop(L) + 1 + index : index;
  lua.getField(LUA_REGISTRYINDEX, VIEWS, L);
  wasm._lua_pushvalue(L, at);
  wasm._lua_rawget(L, -2);
  if (lua.typeAt(-1, L) === LuaType.Table) {
    wasm._lua_replace(L, at);
    wasm._lua_settop(L, -2);
    return true;
  }
  wasm._lua_settop(L, -3);
  return false;
}

/** Pushes a table of the guards, by the names scripts know them by, for the sandbox chunk. */
export function pushSandboxGuards(lua: LuaState): void {
  const wasm = lua.wasm;
  const checkTable = (L: number, arg = 1) => wasm._luaL_checktype(L, arg, LuaType.Table);
  /** Raised from inside a C function, where Lua adds no position: Redis's text has none either. */
  const readonlyError = (L: number) => {
    lua.pushBytes('Attempt to modify a readonly table', L);
    return wasm._lua_error(L);
  };
  wasm._lua_createtable(lua.L, 0, 10);
  const fn = (name: string, body: (L: number) => number) => {
    lua.pushFunction(body);
    lua.setField(-2, name);
  };
  fn('rawset', (L) => {
    checkTable(L);
    wasm._luaL_checkany(L, 2);
    wasm._luaL_checkany(L, 3);
    wasm._lua_settop(L, 3);
    wasm._lua_pushvalue(L, 1);
    if (seeThrough(lua, L, 4)) return readonlyError(L);
    wasm._lua_settop(L, 3);
    wasm._lua_rawset(L, 1);
    return 1;
  });
  fn('setmetatable', (L) => {
    checkTable(L);
    const t = lua.typeAt(2, L);
    if (t !== LuaType.Nil && t !== LuaType.Table) return wasm._luaL_argerror(L, 2, lua.cName('nil or table expected'));
    wasm._lua_pushvalue(L, 1);
    if (seeThrough(lua, L, -1)) return readonlyError(L);
    wasm._lua_settop(L, 2);
    if (wasm._luaL_getmetafield(L, 1, lua.cName('__metatable')) !== 0) {
      wasm._luaL_where(L, 1);
      lua.pushBytes('cannot change a protected metatable', L);
      wasm._lua_concat(L, 2);
      return wasm._lua_error(L);
    }
    wasm._lua_setmetatable(L, 1);
    return 1;
  });
  fn('getmetatable', (L) => {
    wasm._luaL_checkany(L, 1);
    wasm._lua_settop(L, 1);
    // Redis's read-only tables have no metatable (its _G has one: shown as an empty table); the
    // views' own stays out of reach.
    if (wasm._lua_rawequal(L, 1, LUA_GLOBALSINDEX) !== 0) {
      wasm._lua_createtable(L, 0, 0);
      return 1;
    }
    wasm._lua_pushvalue(L, 1);
    const view = seeThrough(lua, L, -1);
    wasm._lua_settop(L, 1);
    if (view || wasm._lua_getmetatable(L, 1) === 0) {
      wasm._lua_pushnil(L);
      return 1;
    }
    wasm._luaL_getmetafield(L, 1, lua.cName('__metatable'));
    return 1;
  });
  fn('rawget', (L) => {
    checkTable(L);
    wasm._luaL_checkany(L, 2);
    wasm._lua_settop(L, 2);
    seeThrough(lua, L, 1);
    wasm._lua_rawget(L, 1);
    return 1;
  });
  const next = (L: number): number => {
    checkTable(L);
    wasm._lua_settop(L, 2);
    seeThrough(lua, L, 1);
    if (wasm._lua_next(L, 1) !== 0) return 2;
    wasm._lua_pushnil(L);
    return 1;
  };
  fn('next', next);
  fn('pairs', (L) => {
    checkTable(L);
    wasm._lua_settop(L, 1);
    seeThrough(lua, L, 1);
    lua.getField(LUA_REGISTRYINDEX, 'stormbreaker_next', L);
    wasm._lua_pushvalue(L, 1);
    wasm._lua_pushnil(L);
    return 3;
  });
  const ipairsStep = (L: number): number => {
    checkTable(L);
    const i = wasm._luaL_checkinteger(L, 2) + 1;
    wasm._lua_pushnumber(L, i);
    wasm._lua_rawgeti(L, 1, i);
    return lua.typeAt(-1, L) === LuaType.Nil ? 0 : 2;
  };
  fn('ipairs', (L) => {
    checkTable(L);
    wasm._lua_settop(L, 1);
    seeThrough(lua, L, 1);
    lua.getField(LUA_REGISTRYINDEX, 'stormbreaker_ipairs_step', L);
    wasm._lua_pushvalue(L, 1);
    wasm._lua_pushnumber(L, 0);
    return 3;
  });
  /** What loadstring and load return: the function, or nil and the message. */
  const loaded = (L: number, status: number): number => {
    if (status === 0) return 1;
    wasm._lua_pushnil(L);
    wasm._lua_insert(L, -2);
    return 2;
  };
  /** loadstring(s [, chunkname]) with bytecode refused; the chunk is named by its source unless told. */
  fn('loadstring', (L) => {
    wasm._luaL_checklstring(L, 1, 0);
    const named = lua.typeAt(2, L) > LuaType.Nil;
    if (named) wasm._luaL_checklstring(L, 2, 0);
    return loaded(L, lua.loadNamed(L, lua.bytesAt(1, L), lua.cStringAt(named ? 2 : 1, L)));
  });
  /**
   * load(reader [, chunkname]): the reader is called (protected, as Lua's own load is) until it
   * returns nil or an empty string, then the pieces are compiled as loadstring does. Capped: a
   * reader can hand out a large string thousands of times between two checks of the time limit.
   */
  fn('load', (L) => {
    wasm._luaL_checktype(L, 1, LuaType.Function);
    const named = lua.typeAt(2, L) > LuaType.Nil;
    if (named) wasm._luaL_checklstring(L, 2, 0);
    wasm._lua_settop(L, named ? 2 : 1);
    if (!named) lua.pushBytes('=(load)', L);
    const pieces: Buffer[] = [];
    let total = 0;
    for (;;) {
      wasm._lua_pushvalue(L, 1);
      if (wasm._lua_pcall(L, 0, 1, 0) !== 0) {
        // The reader's own error (or a yield across it): nil and the message, as Lua's load.
        return loaded(L, 2);
      }
      const t = lua.typeAt(-1, L);
      if (t === LuaType.Nil) break;
      if (t !== LuaType.String && t !== LuaType.Number) {
        wasm._lua_settop(L, 2);
        lua.pushBytes('reader function must return a string', L);
        return loaded(L, 2);
      }
      const piece = lua.bytesAt(-1, L);
      wasm._lua_settop(L, 2);
      if (piece.length === 0) break;
      total += piece.length;
      if (total > MAX_LOAD_BYTES) {
        lua.pushBytes('not enough memory', L);
        return loaded(L, 4);
      }
      pieces.push(piece);
    }
    return loaded(L, lua.loadNamed(L, Buffer.concat(pieces), lua.cStringAt(2, L)));
  });
  // The iterators pairs and ipairs hand out.
  lua.pushFunction(next);
  lua.setField(LUA_REGISTRYINDEX, 'stormbreaker_next');
  lua.pushFunction(ipairsStep);
  lua.setField(LUA_REGISTRYINDEX, 'stormbreaker_ipairs_step');
}
