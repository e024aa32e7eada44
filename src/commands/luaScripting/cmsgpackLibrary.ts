import { Buffer } from 'node:buffer';
import { LuaState, LuaType } from './LuaState';

// lua-cmsgpack (`cmsgpack`) as Redis 7.0 loads it: pack(...), unpack, unpack_one, unpack_limit,
// the same bytes (integers in the smallest form, floats as float32 when exact, tables nested past
// 16 levels as nil) and the same errors, checked against redis-server.

const MAX_NESTING = 16;
/** Decoding stops here rather than exhaust the stack on hostile input (lua-cmsgpack has no limit). */
const MAX_DECODE_DEPTH = 1000;

class Writer {
  private readonly chunks: Buffer[] = [];
  byte(b: number): void {
    this.chunks.push(Buffer.from([b & 0xff]));
  }
  bytes(b: Uint8Array): void {
    this.chunks.push(Buffer.from(b));
  }
  sized(tag: number, size: 1 | 2 | 4 | 8, value: number | bigint, float = false): void {
    const b = Buffer.alloc(1 + size);
    b[0] = tag;
    if (float) {
      if (size === 4) b.writeFloatBE(Number(value), 1);
      else b.writeDoubleBE(Number(value), 1);
    } else if (size === 1) b.writeUInt8(Number(value) & 0xff, 1);
    else if (size === 2) b.writeUInt16BE(Number(value) & 0xffff, 1);
    else if (size === 4) b.writeUInt32BE(Number(value) >>> 0, 1);
    else b.writeBigUInt64BE(BigInt.asUintN(64, BigInt(value)), 1);
    this.chunks.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function encodeInteger(w: Writer, n: number): void {
  if (n >= 0) {
    if (n <= 127) w.byte(n);
    else if (n <= 0xff) w.sized(0xcc, 1, n);
    else if (n <= 0xffff) w.sized(0xcd, 2, n);
    else if (n <= 0xffffffff) w.sized(0xce, 4, n);
    else w.sized(0xcf, 8, BigInt(n));
  } else if (n >= -32) w.byte(n);
  else if (n >= -128) w.sized(0xd0, 1, n);
  else if (n >= -32768) w.sized(0xd1, 2, n);
  else if (n >= -2147483648) w.sized(0xd2, 4, n);
  else w.sized(0xd3, 8, BigInt(n));
}

function encodeNumber(w: Writer, n: number): void {
  // (int64_t)n == n, as C on x86-64 computes it (out of range casts give INT64_MIN).
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) encodeInteger(w, n);
  else if (Math.fround(n) === n) w.sized(0xca, 4, n, true);
  else w.sized(0xcb, 8, n, true);
}

function encodeBytes(w: Writer, s: Uint8Array): void {
  const n = s.length;
  if (n < 32) w.byte(0xa0 | n);
  else if (n <= 0xff) w.sized(0xd9, 1, n);
  else if (n <= 0xffff) w.sized(0xda, 2, n);
  else w.sized(0xdb, 4, n);
  w.bytes(s);
}

function header(w: Writer, n: number, fix: number, tag16: number): void {
  if (n <= 15) w.byte(fix | n);
  else if (n <= 0xffff) w.sized(tag16, 2, n);
  else w.sized(tag16 + 1, 4, n);
}

/** The number of entries if the table at the top is an array 1..n, else 0 (and not an array). */
function arrayLength(lua: LuaState, L: number): number | undefined {
  const wasm = lua.wasm;
  let count = 0;
  let max = 0;
  const top = wasm._lua_gettop(L);
  wasm._lua_pushnil(L);
  while (wasm._lua_next(L, -2) !== 0) {
    wasm._lua_settop(L, -2);
    const n = lua.typeAt(-1, L) === LuaType.Number ? wasm._lua_tonumber(L, -1) : NaN;
    // (int)n == n in C: 32-bit.
    if (!(n > 0) || !Number.isInteger(n) || n > 2147483647) {
      wasm._lua_settop(L, top);
      return undefined;
    }
    if (n > max) max = n;
    count++;
  }
  wasm._lua_settop(L, top);
  return max === count ? count : undefined;
}

/** Encodes the value at the top of the stack and pops it. */
function encodeTop(lua: LuaState, L: number, w: Writer, level: number): void {
  const wasm = lua.wasm;
  let t = lua.typeAt(-1, L);
  if (t === LuaType.Table && level === MAX_NESTING) t = LuaType.Nil;
  switch (t) {
    case LuaType.String:
      encodeBytes(w, lua.bytesAt(-1, L));
      break;
    case LuaType.Boolean:
      w.byte(wasm._lua_toboolean(L, -1) !== 0 ? 0xc3 : 0xc2);
      break;
    case LuaType.Number:
      encodeNumber(w, wasm._lua_tonumber(L, -1));
      break;
    case LuaType.Table: {
      wasm._lua_checkstack(L, 3);
      const length = arrayLength(lua, L);
      if (length !== undefined) {
        header(w, length, 0x90, 0xdc);
        for (let j = 1; j <= length; j++) {
          wasm._lua_rawgeti(L, -1, j);
          encodeTop(lua, L, w, level + 1);
        }
      } else {
        let n = 0;
        wasm._lua_pushnil(L);
        while (wasm._lua_next(L, -2) !== 0) {
          wasm._lua_settop(L, -2);
          n++;
        }
        header(w, n, 0x80, 0xde);
        wasm._lua_pushnil(L);
        while (wasm._lua_next(L, -2) !== 0) {
          wasm._lua_pushvalue(L, -2);
          encodeTop(lua, L, w, level + 1);
          encodeTop(lua, L, w, level + 1);
        }
      }
      break;
    }
    default:
      w.byte(0xc0);
  }
  wasm._lua_settop(L, -2);
}

type Decoded = null | boolean | number | Buffer | Decoded[] | { map: Array<[Decoded, Decoded]> };
const EOF = 'Missing bytes in input.';
const BAD = 'Bad data format in input.';

class Reader {
  constructor(readonly data: Buffer, public at: number) {}
  get left(): number {
    return this.data.length - this.at;
  }
  need(n: number): void {
    if (this.left < n) throw EOF;
  }
  value(depth: number): Decoded {
    if (depth > MAX_DECODE_DEPTH) throw BAD;
    this.need(1);
    const d = this.data;
    const tag = d[this.at];
    const take = (n: number) => {
      this.need(1 + n);
      const start = this.at + 1;
      this.at += 1 + n;
      return start;
    };
    switch (tag) {
      case 0xcc: return d.readUInt8(take(1));
      case 0xd0: return d.readInt8(take(1));
      case 0xcd: return d.readUInt16BE(take(2));
      case 0xd1: return d.readInt16BE(take(2));
      case 0xce: return d.readUInt32BE(take(4));
      case 0xd2: return d.readInt32BE(take(4));
      // Redis's build reads uint64 through a signed cast: 0xcf ff…ff is -1.
      case 0xcf: return Number(d.readBigInt64BE(take(8)));
      case 0xd3: return Number(d.readBigInt64BE(take(8)));
      case 0xc0: this.at++; return null;
      case 0xc3: this.at++; return true;
      case 0xc2: this.at++; return false;
      case 0xca: return d.readFloatBE(take(4));
      case 0xcb: return d.readDoubleBE(take(8));
      case 0xd9: return this.raw(d.readUInt8(take(1)));
      case 0xda: return this.raw(d.readUInt16BE(take(2)));
      case 0xdb: return this.raw(d.readUInt32BE(take(4)));
      case 0xdc: return this.array(d.readUInt16BE(take(2)), depth);
      case 0xdd: return this.array(d.readUInt32BE(take(4)), depth);
      case 0xde: return this.map(d.readUInt16BE(take(2)), depth);
      case 0xdf: return this.map(d.readUInt32BE(take(4)), depth);
      default:
        if ((tag & 0x80) === 0) return (this.at++, tag);
        if ((tag & 0xe0) === 0xe0) return (this.at++, tag - 256);
        if ((tag & 0xe0) === 0xa0) return (this.at++, this.raw(tag & 0x1f));
        if ((tag & 0xf0) === 0x90) return (this.at++, this.array(tag & 0x0f, depth));
        if ((tag & 0xf0) === 0x80) return (this.at++, this.map(tag & 0x0f, depth));
        throw BAD;
    }
  }
  private raw(n: number): Buffer {
    this.need(n);
    const b = Buffer.from(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return b;
  }
  private array(n: number, depth: number): Decoded[] {
    const items: Decoded[] = [];
    for (let i = 0; i < n; i++) items.push(this.value(depth + 1));
    return items;
  }
  private map(n: number, depth: number): { map: Array<[Decoded, Decoded]> } {
    const entries: Array<[Decoded, Decoded]> = [];
    for (let i = 0; i < n; i++) entries.push([this.value(depth + 1), this.value(depth + 1)]);
    return { map: entries };
  }
}

function pushDecoded(lua: LuaState, L: number, v: Decoded): void {
  const wasm = lua.wasm;
  wasm._lua_checkstack(L, 3);
  if (v === null) wasm._lua_pushnil(L);
  else if (typeof v === 'boolean') wasm._lua_pushboolean(L, v ? 1 : 0);
  else if (typeof v === 'number') wasm._lua_pushnumber(L, v);
  else if (Buffer.isBuffer(v)) lua.pushBytes(v, L);
  else if (Array.isArray(v)) {
    wasm._lua_createtable(L, v.length, 0);
    for (let i = 0; i < v.length; i++) {
      pushDecoded(lua, L, v[i]);
      wasm._lua_rawseti(L, -2, i + 1);
    }
  } else {
    wasm._lua_createtable(L, 0, v.map.length);
    for (const [k, value] of v.map) {
      pushDecoded(lua, L, k);
      pushDecoded(lua, L, value);
      // As lua_settable: a nil (or NaN) key raises Lua's own error.
      wasm._lua_rawset(L, -3);
    }
  }
}

/** Pushes the `cmsgpack` table; `raise` raises a message at the script's line (luaL_error). */
export function pushCmsgpackLibrary(lua: LuaState, raise: (L: number, message: string) => number): void {
  const wasm = lua.wasm;
  const fn = (name: string, body: (L: number) => number) => {
    lua.pushFunction(body);
    lua.setField(-2, name);
  };
  /** mp_unpack_full: `limit` 0 with `offset` 0 decodes everything and returns no offset. */
  const unpack = (L: number, limit: number, offset: number): number => {
    wasm._luaL_checklstring(L, 1, 0); // raises Lua's own "string expected" when it is not one
    // A view, not a copy (unpack_one in a loop over a large string would copy it each time):
    // strings are copied out as they are read, before anything is pushed.
    const data = lua.viewAt(1, L);
    const all = limit === 0 && offset === 0;
    if (offset < 0 || limit < 0) return raise(L, `Invalid request to unpack with offset of ${offset} and limit of ${data.length}.`);
    if (offset > data.length) return raise(L, `Start offset ${offset} greater than input length ${data.length}.`);
    const reader = new Reader(data, offset);
    const values: Decoded[] = [];
    let failure: string | undefined;
    const max = all ? Infinity : limit;
    while (reader.left > 0 && values.length < max) {
      try {
        values.push(reader.value(0));
      } catch (err) {
        if (err !== EOF && err !== BAD) throw err;
        failure = err;
        break;
      }
    }
    if (failure !== undefined) return raise(L, failure);
    if (wasm._lua_checkstack(L, values.length + 2) === 0) {
      return raise(L, 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)');
    }
    for (const v of values) pushDecoded(lua, L, v);
    if (all) return values.length;
    wasm._lua_pushnumber(L, reader.left === 0 ? -1 : reader.at);
    wasm._lua_insert(L, 2);
    return values.length + 1;
  };
  wasm._lua_createtable(lua.L, 0, 8);
  fn('pack', (L) => {
    const n = wasm._lua_gettop(L);
    if (n === 0) return wasm._luaL_argerror(L, 0, lua.cName('MessagePack pack needs input.'));
    if (wasm._lua_checkstack(L, n) === 0) return wasm._luaL_argerror(L, 0, lua.cName('Too many arguments for MessagePack pack.'));
    const w = new Writer();
    for (let i = 1; i <= n; i++) {
      wasm._lua_pushvalue(L, i);
      encodeTop(lua, L, w, 0);
    }
    lua.pushBytes(w.done(), L);
    return 1;
  });
  fn('unpack', (L) => unpack(L, 0, 0));
  fn('unpack_one', (L) => {
    const offset = wasm._luaL_optinteger(L, 2, 0);
    wasm._lua_settop(L, 1);
    return unpack(L, 1, offset);
  });
  fn('unpack_limit', (L) => {
    const limit = wasm._luaL_checkinteger(L, 2);
    const offset = wasm._luaL_optinteger(L, 3, 0);
    wasm._lua_settop(L, 1);
    return unpack(L, limit, offset);
  });
  lua.pushBytes('cmsgpack');
  lua.setField(-2, '_NAME');
  lua.pushBytes('lua-cmsgpack 0.4.0');
  lua.setField(-2, '_VERSION');
  lua.pushBytes('Copyright (C) 2012, Salvatore Sanfilippo');
  lua.setField(-2, '_COPYRIGHT');
  lua.pushBytes('MessagePack C implementation for Lua');
  lua.setField(-2, '_DESCRIPTION');
}
