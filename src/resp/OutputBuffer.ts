// Collects encoded reply bytes for one socket write. Small pieces are packed into shared chunks;
// large byte arrays (tensor BLOBs) are passed through as their own chunk, so they are written
// from tensor memory without a copy.

import { Buffer } from 'node:buffer';
/** The size of the chunks small pieces are packed into. */
export const CHUNK_SIZE = 16 * 1024;
/** At or above this size a byte array is written as its own chunk instead of being copied. */
export const PASS_THROUGH_SIZE = 16 * 1024;
/** Up to this many chars, ascii() stores the codes itself. */
const SHORT_TEXT = 32;

export class OutputBuffer {
  private chunks: Uint8Array[] = [];
  private buf: Buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private start = 0;
  private pos = 0;

  get empty(): boolean {
    return this.chunks.length === 0 && this.pos === this.start;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.cut();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, n));
    this.start = this.pos = 0;
  }

  private cut(): void {
    if (this.pos > this.start) this.chunks.push(this.buf.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  /** Text of one byte per char (protocol framing, numbers, ASCII words). */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n);
    if (n <= SHORT_TEXT) {
      // Framing like `$120\r\n` is a few bytes: stored here, not by a call into C++ (~20 vs ~80 ns).
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
      this.pos = pos;
    } else {
      this.pos += this.buf.write(text, this.pos, 'latin1');
    }
  }

  /** Up to `room` bytes written in place by `write`, which returns how many it wrote. */
  inPlace(room: number, write: (buf: Buffer, pos: number) => number): void {
    this.reserve(room);
    this.pos += write(this.buf, this.pos);
  }

  utf8(text: string): void {
    const n = Buffer.byteLength(text, 'utf8');
    this.reserve(n);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  bytes(data: Uint8Array): void {
    if (data.length >= PASS_THROUGH_SIZE) {
      this.cut();
      this.chunks.push(data);
      return;
    }
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Everything written so far, as chunks to write in order; the buffer is empty afterwards. */
  take(): Uint8Array[] {
    this.cut();
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}
