// The two compact encodings Redis keeps small lists and hashes in, and saves as one string in
// DUMP payloads: the ziplist (Redis ≤ 6.2) and the listpack (Redis 7). Both yield their entries
// as byte strings; integers are given as their decimal text, as Redis's own readers do.
import { Buffer } from 'node:buffer';
import { DumpFormatError } from './RdbReader';

function fail(what: string, at: number): never {
  throw new DumpFormatError(`damaged ${what} at byte ${at}`);
}

/** The entries of a ziplist. */
export function ziplistEntries(zl: Buffer): Buffer[] {
  if (zl.length < 11 || zl.readUInt32LE(0) !== zl.length) fail('ziplist header', 0);
  const count = zl.readUInt16LE(8);
  const out: Buffer[] = [];
  let at = 10;
  const need = (n: number) => {
    if (at + n > zl.length - 1) fail('ziplist entry', at);
  };
  while (zl[at] !== 0xff) {
    need(1);
    at += zl[at] === 0xfe ? 5 : 1; // previous entry's length: 1 byte, or 0xfe and 4 bytes
    need(1);
    const encoding = zl[at];
    const top = encoding >> 6;
    if (top === 0) {
      need(1 + (encoding & 0x3f));
      out.push(zl.subarray(at + 1, at + 1 + (encoding & 0x3f)));
      at += 1 + (encoding & 0x3f);
    } else if (top === 1) {
      need(2);
      const n = ((encoding & 0x3f) << 8) | zl[at + 1];
      need(2 + n);
      out.push(zl.subarray(at + 2, at + 2 + n));
      at += 2 + n;
    } else if (top === 2) {
      need(5);
      const n = zl.readUInt32BE(at + 1);
      need(5 + n);
      out.push(zl.subarray(at + 5, at + 5 + n));
      at += 5 + n;
    } else {
      let value: bigint | number;
      let size: number;
      switch (encoding) {
        case 0xc0: need(3); value = zl.readInt16LE(at + 1); size = 3; break;
        case 0xd0: need(5); value = zl.readInt32LE(at + 1); size = 5; break;
        case 0xe0: need(9); value = zl.readBigInt64LE(at + 1); size = 9; break;
        case 0xf0: need(4); value = zl.readIntLE(at + 1, 3); size = 4; break;
        case 0xfe: need(2); value = zl.readInt8(at + 1); size = 2; break;
        default:
          if (encoding >= 0xf1 && encoding <= 0xfd) { value = (encoding & 0x0f) - 1; size = 1; break; }
          return fail('ziplist entry encoding', at);
      }
      out.push(Buffer.from(String(value)));
      at += size;
    }
  }
  if (at !== zl.length - 1) fail('ziplist end', at);
  if (count !== 0xffff && count !== out.length) fail('ziplist count', 8);
  return out;
}

/** Bytes of a listpack entry's back-length field for an entry of `size` bytes. */
function backlenBytes(size: number): number {
  return size < 128 ? 1 : size < 16384 ? 2 : size < 2097152 ? 3 : size < 268435456 ? 4 : 5;
}

/** The entries of a listpack. */
export function listpackEntries(lp: Buffer): Buffer[] {
  if (lp.length < 7 || lp.readUInt32LE(0) !== lp.length) fail('listpack header', 0);
  const count = lp.readUInt16LE(4);
  const out: Buffer[] = [];
  let at = 6;
  const need = (n: number) => {
    if (at + n > lp.length - 1) fail('listpack entry', at);
  };
  while (lp[at] !== 0xff) {
    need(1);
    const b = lp[at];
    let size: number; // encoding and data
    if (b < 0x80) {
      out.push(Buffer.from(String(b)));
      size = 1;
    } else if (b >> 6 === 2) {
      size = 1 + (b & 0x3f);
      need(size);
      out.push(lp.subarray(at + 1, at + size));
    } else if (b >> 5 === 6) {
      need(2);
      const v = ((b & 0x1f) << 8) | lp[at + 1];
      out.push(Buffer.from(String(v >= 4096 ? v - 8192 : v)));
      size = 2;
    } else if (b >> 4 === 14) {
      need(2);
      const n = ((b & 0x0f) << 8) | lp[at + 1];
      size = 2 + n;
      need(size);
      out.push(lp.subarray(at + 2, at + size));
    } else {
      switch (b) {
        case 0xf0: { need(5); const n = lp.readUInt32LE(at + 1); size = 5 + n; need(size); out.push(lp.subarray(at + 5, at + size)); break; }
        case 0xf1: need(3); out.push(Buffer.from(String(lp.readInt16LE(at + 1)))); size = 3; break;
        case 0xf2: need(4); out.push(Buffer.from(String(lp.readIntLE(at + 1, 3)))); size = 4; break;
        case 0xf3: need(5); out.push(Buffer.from(String(lp.readInt32LE(at + 1)))); size = 5; break;
        case 0xf4: need(9); out.push(Buffer.from(String(lp.readBigInt64LE(at + 1)))); size = 9; break;
        default: return fail('listpack entry encoding', at);
      }
    }
    at += size;
    need(backlenBytes(size));
    at += backlenBytes(size);
  }
  if (at !== lp.length - 1) fail('listpack end', at);
  if (count !== 0xffff && count !== out.length) fail('listpack count', 4);
  return out;
}
