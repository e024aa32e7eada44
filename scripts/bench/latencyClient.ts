// Per-request latency over one raw socket: send a command, wait for its whole reply, note the
// round trip, send the next. loadClient.ts measures throughput and times nothing per request;
// this is its latency counterpart, and just as thin, so that pointing it at redis-server and at
// our server costs the client the same and the difference is the servers'.
import * as net from 'node:net';
import { ReplyFramer } from './resp';

export class LatencyClient {
  private readonly framer = new ReplyFramer();
  private pending?: { start: number; resolve: (micros: number) => void; reject: (err: Error) => void };
  private failure?: Error;

  private constructor(private readonly socket: net.Socket, private readonly port: number) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static open(port: number): Promise<LatencyClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true); // as redis-benchmark does: a request must not wait for Nagle
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LatencyClient(socket, port));
      });
    });
  }

  /**
   * Sends one encoded command and resolves with its round trip in µs, from just before the write
   * to the 'data' event that completes the reply. An error reply rejects: a benchmark of errors
   * must not pass as a fast one.
   */
  roundTrip(command: Buffer): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('LatencyClient: one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { start: performance.now(), resolve, reject };
      this.socket.write(command);
    });
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.on('error', () => undefined);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const end = performance.now(); // first thing: everything after this is the client's own time
    let done: number;
    try {
      done = this.framer.feed(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (this.framer.errors > 0) return this.fail(new Error(`error reply: ${this.framer.firstError}`));
    if (done === 0) return;
    const p = this.pending;
    this.pending = undefined;
    if (done > 1 || !p) return this.fail(new Error('LatencyClient: a reply nobody asked for'));
    p.resolve((end - p.start) * 1000);
  }

  private fail(err: Error): void {
    this.failure ??= new Error(`connection to port ${this.port}: ${err.message}`);
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }
}

/** `count` back-to-back round trips of one command; the latencies in µs, in order. */
export async function sequential(client: LatencyClient, command: Buffer, count: number): Promise<number[]> {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = await client.roundTrip(command);
  return out;
}

/**
 * One round trip every `intervalMs` (or as soon as the previous reply is in, if later) for
 * `durationMs`: a steady sample across a window, rather than as many as fit, so a window of a few
 * seconds covers every phase of a slow background job the same way.
 */
export async function paced(client: LatencyClient, command: Buffer, intervalMs: number, durationMs: number): Promise<number[]> {
  const out: number[] = [];
  const start = performance.now();
  for (let next = start; next < start + durationMs;) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    out.push(await client.roundTrip(command));
    // After a slow reply, carry on from now: catching up with a burst would oversample the moment
    // just after a stall.
    next = Math.max(next + intervalMs, performance.now());
  }
  return out;
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
