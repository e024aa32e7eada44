// Just enough RESP for the benchmarks: encode a command once, tell where replies end without
// copying them (a 1 MiB bulk reply is counted, never concatenated), and one-off requests for setup
// and checks. Kept apart from src/resp so the benchmark measures the server, not its own parser.
import * as net from 'node:net';

export type Arg = string | Buffer | number;

/** A command as one RESP array of bulk strings, encoded once and written as often as needed. */
export function encodeCommand(args: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Finds reply boundaries in a RESP2 byte stream: header lines (`+`, `-`, `:`, `$n`, `*n`) are read
 * up to their CRLF, a bulk body is skipped by counting its n+2 bytes, and arrays count down their
 * elements. Error replies are counted and the first one kept, so a run of errors cannot pass as a
 * fast benchmark.
 */
export class ReplyFramer {
  errors = 0;
  firstError?: string;
  private line = '';
  private bodyLeft = 0;
  private remaining = 1; // elements still missing from the current top-level reply

  /** Consumes a chunk and returns how many replies it completed. */
  feed(chunk: Buffer): number {
    let done = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) done += this.elementDone();
        continue;
      }
      const nl = chunk.indexOf(10, i);
      if (nl === -1) {
        this.line += chunk.toString('latin1', i); // header lines are short: appending is cheap
        break;
      }
      this.line += chunk.toString('latin1', i, nl + 1);
      i = nl + 1;
      const line = this.line;
      this.line = '';
      done += this.onLine(line);
    }
    return done;
  }

  private onLine(line: string): number {
    const text = line.slice(1, -2);
    switch (line[0]) {
      case '+':
      case ':':
        return this.elementDone();
      case '-':
        this.errors++;
        this.firstError ??= text;
        return this.elementDone();
      case '$': {
        const n = Number(text);
        if (n < 0) return this.elementDone();
        this.bodyLeft = n + 2;
        return 0;
      }
      case '*': {
        const n = Number(text);
        if (n <= 0) return this.elementDone();
        this.remaining += n - 1;
        return 0;
      }
      default:
        throw new Error(`unexpected reply line ${JSON.stringify(line.slice(0, 80))}`);
    }
  }

  private elementDone(): number {
    if (--this.remaining > 0) return 0;
    this.remaining = 1;
    return 1;
  }
}

/** One reply, whole: `+OK` as 'OK', a bulk string as a Buffer, nil as null, an error reply as an Error. */
export type Reply = string | Buffer | null | Error;

/** Opens a connection, sends one command, returns its reply (setup and checks only, not measured). */
export function request(port: number, args: readonly Arg[], timeoutMs = 5000): Promise<Reply> {
  return requestRaw(port, args, timeoutMs).then(decodeSimple);
}

/**
 * The same, returning the reply's raw RESP bytes: for the few checks that read an array reply
 * (AI.INFO), which decodeSimple does not decode.
 */
export function requestRaw(port: number, args: readonly Arg[], timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const framer = new ReplyFramer();
    const parts: Buffer[] = [];
    const timer = setTimeout(() => finish(new Error(`no reply to ${String(args[0])} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error, reply?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply ?? Buffer.alloc(0));
    };
    socket.on('error', (err) => finish(err));
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk) => {
      parts.push(chunk);
      try {
        if (framer.feed(chunk) > 0) finish(undefined, Buffer.concat(parts));
      } catch (err) {
        finish(err as Error);
      }
    });
  });
}

function decodeSimple(bytes: Buffer): Reply {
  const eol = bytes.indexOf('\r\n');
  const text = bytes.toString('latin1', 1, eol);
  switch (bytes[0]) {
    case 0x2b: return text; // +
    case 0x2d: return new Error(text); // -
    case 0x24: return Number(text) < 0 ? null : bytes.subarray(eol + 2, eol + 2 + Number(text)); // $
    default: return new Error(`unsupported reply type ${JSON.stringify(bytes.toString('latin1', 0, 1))}`);
  }
}

/**
 * A whole reply, arrays included: for the checks that compare what is inside an array reply (a DAG's
 * per-op replies, TENSORGET VALUES). Integers (`:`) and RESP3 doubles (`,`) become numbers.
 */
export type Value = string | number | Buffer | null | Error | Value[];

/** A stored model's run statistics from AI.INFO: µs in its backend calls, how many calls, and how many of them failed. */
export async function modelRunStats(port: number, key: string): Promise<{ micros: number; calls: number; errors: number }> {
  const raw = (await requestRaw(port, ['AI.INFO', key])).toString('latin1');
  const duration = /\$8\r\nduration\r\n:(\d+)\r\n/.exec(raw);
  const calls = /\$5\r\ncalls\r\n:(\d+)\r\n/.exec(raw);
  const errors = /\$6\r\nerrors\r\n:(\d+)\r\n/.exec(raw);
  if (!duration || !calls || !errors) throw new Error(`AI.INFO ${key} replied ${JSON.stringify(raw.slice(0, 200))}`);
  return { micros: Number(duration[1]), calls: Number(calls[1]), errors: Number(errors[1]) };
}

/** Opens a connection, sends one command and decodes its whole reply (setup and checks only). */
export function requestValue(port: number, args: readonly Arg[], timeoutMs = 5000): Promise<Value> {
  return requestRaw(port, args, timeoutMs).then((bytes) => decodeValue(bytes, { at: 0 }));
}

function decodeValue(bytes: Buffer, cursor: { at: number }): Value {
  const eol = bytes.indexOf('\r\n', cursor.at);
  if (eol === -1) throw new Error('truncated reply');
  const type = bytes[cursor.at];
  const text = bytes.toString('latin1', cursor.at + 1, eol);
  cursor.at = eol + 2;
  switch (type) {
    case 0x2b: return text; // +
    case 0x2d: return new Error(text); // -
    case 0x3a: // :
    case 0x2c: return Number(text); // ,
    case 0x5f: return null; // _ (RESP3 null)
    case 0x24: { // $
      const n = Number(text);
      if (n < 0) return null;
      const body = bytes.subarray(cursor.at, cursor.at + n);
      cursor.at += n + 2;
      return body;
    }
    case 0x2a: { // *
      const n = Number(text);
      if (n < 0) return null;
      return Array.from({ length: n }, () => decodeValue(bytes, cursor));
    }
    default: throw new Error(`unsupported reply type ${JSON.stringify(String.fromCharCode(type))}`);
  }
}
