// A minimal RESP client for tests: sends exact argument arrays and parses replies with
// redis-parser, so tests see the server's replies without any client library's reshaping.
import * as net from 'node:net';
import { closeAfterFile } from './closeAfterFile';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RedisParser = require('redis-parser');

export type Parsed = string | number | null | Buffer | Error | Parsed[];

export class RawClient {
  private readonly socket: net.Socket;
  private readonly waiting: Array<(reply: Parsed) => void> = [];
  private readonly unclaimed: Parsed[] = [];
  private readonly parser: { execute(b: Buffer): void };
  private rawListener?: (chunk: Buffer) => void;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket, returnBuffers: boolean) {
    this.socket = socket;
    // A reply nobody waits for (MONITOR's feed) is kept for next().
    const deliver = (reply: Parsed) => {
      const waiter = this.waiting.shift();
      if (waiter !== undefined) waiter(reply);
      else this.unclaimed.push(reply);
    };
    this.parser = new RedisParser({
      returnReply: deliver,
      returnError: (err: Error) => deliver(err),
      returnFatalError: (err: Error) => deliver(err),
      returnBuffers,
    });
    socket.on('data', (chunk) => (this.rawListener ? this.rawListener(chunk) : this.parser.execute(chunk)));
    const forget = closeAfterFile(() => socket.destroy());
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('close', forget);
    // Calls still waiting when the connection goes get an error instead of hanging.
    socket.on('close', () => {
      for (const waiter of this.waiting.splice(0)) waiter(new Error('connection closed'));
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, options: { returnBuffers?: boolean; path?: string } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = options.path ? net.connect(options.path) : net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawClient(socket, options.returnBuffers ?? false)));
      socket.once('error', reject);
    });
  }

  /** Sends one command and resolves with its reply (an Error object for an error reply). */
  /** The next reply that no call asked for (a MONITOR line), waiting for it if none came yet. */
  next(): Promise<Parsed> {
    if (this.unclaimed.length > 0) return Promise.resolve(this.unclaimed.shift()!);
    return new Promise<Parsed>((resolve) => this.waiting.push(resolve));
  }

  call(...args: Array<string | Buffer | number>): Promise<Parsed> {
    const promise = new Promise<Parsed>((resolve) => this.waiting.push(resolve));
    this.socket.write(encodeCommand(args));
    return promise;
  }

  /** Sends many commands in one write and resolves with all replies in order. */
  pipeline(commands: Array<Array<string | Buffer | number>>): Promise<Parsed[]> {
    const replies = commands.map(() => new Promise<Parsed>((resolve) => this.waiting.push(resolve)));
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  /**
   * Writes raw bytes and collects raw reply bytes until `length` bytes arrived, the socket closed,
   * or two seconds passed (so a wrong expectation fails instead of hanging).
   */
  raw(bytes: Buffer | string, length: number): Promise<Buffer> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let got = 0;
      const timer = setTimeout(() => done(), 2000);
      const done = () => {
        clearTimeout(timer);
        this.rawListener = undefined;
        resolve(Buffer.concat(parts));
      };
      this.rawListener = (chunk) => {
        parts.push(chunk);
        got += chunk.length;
        if (got >= length) done();
      };
      this.socket.once('close', done);
      this.socket.write(bytes);
    });
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    this.socket.end();
    return this.closed;
  }
}

export function encodeCommand(args: Array<string | Buffer | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
