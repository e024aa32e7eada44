import { Buffer } from 'node:buffer';
import { LuaState } from './LuaState';

// Roberto Ierusalimschy's struct library (`struct`) as Redis 7.0 ships it for scripts: pack,
// unpack and size over the same format language (<>!, b/B h/H l/L T i/I[n] f d x s c[n]) and the
// same errors, with the sizes of Redis's usual x86-64 build (long and size_t 8 bytes, int 4,
// native order little-endian).

const MAX_INT_SIZE = 32;
const MAX_ALIGN = 8;
const SIZES: Record<string, number> = { b: 1, B: 1, h: 2, H: 2, l: 8, L: 8, T: 8, f: 4, d: 8, x: 1 };
const INTEGER = new Set([...'bBhHlLTiI']);

/** Why a format or argument is refused: `arg` for luaL_argerror, else luaL_error. */
class StructError extends Error {
  constructor(message: string, readonly arg?: number) {
    super(message);
  }
}

class Format {
  private at = 0;
  bigEndian = false;
  align = 1;
  constructor(private readonly text: string) {}
  get done(): boolean {
    return this.at >= this.text.length;
  }
  next(): string {
    return this.text[this.at++];
  }
  number(otherwise: number): number {
    if (!/[0-9]/.test(this.text[this.at] ?? '')) return otherwise;
    let a = 0;
    while (/[0-9]/.test(this.text[this.at] ?? '')) {
      const d = this.text.charCodeAt(this.at) - 48;
      if (a > Math.floor(2147483647 / 10) || a * 10 > 2147483647 - d) throw new StructError('integral size overflow');
      a = a * 10 + d;
      this.at++;
    }
    return a;
  }
  size(opt: string): number {
    if (opt in SIZES) return SIZES[opt];
    if (opt === 'c') return this.number(1);
    if (opt === 'i' || opt === 'I') {
      const size = this.number(4);
      if (size > MAX_INT_SIZE) throw new StructError(`integral size ${size} is larger than limit of ${MAX_INT_SIZE}`);
      return size;
    }
    return 0;
  }
  toAlign(length: number, opt: string, size: number): number {
    if (size === 0 || opt === 'c') return 0;
    const s = Math.min(size, this.align);
    return (s - (length & (s - 1))) & (s - 1);
  }
  control(opt: string): void {
    if (opt === ' ') return;
    if (opt === '>') this.bigEndian = true;
    else if (opt === '<') this.bigEndian = false;
    else if (opt === '!') {
      const a = this.number(MAX_ALIGN);
      if (!(a > 0 && (a & (a - 1)) === 0)) throw new StructError(`alignment ${a} is not a power of 2`);
      this.align = a;
    } else throw new StructError(`invalid format option '${opt}'`, 1);
  }
}

/** A Lua number as C's (unsigned long long) cast makes it (negative ones through long long). */
function toUint64(n: number): bigint {
  if (!Number.isFinite(n) || Math.abs(n) >= 2 ** 64) return 1n << 63n;
  return BigInt.asUintN(64, BigInt(Math.trunc(n)));
}

function putInteger(n: number, size: number, big: boolean): Buffer {
  let value = toUint64(n);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    out[big ? size - 1 - i : i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

function getInteger(data: Buffer, pos: number, size: number, big: boolean, signed: boolean): number {
  let l = 0n;
  for (let k = 0; k < size; k++) l = ((l << 8n) | BigInt(data[big ? pos + k : pos + size - 1 - k])) & ((1n << 64n) - 1n);
  if (!signed) return Number(l);
  const bits = size * 8;
  if (bits >= 64) return Number(BigInt.asIntN(64, l));
  return l & (1n << BigInt(bits - 1)) ? Number(l - (1n << BigInt(bits))) : Number(l);
}

/** Pushes the `struct` table onto `lua`'s stack; `raise` raises a message at the script's line (luaL_error). */
export function pushStructLibrary(lua: LuaState, raise: (L: number, message: string) => number): void {
  const wasm = lua.wasm;
  const formatAt = (L: number): string => {
    wasm._luaL_checklstring(L, 1, 0);
    const text = lua.bytesAt(1, L).toString('latin1');
    const nul = text.indexOf('\0');
    return nul < 0 ? text : text.slice(0, nul);
  };
  /** Runs `body`, turning its StructError into Lua's own error; no Lua error may unwind through it. */
  const guarded = (L: number, body: () => number): number => {
    let failure: StructError | undefined;
    let results = 0;
    try {
      results = body();
    } catch (err) {
      if (!(err instanceof StructError)) throw err; // a Lua error unwinding (emscripten's longjmp) goes on
      failure = err;
    }
    if (failure === undefined) return results;
    if (failure.arg !== undefined) return wasm._luaL_argerror(L, failure.arg, lua.cName(failure.message));
    return raise(L, failure.message);
  };
  // Lua's own checks and messages (their error unwinds through `guarded`, which rethrows it).
  const number = (L: number, arg: number): number => wasm._luaL_checknumber(L, arg);
  const bytes = (L: number, arg: number): Buffer => {
    wasm._luaL_checklstring(L, arg, 0);
    return lua.bytesAt(arg, L);
  };

  wasm._lua_createtable(lua.L, 0, 3);
  lua.pushFunction((L) => {
    const text = formatAt(L);
    // As the C library's mark between the arguments and its buffer: a missing argument is then "got nil".
    wasm._lua_pushnil(L);
    let out: Buffer | undefined;
    const results = guarded(L, () => {
      const fmt = new Format(text);
      const parts: Buffer[] = [];
      let total = 0;
      let arg = 2;
      while (!fmt.done) {
        const opt = fmt.next();
        let size = fmt.size(opt);
        const pad = fmt.toAlign(total, opt, size);
        total += pad;
        if (pad > 0) parts.push(Buffer.alloc(pad));
        if (INTEGER.has(opt)) parts.push(putInteger(number(L, arg++), size, fmt.bigEndian));
        else if (opt === 'x') parts.push(Buffer.alloc(1));
        else if (opt === 'f' || opt === 'd') {
          const b = Buffer.alloc(size);
          const v = number(L, arg++);
          if (opt === 'f') (fmt.bigEndian ? b.writeFloatBE(v) : b.writeFloatLE(v));
          else (fmt.bigEndian ? b.writeDoubleBE(v) : b.writeDoubleLE(v));
          parts.push(b);
        } else if (opt === 'c' || opt === 's') {
          const s = bytes(L, arg++);
          if (size === 0) size = s.length;
          if (s.length < size) throw new StructError('string too short', arg);
          parts.push(s.subarray(0, size));
          if (opt === 's') {
            parts.push(Buffer.alloc(1));
            size++;
          }
        } else fmt.control(opt);
        total += size;
      }
      out = Buffer.concat(parts);
      return 1;
    });
    if (out !== undefined) lua.pushBytes(out, L);
    return results;
  });
  lua.setField(-2, 'pack');

  lua.pushFunction((L) => {
    const text = formatAt(L);
    wasm._luaL_checklstring(L, 2, 0);
    // A view, not a copy (a loop of unpacks over a large string would copy it each time): what is
    // kept from it is copied before anything is pushed.
    const data = lua.viewAt(2, L);
    const offset = wasm._luaL_optinteger(L, 3, 1);
    if (offset <= 0) return wasm._luaL_argerror(L, 3, lua.cName('offset must be 1 or greater'));
    let pos = offset - 1;
    const values: Array<number | Buffer> = [];
    const results = guarded(L, () => {
      const fmt = new Format(text);
      while (!fmt.done) {
        const opt = fmt.next();
        let size = fmt.size(opt);
        pos += fmt.toAlign(pos, opt, size);
        if (pos + size > data.length) throw new StructError('data string too short', 2);
        if (INTEGER.has(opt)) values.push(getInteger(data, pos, size, fmt.bigEndian, opt === opt.toLowerCase()));
        else if (opt === 'f') values.push(fmt.bigEndian ? data.readFloatBE(pos) : data.readFloatLE(pos));
        else if (opt === 'd') values.push(fmt.bigEndian ? data.readDoubleBE(pos) : data.readDoubleLE(pos));
        else if (opt === 'c') {
          if (size === 0) {
            const previous = values.pop();
            if (typeof previous !== 'number') throw new StructError("format 'c0' needs a previous size");
            size = Math.trunc(previous);
            if (!(size <= data.length && pos <= data.length - size)) throw new StructError('data string too short', 2);
          }
          values.push(Buffer.from(data.subarray(pos, pos + size)));
        } else if (opt === 's') {
          const end = data.indexOf(0, pos);
          if (end < 0) throw new StructError('unfinished string in data');
          size = end - pos + 1;
          values.push(Buffer.from(data.subarray(pos, end)));
        } else if (opt !== 'x') fmt.control(opt);
        pos += size;
      }
      return values.length + 1;
    });
    if (wasm._lua_checkstack(L, values.length + 1) === 0) return raise(L, 'stack overflow (too many results)');
    for (const v of values) {
      if (typeof v === 'number') wasm._lua_pushnumber(L, v);
      else lua.pushBytes(v, L);
    }
    wasm._lua_pushnumber(L, pos + 1);
    return results;
  });
  lua.setField(-2, 'unpack');

  lua.pushFunction((L) => {
    const text = formatAt(L);
    let total = 0;
    const results = guarded(L, () => {
      const fmt = new Format(text);
      while (!fmt.done) {
        const opt = fmt.next();
        const size = fmt.size(opt);
        total += fmt.toAlign(total, opt, size);
        if (opt === 's') throw new StructError("option 's' has no fixed size", 1);
        if (opt === 'c' && size === 0) throw new StructError("option 'c0' has no fixed size", 1);
        if (!/[0-9A-Za-z]/.test(opt)) fmt.control(opt);
        total += size;
      }
      return 1;
    });
    wasm._lua_pushnumber(L, total);
    return results;
  });
  lua.setField(-2, 'size');
}
