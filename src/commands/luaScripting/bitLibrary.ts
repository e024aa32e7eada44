import { LuaState, LuaType } from './LuaState';

// LuaBitOp 1.0 (`bit`), the bitwise library Redis loads for scripts: 32-bit operations on Lua
// numbers, results signed. Arguments are normalised as LuaBitOp does: the number plus 2^52 + 2^51,
// low 32 bits (round half to even, modulo 2^32); non-numbers raise Lua's own argument error.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function bitsOf(lua: LuaState, L: number, arg: number): number {
  f64[0] = lua.wasm._luaL_checknumber(L, arg) + 6755399441055744.0;
  return u32[0] >>> 0;
}

function pushBits(lua: LuaState, L: number, bits: number): number {
  lua.wasm._lua_pushnumber(L, bits | 0);
  return 1;
}

/** Pushes the `bit` table onto `lua`'s stack. */
export function pushBitLibrary(lua: LuaState): void {
  const wasm = lua.wasm;
  wasm._lua_createtable(lua.L, 0, 12);
  const fn = (name: string, body: (L: number) => number) => {
    lua.pushFunction(body);
    lua.setField(-2, name);
  };
  const fold = (name: string, op: (a: number, b: number) => number) => fn(name, (L) => {
    let b = bitsOf(lua, L, 1);
    for (let i = wasm._lua_gettop(L); i > 1; i--) b = op(b, bitsOf(lua, L, i));
    return pushBits(lua, L, b);
  });
  const shift = (name: string, op: (b: number, n: number) => number) => fn(name, (L) => {
    const b = bitsOf(lua, L, 1);
    return pushBits(lua, L, op(b, bitsOf(lua, L, 2) & 31));
  });
  fn('tobit', (L) => pushBits(lua, L, bitsOf(lua, L, 1)));
  fn('bnot', (L) => pushBits(lua, L, ~bitsOf(lua, L, 1)));
  fold('band', (a, b) => a & b);
  fold('bor', (a, b) => a | b);
  fold('bxor', (a, b) => a ^ b);
  shift('lshift', (b, n) => b << n);
  shift('rshift', (b, n) => b >>> n);
  shift('arshift', (b, n) => (b | 0) >> n);
  shift('rol', (b, n) => (b << n) | (b >>> (32 - n)));
  shift('ror', (b, n) => (b >>> n) | (b << (32 - n)));
  fn('bswap', (L) => {
    const b = bitsOf(lua, L, 1);
    return pushBits(lua, L, ((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)));
  });
  fn('tohex', (L) => {
    let b = bitsOf(lua, L, 1);
    let n = lua.typeAt(2, L) === LuaType.None ? 8 : bitsOf(lua, L, 2) | 0;
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    const out: string[] = new Array(n);
    for (let i = n; --i >= 0;) {
      out[i] = digits[b & 15];
      b >>>= 4;
    }
    lua.pushBytes(out.join(''), L);
    return 1;
  });
}
