import { Buffer } from 'node:buffer';
import { LuaState, LuaType } from './LuaState';

// The TypeScript half of the scripting sandbox (sandboxSource.ts is the Lua half): Lua's own
// functions that would reach past it, replaced by versions that do not. They are C functions,
// so Lua's argument errors name them as scripts call them (`bad argument #1 to 'rawget'`).

/**
 * The table at `index`, or what it is a read-only view of (the sandbox's proxies: their
 * metatable says __readonly, and __index is the table itself): rawget, next and pairs then see
 * the library's real entries, as on Redis's read-only tables.
 */
function seeThrough(lua: LuaState, L: number, index: number): boolean {
  const wasm = lua.wasm;
  if (wasm._lua_getmetatable(L, index) === 0) return false;
  lua.pushBytes('__readonly', L);
  wasm._lua_rawget(L, -2);
  const readonly = wasm._lua_toboolean(L, -1) !== 0;
  wasm._lua_settop(L, -2);
  if (readonly) {
    lua.pushBytes('__index', L);
    wasm._lua_rawget(L, -2);
    wasm._lua_replace(L, index);
  }
  wasm._lua_settop(L, -2);
  return readonly;
}

/** The guards by the names scripts know them by, for the sandbox chunk. */
export function pushSandboxGuards(lua: LuaState): void {
  const wasm = lua.wasm;
  const checkTable = (L: number) => wasm._luaL_checktype(L, 1, LuaType.Table);
  wasm._lua_createtable(lua.L, 0, 6);
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
    // Raised from inside a C function, where Lua adds no position: Redis's text has none either.
    if (seeThrough(lua, L, 4)) {
      lua.pushBytes('Attempt to modify a readonly table', L);
      return wasm._lua_error(L);
    }
    wasm._lua_settop(L, 3);
    wasm._lua_rawset(L, 1);
    return 1;
  });
  fn('setmetatable', (L) => {
    checkTable(L);
    const t = lua.typeAt(2, L);
    if (t !== LuaType.Nil && t !== LuaType.Table) return wasm._luaL_argerror(L, 2, lua.cName('nil or table expected'));
    wasm._lua_pushvalue(L, 1);
    if (seeThrough(lua, L, wasm._lua_gettop(L))) {
      lua.pushBytes('Attempt to modify a readonly table', L);
      return wasm._lua_error(L);
    }
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
    seeThrough(lua, L, 1);
    lua.getField(-10000, 'stormbreaker_next', L);
    wasm._lua_pushvalue(L, 1);
    wasm._lua_pushnil(L);
    return 3;
  });
  const ipairsStep = (L: number): number => {
    const i = wasm._luaL_checkinteger(L, 2) + 1;
    wasm._lua_pushnumber(L, i);
    wasm._lua_rawgeti(L, 1, i);
    return lua.typeAt(-1, L) === LuaType.Nil ? 0 : 2;
  };
  fn('ipairs', (L) => {
    checkTable(L);
    seeThrough(lua, L, 1);
    lua.getField(-10000, 'stormbreaker_ipairs_step', L);
    wasm._lua_pushvalue(L, 1);
    wasm._lua_pushnumber(L, 0);
    return 3;
  });
  /** loadstring(s [, chunkname]) with bytecode refused. */
  fn('loadstring', (L) => {
    wasm._luaL_checklstring(L, 1, 0);
    const named = lua.typeAt(2, L) > LuaType.Nil;
    if (named) wasm._luaL_checklstring(L, 2, 0);
    const source = lua.bytesAt(1, L);
    const status = lua.loadNamed(L, source, lua.cStringAt(named ? 2 : 1, L), shownChunkName(lua.bytesAt(named ? 2 : 1, L)));
    if (status === 0) return 1;
    wasm._lua_pushnil(L);
    wasm._lua_insert(L, -2);
    return 2;
  });
  /** load(reader [, chunkname]): the reader's pieces joined, then as loadstring. */
  fn('load', (L) => {
    wasm._luaL_checktype(L, 1, LuaType.Function);
    const named = lua.typeAt(2, L) > LuaType.Nil;
    if (named) wasm._luaL_checklstring(L, 2, 0);
    else lua.pushBytes('=(load)', L);
    wasm._lua_settop(L, 2);
    const pieces: Buffer[] = [];
    for (;;) {
      wasm._lua_pushvalue(L, 1);
      wasm._lua_call(L, 0, 1);
      const t = lua.typeAt(-1, L);
      if (t === LuaType.Nil) break;
      if (t !== LuaType.String) {
        wasm._lua_settop(L, 2);
        wasm._lua_pushnil(L);
        lua.pushBytes('reader function must return a string', L);
        return 2;
      }
      const piece = lua.bytesAt(-1, L);
      wasm._lua_settop(L, 2);
      if (piece.length === 0) break;
      pieces.push(piece);
    }
    const status = lua.loadNamed(L, Buffer.concat(pieces), lua.cStringAt(2, L), shownChunkName(lua.bytesAt(2, L)));
    if (status === 0) return 1;
    wasm._lua_pushnil(L);
    wasm._lua_insert(L, -2);
    return 2;
  });
  // The iterators pairs and ipairs hand out.
  lua.pushFunction(next);
  lua.setField(-10000, 'stormbreaker_next');
  lua.pushFunction(ipairsStep);
  lua.setField(-10000, 'stormbreaker_ipairs_step');
}

/** How Lua names a chunk in messages: `=name` and `@file` as given, source text as [string "…"]. */
function shownChunkName(name: Buffer): string {
  const text = name.toString('latin1');
  if (text.startsWith('=') || text.startsWith('@')) return text.slice(1);
  const line = text.split('\n')[0];
  return `[string "${line.length < text.length || line.length > 45 ? `${line.slice(0, 45)}...` : line}"]`;
}
