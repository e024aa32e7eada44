// Reads the RDB encoding Redis uses inside DUMP payloads: length-encoded integers, strings (plain,
// integer-encoded or LZF-compressed) and, for module values, the typed opcodes RedisModule_Save*
// writes. Every read is bounds-checked; damaged data throws DumpFormatError, which RESTORE
// answers with Redis's `ERR Bad data format`.
import { Buffer } from 'node:buffer';
import { lzfDecompress } from './lzf';

export class DumpFormatError extends Error {}

/** The opcodes in front of each value of a module type (RDB_TYPE_MODULE_2). */
export const ModuleOpcode = { eof: 0, signed: 1, unsigned: 2, float: 3, double: 4, string: 5 } as const;

export class RdbReader {
  private at = 0;

  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.at === this.bytes.length;
  }

  fail(why: string): never {
    throw new DumpFormatError(`${why} at byte ${this.at}`);
  }

  byte(): number {
    if (this.at >= this.bytes.length) this.fail('payload ends early');
    return this.bytes[this.at++];
  }

  take(n: number): Buffer {
    if (n > this.bytes.length - this.at) this.fail('payload ends early');
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** A length-encoded unsigned integer as a bigint (module values are 64-bit), or its special encoding. */
  private lengthOrEncoding(): { value: bigint; encoded: boolean } {
    const first = this.byte();
    switch (first >> 6) {
      case 0:
        return { value: BigInt(first & 0x3f), encoded: false };
      case 1:
        return { value: BigInt(((first & 0x3f) << 8) | this.byte()), encoded: false };
      case 2:
        if (first === 0x80) return { value: BigInt(this.take(4).readUInt32BE(0)), encoded: false };
        if (first === 0x81) return { value: this.take(8).readBigUInt64BE(0), encoded: false };
        return this.fail(`unknown length encoding ${first}`);
      default:
        return { value: BigInt(first & 0x3f), encoded: true };
    }
  }

  /** A length-encoded integer that must fit a JavaScript number (counts, lengths). */
  length(): number {
    const { value, encoded } = this.lengthOrEncoding();
    if (encoded) this.fail('a string encoding where a length belongs');
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('length out of range');
    return Number(value);
  }

  unsigned64(): bigint {
    const { value, encoded } = this.lengthOrEncoding();
    if (encoded) this.fail('a string encoding where a number belongs');
    return value;
  }

  /** An RDB string: raw, an integer kept as one (int8/16/32), or LZF-compressed. */
  string(): Buffer {
    const { value, encoded } = this.lengthOrEncoding();
    if (!encoded) {
      if (value > BigInt(this.bytes.length)) this.fail('string longer than the payload');
      return this.take(Number(value));
    }
    switch (Number(value)) {
      case 0: return Buffer.from(String(this.take(1).readInt8(0)));
      case 1: return Buffer.from(String(this.take(2).readInt16LE(0)));
      case 2: return Buffer.from(String(this.take(4).readInt32LE(0)));
      case 3: {
        const compressed = this.length();
        const length = this.length();
        // liblzf never expands more than about 256 to 1 (a back reference of 264 bytes per 2).
        if (length > compressed * 264 + 64) this.fail('LZF length out of range');
        const out = lzfDecompress(this.take(compressed), length);
        if (out === undefined) this.fail('damaged LZF data');
        return out;
      }
      default:
        return this.fail(`unknown string encoding ${value}`);
    }
  }

  private opcode(expected: number): void {
    const op = this.length();
    if (op !== expected) this.fail(`module value opcode ${op}, expected ${expected}`);
  }

  /** RedisModule_LoadUnsigned. */
  moduleUnsigned(): bigint {
    this.opcode(ModuleOpcode.unsigned);
    return this.unsigned64();
  }

  /** RedisModule_LoadUnsigned, for a value that must be a JavaScript number. */
  moduleCount(limit = Number.MAX_SAFE_INTEGER): number {
    const value = this.moduleUnsigned();
    if (value > BigInt(limit)) this.fail(`value ${value} out of range`);
    return Number(value);
  }

  /** RedisModule_LoadSigned: Redis saves signed values as unsigned ones (same opcode, the bits reinterpreted). */
  moduleSigned(): bigint {
    return BigInt.asIntN(64, this.moduleUnsigned());
  }

  /** RedisModule_LoadString / LoadStringBuffer. */
  moduleString(): Buffer {
    this.opcode(ModuleOpcode.string);
    return this.string();
  }

  /** A NUL-terminated C string saved with its NUL (RedisAI's device and names): without the NUL. */
  moduleCString(): Buffer {
    const bytes = this.moduleString();
    return bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.subarray(0, bytes.length - 1) : bytes;
  }

  /** The EOF opcode that ends a module value. */
  moduleEnd(): void {
    this.opcode(ModuleOpcode.eof);
  }
}
