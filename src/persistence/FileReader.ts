import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/** Why a persistence file cannot be read; the message names the file and the byte offset. */
export class CorruptFileError extends Error {}

const BUFFER_BYTES = 1024 * 1024;

/**
 * Reads a file front to back through one buffer, keeping a CRC-32 of what it consumed. Large
 * payloads are read straight into the caller's memory (a tensor's own storage), not buffered.
 */
export class FileReader {
  crc = 0;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private start = 0;
  private end = 0;
  private filePosition = 0;

  constructor(private readonly fd: number, readonly file: string, readonly size: number) {}

  /** Bytes consumed so far. */
  get offset(): number {
    return this.filePosition - (this.end - this.start);
  }

  fail(what: string): never {
    throw new CorruptFileError(`${this.file}: ${what} at byte ${this.offset}`);
  }

  /** The next `n` bytes, copied out of the buffer (small fields only). */
  bytes(n: number): Buffer {
    if (n <= BUFFER_BYTES) {
      this.fill(n);
      const out = Buffer.from(this.buffer.subarray(this.start, this.start + n));
      this.consume(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    this.into(out);
    return out;
  }

  /** Fills `target` with the next bytes of the file. */
  into(target: Uint8Array): void {
    let done = 0;
    const buffered = Math.min(this.end - this.start, target.byteLength);
    target.set(this.buffer.subarray(this.start, this.start + buffered));
    this.consume(buffered);
    done = buffered;
    while (done < target.byteLength) {
      const n = fs.readSync(this.fd, target, done, target.byteLength - done, this.filePosition);
      if (n === 0) this.fail('the file ends inside a record');
      this.crc = zlib.crc32(target.subarray(done, done + n), this.crc);
      this.filePosition += n;
      done += n;
    }
  }

  u8(): number {
    this.fill(1);
    const v = this.buffer[this.start];
    this.consume(1);
    return v;
  }

  u32(): number {
    this.fill(4);
    const v = this.buffer.readUInt32LE(this.start);
    this.consume(4);
    return v;
  }

  f64(): number {
    this.fill(8);
    const v = this.buffer.readDoubleLE(this.start);
    this.consume(8);
    return v;
  }

  /** A u64 length, checked against what is left of the file. */
  length(): number {
    this.fill(8);
    const v = this.buffer.readBigUInt64LE(this.start);
    this.consume(8);
    if (v > BigInt(this.size - this.offset)) this.fail(`a length of ${v} bytes runs past the end of the file`);
    return Number(v);
  }

  /** A length-prefixed byte string. */
  str(): Buffer {
    return this.bytes(this.length());
  }

  private consume(n: number): void {
    this.crc = zlib.crc32(this.buffer.subarray(this.start, this.start + n), this.crc);
    this.start += n;
  }

  /** Makes at least `n` (≤ BUFFER_BYTES) bytes available in the buffer. */
  private fill(n: number): void {
    if (this.end - this.start >= n) return;
    this.buffer.copy(this.buffer, 0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
    while (this.end < n) {
      const read = fs.readSync(this.fd, this.buffer, this.end, BUFFER_BYTES - this.end, this.filePosition);
      if (read === 0) this.fail('the file ends inside a record');
      this.filePosition += read;
      this.end += read;
    }
  }
}
