import { Buffer } from 'node:buffer';
import type { LuaWasm } from './luaWasm';

// One Lua interpreter state and the few stack operations the scripting layer needs, all
// byte-exact: a Lua string goes in and comes out as the bytes it holds.

export const LUA_REGISTRYINDEX = -10000;
export const LUA_GLOBALSINDEX = -10002;
export const LUA_MULTRET = -1;
const LUA_MASKCOUNT = 8;
const LUA_GCCOLLECT = 2;

export const enum LuaType { None = -1, Nil = 0, Boolean = 1, LightUserdata = 2, Number = 3, String = 4, Table = 5, Function = 6, Userdata = 7, Thread = 8 }

/**
 * Rethrows a Lua error unwinding through JS: emscripten's longjmp throws Infinity, and a JS catch
 * that kept it would leave the interpreter's error chain broken. Every catch in a function Lua
 * calls starts with this.
 */
export function rethrowLuaUnwind(err: unknown): void {
  if (err === Infinity || isWasmTrap(err)) throw err;
}

/**
 * A trap of the wasm code itself (out-of-bounds access, unreachable): it can stop half-way
 * through a change to the interpreter's heap, so it must never become an error a script's pcall
 * catches; it goes on up, and the state is replaced (LuaScripting.guarded).
 */
function isWasmTrap(err: unknown): boolean {
  return err instanceof Error && err.constructor.name === 'RuntimeError';
}

/** A JS function Lua can call: it reads its arguments from the stack of `L` and returns how many results it pushed. */
export type LuaFunction = (L: number) => number;

export class LuaState {
  readonly L: number;
  /** Scratch memory in the wasm heap for strings on their way in (Lua copies them). */
  private scratch = 0;
  private scratchSize = 0;
  private readonly lengthCell: number;
  /** Field names as C strings, made once. */
  private readonly names = new Map<string, number>();
  /** Function-table slots this state registered (the table is the process's). */
  private readonly functions: number[] = [];

  constructor(readonly wasm: LuaWasm) {
    this.L = wasm._luaL_newstate();
    if (this.L === 0) throw new Error('the Lua interpreter could not allocate a state');
    this.lengthCell = wasm._malloc(4);
  }

  close(): void {
    this.wasm._lua_close(this.L);
    this.wasm._free(this.lengthCell);
    if (this.scratch !== 0) this.wasm._free(this.scratch);
    for (const p of this.names.values()) this.wasm._free(p);
    for (const f of this.functions) this.wasm.removeFunction(f);
  }

  /** `bytes` copied into the wasm heap (valid until the next call that uses the scratch). */
  private stage(bytes: Uint8Array): number {
    if (bytes.length > this.scratchSize) {
      if (this.scratch !== 0) this.wasm._free(this.scratch);
      this.scratchSize = Math.max(bytes.length, 2 * this.scratchSize, 256);
      this.scratch = this.wasm._malloc(this.scratchSize);
      if (this.scratch === 0) {
        // Garbage a failed script left may be what fills the heap: collect, then try once more.
        this.collectGarbage();
        this.scratchSize = bytes.length;
        this.scratch = this.wasm._malloc(this.scratchSize);
      }
      if (this.scratch === 0) {
        this.scratchSize = 0;
        throw new Error('the Lua interpreter is out of memory');
      }
    }
    this.wasm.HEAPU8.set(bytes, this.scratch);
    return this.scratch;
  }

  /** Gives back a scratch area a large string grew (a script's tensor BLOB), keeping small ones for reuse. */
  releaseLargeScratch(): void {
    if (this.scratchSize <= 1 << 20) return;
    this.wasm._free(this.scratch);
    this.scratch = 0;
    this.scratchSize = 0;
  }

  cName(name: string): number {
    let p = this.names.get(name);
    if (p === undefined) {
      const bytes = Buffer.from(`${name}\0`, 'latin1');
      p = this.wasm._malloc(bytes.length);
      this.wasm.HEAPU8.set(bytes, p);
      this.names.set(name, p);
    }
    return p;
  }

  pushBytes(bytes: Uint8Array | string, L = this.L): void {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    this.wasm._lua_pushlstring(L, this.stage(b), b.length);
  }

  /** The string (or number, converted in place as Lua does) at `index`, as bytes. */
  bytesAt(index: number, L = this.L): Buffer {
    const p = this.wasm._lua_tolstring(L, index, this.lengthCell);
    if (p === 0) return Buffer.alloc(0);
    const length = this.wasm.HEAP32[this.lengthCell >> 2];
    return Buffer.from(this.wasm.HEAPU8.subarray(p, p + length));
  }

  /**
   * The bytes of the string at `index` without copying them: valid only until the next call that
   * may allocate in the wasm heap (a push, a table), so a caller copies what it keeps first.
   */
  viewAt(index: number, L = this.L): Buffer {
    const p = this.wasm._lua_tolstring(L, index, this.lengthCell);
    if (p === 0) return Buffer.alloc(0);
    const length = this.wasm.HEAP32[this.lengthCell >> 2];
    return Buffer.from(this.wasm.HEAPU8.buffer, this.wasm.HEAPU8.byteOffset + p, length);
  }

  typeAt(index: number, L = this.L): LuaType {
    return this.wasm._lua_type(L, index);
  }

  /** Sets field `name` of the table at `index` to the value on top (popped). */
  setField(index: number, name: string, L = this.L): void {
    this.wasm._lua_setfield(L, index, this.cName(name));
  }

  getField(index: number, name: string, L = this.L): void {
    this.wasm._lua_getfield(L, index, this.cName(name));
  }

  /**
   * Pushes `fn` as a Lua C function. A JS exception must never cross Lua's frames (it would skip
   * Lua's own unwinding and leave the state's call depth wrong): anything `fn` throws that is not
   * Lua's own unwinding becomes a Lua error.
   */
  pushFunction(fn: LuaFunction): void {
    const wasm = this.wasm;
    const guarded = (L: number): number => {
      let failure: string;
      try {
        return fn(L);
      } catch (err) {
        rethrowLuaUnwind(err);
        failure = err instanceof Error ? err.message.split('\n')[0] : String(err);
      }
      // Outside the catch block's try: lua_error unwinds (throws) from here.
      wasm._lua_settop(L, 0);
      wasm._lua_createtable(L, 0, 1);
      this.pushBytes(`ERR ${failure}`, L);
      this.setField(-2, 'err', L);
      return wasm._lua_error(L);
    };
    const pointer = wasm.addFunction(guarded, 'ii');
    this.functions.push(pointer);
    this.wasm._lua_pushcclosure(this.L, pointer, 0);
  }

  /** Compiles `source` as a chunk named `chunkName`; pushes the function, or the error message (non-zero status). */
  load(source: Uint8Array, chunkName: string): number {
    return this.loadNamed(this.L, source, this.cName(chunkName));
  }

  /**
   * load() on `L` with the chunk's name already a C string (`namePointer`). Precompiled bytecode is refused: Lua 5.1 does not verify it, and a
   * crafted chunk reads and writes outside the VM (the CVE-2015-4335 class). Compiled as text,
   * its ESC byte is the syntax error Redis gives.
   */
  loadNamed(L: number, source: Uint8Array, namePointer: number): number {
    if (source[0] === 0x1b) {
      // Lua itself names the chunk in the message: a one-byte stand-in with the same name fails
      // the same way, then the byte's name is put right.
      const status = this.wasm._luaL_loadbuffer(L, this.stage(Uint8Array.of(0x01)), 1, namePointer);
      if (status !== 0) this.pushBytes(this.bytesAt(-1, L).toString('latin1').replace("'char(1)'", "'char(27)'"), L);
      this.wasm._lua_replace(L, -2);
      return 3; // LUA_ERRSYNTAX
    }
    return this.wasm._luaL_loadbuffer(L, this.stage(source), source.length, namePointer);
  }

  /** A C string in the wasm heap for the string at `index` (Lua keeps its strings NUL-terminated). */
  cStringAt(index: number, L = this.L): number {
    return this.wasm._lua_tolstring(L, index, 0);
  }

  /** Calls `hook` every `instructions` Lua instructions (0 stops it). */
  setCountHook(hook: number, instructions: number): void {
    this.wasm._lua_sethook(this.L, hook, instructions > 0 ? LUA_MASKCOUNT : 0, instructions);
  }

  registerHook(fn: (L: number) => void): number {
    const pointer = this.wasm.addFunction((L: number) => fn(L), 'vii');
    this.functions.push(pointer);
    return pointer;
  }

  /** The bytes Lua's allocator holds for this state (LUA_GCCOUNT in KiB, plus LUA_GCCOUNTB). */
  heapBytes(): number {
    return this.wasm._lua_gc(this.L, 3, 0) * 1024 + this.wasm._lua_gc(this.L, 4, 0);
  }

  collectGarbage(): void {
    this.wasm._lua_gc(this.L, LUA_GCCOLLECT, 0);
  }
}
