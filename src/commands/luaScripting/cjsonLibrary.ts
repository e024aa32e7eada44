import { Buffer } from 'node:buffer';
import { formatG } from './formatG';
import { LuaState, LuaType, rethrowLuaUnwind } from './LuaState';

// lua-cjson 2.1 (`cjson`) as Redis configures it for scripts: encode and decode, the same output
// byte for byte (numbers as %.14g, "/" escaped, sparse-array and nesting limits) and the same
// error texts ("Expected value but found T_END at character 1"), checked against redis-server.
// JSON null is cjson.null, a light userdata NULL.

const ENCODE_MAX_DEPTH = 1000;
const DECODE_MAX_DEPTH = 1000;
const SPARSE_RATIO = 2;
const SPARSE_SAFE = 10;
const PRECISION = 14;

/** An error to raise as luaL_error does: the script's position, then the text. */
class CjsonError extends Error {}

const ESCAPES: Array<string | undefined> = new Array(256).fill(undefined);
for (let c = 0; c < 0x20; c++) ESCAPES[c] = `\\u${c.toString(16).padStart(4, '0')}`;
Object.assign(ESCAPES, { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 47: '\\/', 92: '\\\\', 127: '\\u007f' });

function typeName(t: LuaType): string {
  return ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][t] ?? 'no value';
}

/** Encodes the value at the top of `L`'s stack into `out` (bytes as latin1 characters). */
function encodeValue(lua: LuaState, L: number, depth: number, out: string[]): void {
  const wasm = lua.wasm;
  const t = lua.typeAt(-1, L);
  switch (t) {
    case LuaType.String:
      out.push(quote(lua.bytesAt(-1, L)));
      return;
    case LuaType.Number:
      out.push(encodeNumber(wasm._lua_tonumber(L, -1)));
      return;
    case LuaType.Boolean:
      out.push(wasm._lua_toboolean(L, -1) !== 0 ? 'true' : 'false');
      return;
    case LuaType.Nil:
      out.push('null');
      return;
    case LuaType.LightUserdata:
      if (wasm._lua_touserdata(L, -1) === 0) {
        out.push('null');
        return;
      }
      break;
    case LuaType.Table: {
      depth++;
      if (depth > ENCODE_MAX_DEPTH || wasm._lua_checkstack(L, 3) === 0) throw new CjsonError(`Cannot serialise, excessive nesting (${depth})`);
      const length = arrayLength(lua, L);
      if (length > 0) {
        out.push('[');
        for (let i = 1; i <= length; i++) {
          if (i > 1) out.push(',');
          wasm._lua_rawgeti(L, -1, i);
          encodeValue(lua, L, depth, out);
          wasm._lua_settop(L, -2);
        }
        out.push(']');
        return;
      }
      out.push('{');
      wasm._lua_pushnil(L);
      let comma = false;
      while (wasm._lua_next(L, -2) !== 0) {
        if (comma) out.push(',');
        comma = true;
        const keyType = lua.typeAt(-2, L);
        if (keyType === LuaType.Number) out.push(`"${encodeNumber(wasm._lua_tonumber(L, -2))}":`);
        // A copy of the key: lua_tolstring on the key itself would confuse lua_next.
        else if (keyType === LuaType.String) out.push(`${quote(keyBytes(lua, L))}:`);
        else throw new CjsonError(`Cannot serialise ${typeName(keyType)}: table key must be a number or string`);
        encodeValue(lua, L, depth, out);
        wasm._lua_settop(L, -2);
      }
      out.push('}');
      return;
    }
    default:
      break;
  }
  throw new CjsonError(`Cannot serialise ${typeName(t)}: type not supported`);
}

function keyBytes(lua: LuaState, L: number): Buffer {
  lua.wasm._lua_pushvalue(L, -2);
  const bytes = lua.bytesAt(-1, L);
  lua.wasm._lua_settop(L, -2);
  return bytes;
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new CjsonError('Cannot serialise number: must not be NaN or Inf');
  return formatG(n, PRECISION);
}

function quote(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) s += ESCAPES[b] ?? String.fromCharCode(b);
  return `${s}"`;
}

/** The table's array length if every key is an integer ≥ 1 and it is not too sparse; -1 otherwise. */
function arrayLength(lua: LuaState, L: number): number {
  const wasm = lua.wasm;
  let max = 0;
  let items = 0;
  wasm._lua_pushnil(L);
  while (wasm._lua_next(L, -2) !== 0) {
    const k = lua.typeAt(-2, L) === LuaType.Number ? wasm._lua_tonumber(L, -2) : 0;
    if (k !== 0 && Math.floor(k) === k && k >= 1) {
      if (k > max) max = k;
      items++;
      wasm._lua_settop(L, -2);
      continue;
    }
    wasm._lua_settop(L, -3);
    return -1;
  }
  if (max > items * SPARSE_RATIO && max > SPARSE_SAFE) throw new CjsonError('Cannot serialise table: excessively sparse array');
  return max;
}

// ---- decode ----

type Token =
  | { type: 'T_OBJ_BEGIN' | 'T_OBJ_END' | 'T_ARR_BEGIN' | 'T_ARR_END' | 'T_COLON' | 'T_COMMA' | 'T_END' | 'T_NULL'; index: number }
  | { type: 'T_STRING'; index: number; value: Buffer }
  | { type: 'T_NUMBER'; index: number; value: number }
  | { type: 'T_BOOLEAN'; index: number; value: boolean }
  | { type: 'T_ERROR'; index: number; value: string };

const SINGLE: Record<number, Token['type']> = { 0x7b: 'T_OBJ_BEGIN', 0x7d: 'T_OBJ_END', 0x5b: 'T_ARR_BEGIN', 0x5d: 'T_ARR_END', 0x3a: 'T_COLON', 0x2c: 'T_COMMA' };
const UNKNOWN_START = new Set([...'fiIntN"+-0123456789'].map((c) => c.charCodeAt(0)));
const UNESCAPE: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x74: 9, 0x6e: 10, 0x66: 12, 0x72: 13 };
/** Bytes that can be part of what strtod reads: digits, letters (hex, inf, nan), . + - ( ) _. */
const NUMBER_BYTE = new Uint8Array(256);
for (const c of '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-()_') NUMBER_BYTE[c.charCodeAt(0)] = 1;
/** strtod's syntax: sign, then inf/nan, hex (with p exponent) or decimal (with e exponent). */
const STRTOD = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9a-z_]*\))?|0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)/i;

class Decoder {
  private at = 0;
  private depth = 0;

  constructor(private readonly data: Buffer, private readonly lua: LuaState, private readonly L: number) {}

  /** The byte at `i`; the text ends at its first NUL, as lua-cjson's C string does. */
  private byte(i: number): number {
    return i < this.data.length ? this.data[i] : 0;
  }

  private startsWith(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.byte(this.at + i) !== word.charCodeAt(i)) return false;
    return true;
  }

  next(): Token {
    while ([0x20, 0x09, 0x0a, 0x0d].includes(this.byte(this.at))) this.at++;
    const index = this.at;
    const c = this.byte(index);
    if (c === 0) return { type: 'T_END', index };
    const single = SINGLE[c];
    if (single !== undefined) {
      this.at++;
      return { type: single, index } as Token;
    }
    if (!UNKNOWN_START.has(c)) return { type: 'T_ERROR', index, value: 'invalid token' };
    if (c === 0x22) return this.string(index);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(index);
    if (this.startsWith('true')) {
      this.at += 4;
      return { type: 'T_BOOLEAN', index, value: true };
    }
    if (this.startsWith('false')) {
      this.at += 5;
      return { type: 'T_BOOLEAN', index, value: false };
    }
    if (this.startsWith('null')) {
      this.at += 4;
      return { type: 'T_NULL', index };
    }
    // Redis keeps decode_invalid_numbers on: +1, inf and nan are read as strtod reads them.
    const rest = this.data.subarray(index, index + 4).toString('latin1').toLowerCase();
    if (c === 0x2b || rest.startsWith('inf') || rest.startsWith('nan')) return this.number(index);
    return { type: 'T_ERROR', index, value: 'invalid token' };
  }

  private number(index: number): Token {
    // Only the run of bytes a number can be made of goes to the pattern (the rest of the input
    // each time made decoding an array of numbers quadratic).
    let end = index;
    while (end < this.data.length && NUMBER_BYTE[this.data[end]] === 1) end++;
    const text = this.data.subarray(index, end).toString('latin1');
    const match = STRTOD.exec(text);
    if (match === null) return { type: 'T_ERROR', index: this.at, value: 'invalid number' };
    this.at += match[0].length;
    return { type: 'T_NUMBER', index, value: strtod(match[0]) };
  }

  private string(index: number): Token {
    this.at++;
    const bytes: number[] = [];
    for (;;) {
      const c = this.byte(this.at);
      if (c === 0x22) break;
      if (c === 0) return { type: 'T_ERROR', index: this.at, value: 'unexpected end of string' };
      if (c === 0x5c) {
        const e = this.byte(this.at + 1);
        if (e === 0x75) {
          if (!this.unicodeEscape(bytes)) return { type: 'T_ERROR', index: this.at, value: 'invalid unicode escape code' };
          continue;
        }
        const plain = UNESCAPE[e];
        if (plain === undefined) return { type: 'T_ERROR', index: this.at, value: 'invalid escape code' };
        bytes.push(plain);
        this.at += 2;
        continue;
      }
      bytes.push(c);
      this.at++;
    }
    this.at++;
    return { type: 'T_STRING', index, value: Buffer.from(bytes) };
  }

  private hex4(i: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const d = Number.parseInt(String.fromCharCode(this.byte(i + k)), 16);
      if (Number.isNaN(d)) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  /** \uXXXX (and a surrogate pair) at `at` as UTF-8 into `bytes`; false when malformed. */
  private unicodeEscape(bytes: number[]): boolean {
    let code = this.hex4(this.at + 2);
    if (code < 0) return false;
    let length = 6;
    if ((code & 0xf800) === 0xd800) {
      if (code & 0x400) return false;
      if (this.byte(this.at + 6) !== 0x5c || this.byte(this.at + 7) !== 0x75) return false;
      const low = this.hex4(this.at + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return false;
      code = (((code & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      length = 12;
    }
    bytes.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    this.at += length;
    return true;
  }

  fail(expected: string, token: Token): never {
    const found = token.type === 'T_ERROR' ? token.value : token.type;
    throw new CjsonError(`Expected ${expected} but found ${found} at character ${token.index + 1}`);
  }

  private descend(slots: number): void {
    this.depth++;
    if (this.depth > DECODE_MAX_DEPTH || this.lua.wasm._lua_checkstack(this.L, slots) === 0) {
      throw new CjsonError(`Found too many nested data structures (${this.depth}) at character ${this.at}`);
    }
  }

  /** Pushes the value `token` starts. */
  value(token: Token): void {
    const { lua, L } = this;
    const wasm = lua.wasm;
    switch (token.type) {
      case 'T_STRING':
        lua.pushBytes(token.value, L);
        return;
      case 'T_NUMBER':
        wasm._lua_pushnumber(L, token.value);
        return;
      case 'T_BOOLEAN':
        wasm._lua_pushboolean(L, token.value ? 1 : 0);
        return;
      case 'T_NULL':
        wasm._lua_pushlightuserdata(L, 0);
        return;
      case 'T_OBJ_BEGIN':
        this.object();
        return;
      case 'T_ARR_BEGIN':
        this.array();
        return;
      default:
        this.fail('value', token);
    }
  }

  private object(): void {
    const wasm = this.lua.wasm;
    this.descend(3);
    wasm._lua_createtable(this.L, 0, 0);
    let token = this.next();
    if (token.type === 'T_OBJ_END') {
      this.depth--;
      return;
    }
    for (;;) {
      if (token.type !== 'T_STRING') this.fail('object key string', token);
      this.lua.pushBytes(token.value, this.L);
      token = this.next();
      if (token.type !== 'T_COLON') this.fail('colon', token);
      this.value(this.next());
      wasm._lua_rawset(this.L, -3);
      token = this.next();
      if (token.type === 'T_OBJ_END') {
        this.depth--;
        return;
      }
      if (token.type !== 'T_COMMA') this.fail('comma or object end', token);
      token = this.next();
    }
  }

  private array(): void {
    const wasm = this.lua.wasm;
    this.descend(2);
    wasm._lua_createtable(this.L, 0, 0);
    let token = this.next();
    if (token.type === 'T_ARR_END') {
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value(token);
      wasm._lua_rawseti(this.L, -2, i);
      token = this.next();
      if (token.type === 'T_ARR_END') {
        this.depth--;
        return;
      }
      if (token.type !== 'T_COMMA') this.fail('comma or array end', token);
      token = this.next();
    }
  }
}

function strtod(text: string): number {
  const t = text.toLowerCase();
  const negative = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  let v: number;
  if (body.startsWith('inf')) v = Infinity;
  else if (body.startsWith('nan')) v = NaN;
  else if (body.startsWith('0x')) {
    const [, digits, exp] = /^0x([0-9a-f.]*)(?:p([+-]?[0-9]+))?$/.exec(body) ?? [];
    const [whole, fraction = ''] = (digits ?? '').split('.');
    v = (Number.parseInt(whole || '0', 16) + (fraction === '' ? 0 : Number.parseInt(fraction, 16) / 16 ** fraction.length)) * 2 ** Number(exp ?? 0);
  } else v = Number(body);
  return negative ? -v : v;
}

/** Pushes the `cjson` table onto `lua`'s stack; `raise` raises a message at the script's line. */
export function pushCjsonLibrary(lua: LuaState, raise: (L: number, message: string) => number): void {
  const wasm = lua.wasm;
  wasm._lua_createtable(lua.L, 0, 4);
  lua.pushFunction((L) => {
    if (wasm._lua_gettop(L) !== 1) return wasm._luaL_argerror(L, 1, lua.cName('expected 1 argument'));
    let failure: string | undefined;
    let json = '';
    try {
      const out: string[] = [];
      encodeValue(lua, L, 0, out);
      json = out.join('');
    } catch (err) {
      rethrowLuaUnwind(err);
      failure = err instanceof CjsonError ? err.message : `cjson: ${String(err)}`;
    }
    if (failure !== undefined) return raise(L, failure);
    lua.pushBytes(Buffer.from(json, 'latin1'), L);
    return 1;
  });
  lua.setField(-2, 'encode');
  lua.pushFunction((L) => {
    if (wasm._lua_gettop(L) !== 1) return wasm._luaL_argerror(L, 1, lua.cName('expected 1 argument'));
    const t = lua.typeAt(1, L);
    if (t !== LuaType.String && t !== LuaType.Number) {
      return wasm._luaL_argerror(L, 1, lua.cName(`string expected, got ${typeName(t)}`));
    }
    const data = lua.bytesAt(1, L);
    if (data.length >= 2 && (data[0] === 0 || data[1] === 0)) return raise(L, 'JSON parser does not support UTF-16 or UTF-32');
    let failure: string | undefined;
    try {
      const decoder = new Decoder(data, lua, L);
      decoder.value(decoder.next());
      const end = decoder.next();
      if (end.type !== 'T_END') decoder.fail('the end', end);
    } catch (err) {
      rethrowLuaUnwind(err);
      failure = err instanceof CjsonError ? err.message : `cjson: ${String(err)}`;
    }
    if (failure !== undefined) {
      wasm._lua_settop(L, 1);
      return raise(L, failure);
    }
    return 1;
  });
  lua.setField(-2, 'decode');
  wasm._lua_pushlightuserdata(lua.L, 0);
  lua.setField(-2, 'null');
  lua.pushBytes('cjson');
  lua.setField(-2, '_NAME');
  lua.pushBytes('2.1.0');
  lua.setField(-2, '_VERSION');
}
