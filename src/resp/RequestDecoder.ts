import { Buffer } from 'node:buffer';
import { QueryBufferBudget } from './QueryBufferBudget';
import { splitInlineArgs } from './splitInlineArgs';
import { bufferView } from '../util/bufferView';

/** Limits on what one client may send, named and defaulted as in redis.conf. */
export interface DecoderLimits {
  /** proto-max-bulk-len: the largest bulk string (512 MB). */
  maxBulkLength: number;
  /** client-query-buffer-limit: the most bytes one request may hold before it is complete (1 GB). */
  maxQueryBuffer: number;
}

export const DEFAULT_LIMITS: DecoderLimits = { maxBulkLength: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

/** Longest inline command or `*`/`$` header line (Redis's PROTO_INLINE_MAX_SIZE). */
const MAX_LINE = 64 * 1024;
/** Before AUTH, Redis allows only small requests, so an unauthenticated peer cannot make it allocate. */
const UNAUTHENTICATED_MAX_ARGS = 10;
const UNAUTHENTICATED_MAX_BULK = 16384;
const INT_MAX = 2147483647;
/**
 * What one argument costs beyond its bytes, for the limits: its Buffer view keeps ~107 bytes of
 * heap (measured), and the array holding the arguments grows by copying, so a request briefly
 * holds more. Empty arguments share one Buffer and cost only their array slot, but are charged
 * the same: the charge must never be less than what the heap really holds.
 */
export const ARGUMENT_OVERHEAD = 160;
/** Every empty bulk string: a zero-length Buffer has nothing to share or change. */
const EMPTY = Buffer.alloc(0);

/**
 * A violation of the protocol. `message` is Redis's error text; the connection replies with it
 * (when `reply` is set) and closes.
 */
export class ProtocolError extends Error {
  constructor(message: string, readonly reply: boolean = true) {
    super(message);
  }
}

/**
 * Chooses where a bulk string that spans socket reads is assembled: return a Buffer of exactly
 * `length` bytes (for example a view over native tensor memory) or undefined for an ordinary one.
 * `args` are the arguments of the request received so far.
 */
export interface BulkDestination {
  (args: readonly Buffer[], length: number): Buffer | undefined;
  /** Gives back a destination buffer whose bulk will never be completed (its connection closed). */
  discard?(bulk: Buffer): void;
  /**
   * The request `args` has run and nothing keeps its arguments: a destination buffer among them
   * may give its memory back now (what a command made of it keeps its own).
   */
  done?(args: readonly Buffer[]): void;
}

const CR = 13;
const LF = 10;

/**
 * Streaming decoder of client requests: RESP arrays of bulk strings and inline commands. Bytes of
 * a bulk string are copied once, from the socket's buffer to their destination; a bulk that sits
 * inside one read is not copied at all (a view of that read).
 */
export class RequestDecoder {
  /** Before authentication the stricter size limits apply. */
  authenticated = true;

  // The start of a line (header or inline command) still waiting for its LF, kept as parts so
  // that a line arriving a byte at a time costs linear, not quadratic, copying.
  private leftover: Buffer[] = [];
  private leftoverLength = 0;
  private args: Buffer[] = [];
  private argsExpected = 0;
  private requestBytes = 0;
  private bulk: Buffer | undefined;
  private bulkFilled = 0;
  private skip = 0;

  constructor(
    private readonly limits: DecoderLimits = DEFAULT_LIMITS,
    private readonly destination?: BulkDestination,
    private readonly budget?: QueryBufferBudget,
  ) {}

  /** Gives back what the unfinished request holds (its connection closed). */
  release(): void {
    this.budget?.give(this.requestBytes);
    this.requestBytes = 0;
    this.args = [];
    if (this.bulk !== undefined) this.destination?.discard?.(this.bulk);
    this.bulk = undefined;
  }

  /**
   * Feeds bytes; calls `onRequest` for every complete request in order. Throws ProtocolError after
   * the requests before the fault have been delivered.
   */
  push(chunk: Buffer, onRequest: (args: Buffer[]) => void): void {
    let buf = chunk;
    if (this.leftoverLength > 0) {
      this.leftover.push(chunk);
      this.leftoverLength += chunk.length;
      if (chunk.indexOf(LF) < 0) {
        if (this.leftoverLength > MAX_LINE + 2) throw new ProtocolError(this.lineTooLong(this.leftover[0][0]));
        return;
      }
      buf = Buffer.concat(this.leftover, this.leftoverLength);
      this.leftover = [];
      this.leftoverLength = 0;
    }
    let pos = 0;
    const end = buf.length;
    // Arguments are views of the chunk made from its memory (util/bufferView.ts: half the cost of
    // Buffer.from(arrayBuffer, offset, length), itself cheaper than subarray, which goes through
    // the species constructor, Buffer and then Buffer.from, and reads the chunk's `buffer`, a
    // call into C++, per view).
    const memory = buf.buffer;
    const base = buf.byteOffset;
    // The limits may change (CONFIG SET) between reads, not within one: read once per read.
    const maxBulkLength = this.limits.maxBulkLength;
    const maxQueryBuffer = this.limits.maxQueryBuffer;
    while (pos < end) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - pos);
        pos += n;
        this.skip -= n;
        continue;
      }
      if (this.bulk !== undefined) {
        const n = Math.min(this.bulk.length - this.bulkFilled, end - pos);
        buf.copy(this.bulk, this.bulkFilled, pos, pos + n);
        this.bulkFilled += n;
        pos += n;
        if (this.bulkFilled === this.bulk.length) this.bulkComplete(onRequest);
        continue;
      }
      if (this.argsExpected === 0) {
        if (buf[pos] === 42 /* * */) {
          const lineEnd = this.findLineEnd(buf, pos);
          if (lineEnd < 0) break;
          const count = parseLength(buf, pos + 1, lineEnd);
          if (count === undefined || count > INT_MAX) throw new ProtocolError('ERR Protocol error: invalid multibulk length');
          if (!this.authenticated && count > UNAUTHENTICATED_MAX_ARGS) {
            throw new ProtocolError('ERR Protocol error: unauthenticated multibulk length');
          }
          pos = lineEnd + 2;
          if (count > 0) {
            this.argsExpected = count;
            this.args = [];
          }
        } else {
          const nl = buf.indexOf(LF, pos);
          if (nl < 0) {
            if (end - pos > MAX_LINE) throw new ProtocolError(this.lineTooLong(buf[pos]));
            break;
          }
          const lineEnd = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
          const args = splitInlineArgs(buf.subarray(pos, lineEnd));
          pos = nl + 1;
          if (args === undefined) throw new ProtocolError('ERR Protocol error: unbalanced quotes in request');
          if (args.length > 0) onRequest(args);
        }
        continue;
      }
      // Inside a multibulk: the next bulk string header.
      if (buf[pos] !== 36 /* $ */) {
        throw new ProtocolError(`ERR Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
      }
      const lineEnd = this.findLineEnd(buf, pos);
      if (lineEnd < 0) break;
      const length = parseLength(buf, pos + 1, lineEnd);
      if (length === undefined || length < 0 || length > maxBulkLength) {
        throw new ProtocolError('ERR Protocol error: invalid bulk length');
      }
      if (!this.authenticated && length > UNAUTHENTICATED_MAX_BULK) {
        throw new ProtocolError('ERR Protocol error: unauthenticated bulk length');
      }
      // Each argument also costs its header and a Buffer object: count those too, so a flood of
      // empty arguments cannot grow memory without reaching the limit.
      const charge = length + ARGUMENT_OVERHEAD;
      if (this.requestBytes + charge > maxQueryBuffer) {
        // Redis closes such a client without a reply (it only logs).
        throw new ProtocolError('ERR Protocol error: query buffer limit reached', false);
      }
      if (this.budget !== undefined && !this.budget.take(charge)) {
        throw new ProtocolError('ERR Protocol error: total query buffer limit of all clients reached', false);
      }
      this.requestBytes += charge;
      pos = lineEnd + 2;
      if (length === 0 && pos <= end) {
        this.args.push(EMPTY);
        this.skip = 2;
        this.completeIfDone(onRequest);
      } else if (pos + length <= end) {
        this.args.push(bufferView(memory, base + pos, length));
        pos += length;
        this.skip = 2;
        this.completeIfDone(onRequest);
      } else {
        this.bulk = this.destination?.(this.args, length) ?? Buffer.allocUnsafe(length);
        this.bulkFilled = 0;
      }
    }
    if (pos < end) {
      this.leftover = [buf.subarray(pos)];
      this.leftoverLength = end - pos;
    }
  }

  private lineTooLong(first: number): string {
    if (this.argsExpected > 0) return 'ERR Protocol error: too big bulk count string';
    return first === 42 ? 'ERR Protocol error: too big mbulk count string' : 'ERR Protocol error: too big inline request';
  }

  /** Bytes of the bulk string being assembled that have not arrived yet (0 when there is none). */
  get bulkRemaining(): number {
    return this.bulk === undefined ? 0 : this.bulk.length - this.bulkFilled;
  }

  /**
   * Where the rest of the bulk string being assembled goes, for a socket to read straight into;
   * what it reads there is then reported with `filled`, and the bytes after the bulk with `push`.
   */
  bulkRest(): Buffer | undefined {
    return this.bulk === undefined || this.bulkFilled === this.bulk.length ? undefined : this.bulk.subarray(this.bulkFilled);
  }

  /** `length` bytes of the bulk string arrived in the view `bulkRest` gave; calls `onRequest` if that completed a request. */
  filled(length: number, onRequest: (args: Buffer[]) => void): void {
    if (this.bulk === undefined || length > this.bulk.length - this.bulkFilled) {
      throw new ProtocolError('ERR Protocol error: bytes read past the bulk string');
    }
    this.bulkFilled += length;
    if (this.bulkFilled === this.bulk.length) this.bulkComplete(onRequest);
  }

  private bulkComplete(onRequest: (args: Buffer[]) => void): void {
    this.args.push(this.bulk!);
    this.bulk = undefined;
    this.skip = 2;
    this.completeIfDone(onRequest);
  }

  /** How far an unfinished request got (its arguments received of those announced), if there is one. */
  get unfinished(): { received: number; announced: number; bulkBytes: number } | undefined {
    if (this.argsExpected === 0) return undefined;
    return { received: this.args.length, announced: this.argsExpected, bulkBytes: this.bulkFilled };
  }

  /** Bytes held for a request still incomplete. */
  get pendingBytes(): number {
    return this.leftoverLength + this.bulkFilled;
  }

  private completeIfDone(onRequest: (args: Buffer[]) => void): void {
    if (this.args.length === this.argsExpected) {
      const args = this.args;
      this.args = [];
      this.argsExpected = 0;
      this.budget?.give(this.requestBytes);
      this.requestBytes = 0;
      onRequest(args);
    }
  }

  /** Index of the CR of a header line's CRLF, or -1 when the line is not complete yet. */
  private findLineEnd(buf: Buffer, pos: number): number {
    // Scanned here rather than with buf.indexOf, a call into C++ per header line: headers are a
    // few bytes long, and a TENSORGET has four of them (~4% of the event loop's time under T1).
    const end = buf.length;
    const limit = Math.min(end, pos + MAX_LINE + 1);
    let cr = pos;
    while (cr < limit && buf[cr] !== CR) cr++;
    if (cr === limit) {
      if (end - pos > MAX_LINE) throw new ProtocolError(this.lineTooLong(buf[pos]));
      return -1;
    }
    if (cr + 1 >= end) return -1;
    return cr;
  }
}

/** A strict integer in buf[from, to) (string2ll rules), or undefined. */
function parseLength(buf: Buffer, from: number, to: number): number | undefined {
  if (to <= from || to - from > 20) return undefined;
  let i = from;
  let negative = false;
  if (buf[i] === 45 /* - */) {
    negative = true;
    i++;
    if (i === to) return undefined;
  }
  if (buf[i] === 48 /* 0 */ && to - i > 1) return undefined;
  let value = 0;
  for (; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  if (!Number.isSafeInteger(value)) return undefined;
  return negative ? -value : value;
}
