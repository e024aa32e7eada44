// Writes the RDB encoding of DUMP payloads (see RdbReader): lengths, raw strings and module
// values' typed opcodes. Strings are never compressed; every Redis reads raw strings.
import { Buffer } from 'node:buffer';
import { ModuleOpcode } from './RdbReader';

export class RdbWriter {
  private readonly parts: Buffer[] = [];

  byte(value: number): this {
    this.parts.push(Buffer.from([value]));
    return this;
  }

  length(value: number | bigint): this {
    const n = BigInt(value);
    if (n < 64n) return this.byte(Number(n));
    if (n < 16384n) {
      this.parts.push(Buffer.from([0x40 | Number(n >> 8n), Number(n & 0xffn)]));
    } else if (n <= 0xffffffffn) {
      const b = Buffer.alloc(5);
      b[0] = 0x80;
      b.writeUInt32BE(Number(n), 1);
      this.parts.push(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = 0x81;
      b.writeBigUInt64BE(n, 1);
      this.parts.push(b);
    }
    return this;
  }

  string(bytes: Buffer): this {
    this.length(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  moduleUnsigned(value: number | bigint): this {
    return this.length(ModuleOpcode.unsigned).length(value);
  }

  /** As RedisModule_SaveSigned: an unsigned value with the same bits. */
  moduleSigned(value: number | bigint): this {
    return this.moduleUnsigned(BigInt.asUintN(64, BigInt(value)));
  }

  moduleString(bytes: Buffer): this {
    return this.length(ModuleOpcode.string).string(bytes);
  }

  /** A C string saved with its NUL, as RedisModule_SaveStringBuffer(s, strlen(s) + 1) does. */
  moduleCString(bytes: Buffer): this {
    return this.moduleString(Buffer.concat([bytes, Buffer.from([0])]));
  }

  moduleEnd(): this {
    return this.length(ModuleOpcode.eof);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
