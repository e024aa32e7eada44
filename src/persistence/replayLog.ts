import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import { CorruptFileError } from './FileReader';
import { SNAPSHOT_MAGIC } from './snapshotFormat';
import { readSnapshotAt, Snapshot } from './snapshotReaders';

// Reading runs through one buffer of this size; an argument longer than it is read straight into
// a buffer of its own, so a log far larger than memory (or than one Buffer) still loads.
const BUFFER_BYTES = 1024 * 1024;
// "*<count>\r\n" and "$<length>\r\n" lines are short; anything longer is damage.
const MAX_LINE = 32;

/**
 * The append-only log, read front to back one command at a time. A rewritten log starts with a
 * snapshot of the keys at the time of the rewrite (`base`). An incomplete last command (the
 * process died while writing it, so it was never acknowledged) ends the log: `truncate()` cuts
 * it off the file. Anything else that does not parse is corruption, refused with its offset.
 */
export class LogReader {
  readonly base?: Snapshot;
  /** Bytes of the incomplete last command, once next() has returned null. */
  incompleteBytes = 0;
  private readonly fd: number;
  private readonly size: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private start = 0;
  private end = 0;
  private position = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'r');
    try {
      this.size = fs.fstatSync(this.fd).size;
      const magic = Buffer.alloc(SNAPSHOT_MAGIC.length);
      fs.readSync(this.fd, magic, 0, magic.length, 0);
      if (magic.equals(SNAPSHOT_MAGIC)) {
        const read = readSnapshotAt(file);
        this.base = read.snapshot;
        this.position = read.end;
      }
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
  }

  /** Where the next command starts. */
  get offset(): number {
    return this.position - (this.end - this.start);
  }

  /** The next command, or null at the end of the log (or at an incomplete last command). */
  next(): Buffer[] | null {
    const at = this.offset;
    if (at >= this.size) return null;
    const parsed = this.command();
    if (parsed === 'incomplete') {
      this.incompleteBytes = this.size - at;
      return null;
    }
    if (typeof parsed === 'string') {
      throw new CorruptFileError(`${this.file}: bad format at byte ${at} (${parsed}); the log is damaged, not just cut short`);
    }
    return parsed;
  }

  /** Cuts an incomplete last command off the file. */
  truncate(): void {
    if (this.incompleteBytes > 0) fs.truncateSync(this.file, this.size - this.incompleteBytes);
  }

  /** Makes everything from `offset` on (a MULTI without its EXEC) the incomplete end that truncate() cuts. */
  cutAt(offset: number): void {
    this.incompleteBytes = this.size - offset;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private command(): Buffer[] | 'incomplete' | string {
    const count = this.line(0x2a /* * */);
    if (typeof count !== 'number') return count;
    if (count === 0) return 'an empty command';
    const argv: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const length = this.line(0x24 /* $ */);
      if (typeof length !== 'number') return length;
      if (length + 2 > this.size - this.offset) return 'incomplete';
      const arg = Buffer.allocUnsafe(length);
      this.read(arg);
      this.fill(2);
      if (this.buffer[this.start] !== 13 || this.buffer[this.start + 1] !== 10) return 'a bulk string not ended by CRLF';
      this.start += 2;
      argv.push(arg);
    }
    return argv;
  }

  /** A "<prefix><digits>\r\n" line's number. */
  private line(prefix: number): number | 'incomplete' | string {
    // A line is at most MAX_LINE bytes: that many, or what the file still holds.
    this.fill(MAX_LINE);
    const { buffer, start, end } = this;
    if (start >= end) return 'incomplete';
    if (buffer[start] !== prefix) return `expected '${String.fromCharCode(prefix)}'`;
    let value = 0;
    let at = start + 1;
    for (; at < end && buffer[at] >= 0x30 && buffer[at] <= 0x39; at++) value = value * 10 + (buffer[at] - 0x30);
    const digits = at - start - 1;
    if (at + 1 >= end) return end - start >= MAX_LINE ? 'a line too long' : 'incomplete';
    if (digits === 0 || digits > 15) return `a bad length '${buffer.toString('latin1', start + 1, Math.min(at + 1, end))}'`;
    if (buffer[at] !== 13 || buffer[at + 1] !== 10) return 'a line not ended by CRLF';
    this.start = at + 2;
    return value;
  }

  /** Makes `n` bytes available in the buffer if the file has them; false when it ends first. */
  private fill(n: number): boolean {
    if (this.end - this.start >= n) return true;
    this.buffer.copy(this.buffer, 0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
    while (this.end < n) {
      const read = fs.readSync(this.fd, this.buffer, this.end, BUFFER_BYTES - this.end, this.position);
      if (read === 0) return false;
      this.position += read;
      this.end += read;
    }
    return true;
  }

  /** Fills `target` from the log (the caller checked the file holds that many bytes). */
  private read(target: Buffer): void {
    const buffered = Math.min(this.end - this.start, target.length);
    this.buffer.copy(target, 0, this.start, this.start + buffered);
    this.start += buffered;
    let done = buffered;
    while (done < target.length) {
      const read = fs.readSync(this.fd, target, done, target.length - done, this.position);
      if (read === 0) throw new CorruptFileError(`${this.file}: the file shrank while it was read`);
      this.position += read;
      done += read;
    }
  }
}
