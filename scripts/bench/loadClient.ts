// A closed-loop load client for values redis-benchmark cannot send: it passes its command in argv,
// and Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN), far below a 1 MiB blob.
// Each connection sends one command, waits for the whole reply, then sends the next, like
// redis-benchmark without -P. The command is encoded once and the same Buffer written every time,
// and replies are framed, not copied, so the client's own cost stays small and identical for both
// servers it is pointed at. A connection can also cycle through a sequence of commands (one
// round = the whole sequence, each command still waiting for the previous reply), for comparing a
// multi-command exchange with one command that does the same work (target D1).
import * as net from 'node:net';
import { ReplyFramer } from './resp';

export interface LoadOptions {
  port: number;
  /** One encoded RESP command (see encodeCommand), sent by every connection. */
  command?: Buffer;
  /**
   * Instead of `command`: what connection i (0-based) sends, in turn, one at a time, over and
   * over. Per connection, so each can work on keys of its own.
   */
  commands?: (connection: number) => readonly Buffer[];
  connections: number;
  durationMs: number;
}

export interface LoadResult {
  /** Replies: commands completed. */
  ops: number;
  /** Whole sequences completed (equal to ops with a single `command`). */
  rounds: number;
  seconds: number;
  opsPerSecond: number;
  roundsPerSecond: number;
  /** This process's CPU over the run, % of one core: near 100% means the client is the limit. */
  clientCpu: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  // Connect everyone first, so connection setup is not timed.
  const sequences = Array.from({ length: o.connections }, (_, i) => (o.commands ? o.commands(i) : o.command ? [o.command] : []));
  if (sequences.some((seq) => seq.length === 0)) throw new Error('runLoad: no command to send');
  const conns = await Promise.all(Array.from({ length: o.connections }, () => connect(o.port)));
  let ops = 0;
  let rounds = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + o.durationMs;
  try {
    // A connection stops once the window is over and the reply that ends a round is in (so no
    // half-done sequence is counted or cut off); the run ends with the last one, and ops / seconds
    // over that whole span is exact for a closed loop.
    const ends = await Promise.all(
      conns.map(({ socket, reader }, c) => new Promise<number>((resolve, reject) => {
        const framer = new ReplyFramer();
        const sequence = sequences[c];
        let next = 0; // the command whose reply is awaited
        reader.onChunk = (chunk) => {
          let done: number;
          try {
            done = framer.feed(chunk);
          } catch (err) {
            return reject(err);
          }
          if (framer.errors > 0) return reject(new Error(`error reply: ${framer.firstError}`));
          if (done === 0) return;
          ops += done; // one request in flight per connection, so done is 1
          next = (next + done) % sequence.length;
          if (next === 0) rounds++;
          const now = performance.now();
          if (next !== 0 || now < deadline) socket.write(sequence[next]);
          else resolve(now);
        };
        socket.once('close', () => reject(new Error('the server closed a connection mid-run')));
        socket.on('error', reject);
        socket.write(sequence[0]);
      })),
    );
    const seconds = (Math.max(...ends) - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { ops, rounds, seconds, opsPerSecond: ops / seconds, roundsPerSecond: rounds / seconds, clientCpu: (cpu.user + cpu.system) / 1e4 / seconds };
  } finally {
    for (const { socket } of conns) {
      socket.removeAllListeners('close');
      socket.on('error', () => undefined);
      socket.destroy();
    }
  }
}

interface Reader { onChunk: (chunk: Buffer) => void }

function connect(port: number): Promise<{ socket: net.Socket; reader: Reader }> {
  return new Promise((resolve, reject) => {
    // Reads land in one reused 256 KiB buffer per connection (`onread`) instead of a fresh 64 KiB
    // Buffer per read: a 1 MiB reply costs 4 reads and no allocation, and the framer only needs
    // to look at the bytes, never keep them.
    const reader: Reader = { onChunk: () => undefined };
    const buffer = Buffer.allocUnsafe(256 * 1024);
    const socket = net.connect({ port, host: '127.0.0.1', onread: { buffer, callback: (n) => {
      reader.onChunk(buffer.subarray(0, n)); // valid until the next read; the framer keeps no reference
      return true;
    } } });
    socket.setNoDelay(true); // as redis-benchmark does; a reply must not wait for Nagle
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({ socket, reader });
    });
    socket.once('error', reject);
  });
}
