import { createRequire } from 'node:module';

// The Lua 5.1 interpreter Redis embeds, compiled to WebAssembly (npm wasmoon-lua5.1: Lua's own C
// sources under emscripten). Only its raw C API is used: wasmoon's JS conversions pass strings
// through UTF-8, and Redis strings are bytes (a tensor BLOB is not text).

/** The slice of the emscripten module this project calls: Lua's C API, the heap, function table. */
export interface LuaWasm {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  removeFunction(pointer: number): void;
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _lua_close(L: number): void;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_type(L: number, index: number): number;
  _lua_pushvalue(L: number, index: number): void;
  _lua_insert(L: number, index: number): void;
  _lua_remove(L: number, index: number): void;
  _lua_replace(L: number, index: number): void;
  _lua_setfenv(L: number, index: number): number;
  _luaL_where(L: number, level: number): void;
  /** The number at `arg`, or raises Lua's own `bad argument #n to 'f' (number expected, got …)`. */
  _luaL_checknumber(L: number, arg: number): number;
  _luaL_argerror(L: number, arg: number, message: number): number;
  _lua_pushlightuserdata(L: number, pointer: number): void;
  _luaL_checkinteger(L: number, arg: number): number;
  _luaL_optinteger(L: number, arg: number, otherwise: number): number;
  _luaL_checklstring(L: number, arg: number, lengthPointer: number): number;
  _lua_concat(L: number, n: number): void;
  _luaL_checktype(L: number, arg: number, type: number): void;
  _luaL_checkany(L: number, arg: number): void;
  _lua_getmetatable(L: number, index: number): number;
  _lua_rawequal(L: number, a: number, b: number): number;
  _lua_setmetatable(L: number, index: number): number;
  _luaL_getmetafield(L: number, index: number, name: number): number;
  _lua_touserdata(L: number, index: number): number;
  _lua_pushlstring(L: number, pointer: number, length: number): void;
  _lua_tolstring(L: number, index: number, lengthPointer: number): number;
  _lua_pushnumber(L: number, value: number): void;
  _lua_tonumber(L: number, index: number): number;
  _lua_isnumber(L: number, index: number): number;
  _lua_pushboolean(L: number, value: number): void;
  _lua_toboolean(L: number, index: number): number;
  _lua_pushnil(L: number): void;
  _lua_createtable(L: number, arrayItems: number, fields: number): void;
  _lua_rawseti(L: number, index: number, n: number): void;
  _lua_rawgeti(L: number, index: number, n: number): void;
  _lua_rawget(L: number, index: number): void;
  _lua_rawset(L: number, index: number): void;
  _lua_setfield(L: number, index: number, name: number): void;
  _lua_getfield(L: number, index: number, name: number): void;
  _lua_next(L: number, index: number): number;
  _lua_pushcclosure(L: number, fn: number, upvalues: number): void;
  _lua_pcall(L: number, args: number, results: number, handler: number): number;
  _lua_call(L: number, args: number, results: number): void;
  _luaL_loadbuffer(L: number, pointer: number, length: number, name: number): number;
  _lua_sethook(L: number, fn: number, mask: number, count: number): void;
  _lua_error(L: number): number;
  _lua_checkstack(L: number, extra: number): number;
  _lua_gc(L: number, what: number, data: number): number;
}

interface WasmoonLuaApi {
  initialize(): Promise<{ module: LuaWasm }>;
}

let loading: Promise<LuaWasm> | undefined;
let loaded: LuaWasm | undefined;

/** Compiles and instantiates the interpreter once per process (asynchronous: WebAssembly). */
export function loadLuaWasm(): Promise<LuaWasm> {
  loading ??= (async () => {
    // Node's own loader (not a bundler's or a test runner's): the emscripten glue calls import(),
    // which module sandboxes such as Jest's refuse. The package's typings name files it does not
    // ship, hence the local interface.
    const nodeModule = (process as { getBuiltinModule?: (id: string) => typeof import('node:module') }).getBuiltinModule?.('node:module') ?? { createRequire };
    const { LuaApi } = nodeModule.createRequire(__filename)('wasmoon-lua5.1') as { LuaApi: WasmoonLuaApi };
    loaded = (await LuaApi.initialize()).module;
    return loaded;
  })();
  return loading;
}

/** The interpreter when it has loaded, else undefined (see loadLuaWasm). */
export function luaWasmIfLoaded(): LuaWasm | undefined {
  return loaded;
}
