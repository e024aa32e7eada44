import type { Socket } from 'node:net';

/** What a socket tells the connection it carries. */
export interface SocketEvents {
  /** Bytes read from the client (a view the connection may keep). */
  received(chunk: Buffer): void;
  /** `length` more bytes were read into the view `readIntoNext` last asked for. */
  filled(length: number): void;
  /** Everything written has gone out after a write said to wait. */
  drained(): void;
  /** The socket is closed, by either side; nothing follows. */
  closed(): void;
}

/**
 * A client's socket as a Connection uses it, whichever layer carries it: the native one
 * (NativeSockets.ts, the server's default) or Node's `net` (NodeClientSocket below).
 */
export interface ClientSocket {
  /** Undefined for a unix socket. */
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** Starts telling `events` what happens; until then nothing is read. */
  attach(events: SocketEvents): void;
  /** Writes the chunks in order; false when the client is behind on reading (`drained` follows). */
  write(chunks: Uint8Array[]): boolean;
  /**
   * Once the reads handed over so far have all been handled, asks `target` where the next ones go:
   * the view it returns is filled (at most to its end, reported by `filled`) before reads come
   * through `received` again. For the rest of a large bulk string, read straight into the memory
   * it will stay in. A layer without it (Node's streams) delivers everything through `received`.
   */
  readIntoNext?(target: () => Uint8Array | undefined): void;
  /** Stops reading (`resume` starts again). */
  pause(): void;
  resume(): void;
  /** Closes once everything written is out. */
  end(): void;
  /** Closes now. */
  destroy(): void;
}

/** A Node `net.Socket` as a ClientSocket. */
export class NodeClientSocket implements ClientSocket {
  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  attach(events: SocketEvents): void {
    this.socket.on('data', (chunk: Buffer) => events.received(chunk));
    this.socket.on('drain', () => events.drained());
    this.socket.on('close', () => events.closed());
  }

  write(chunks: Uint8Array[]): boolean {
    if (chunks.length === 1) return this.socket.write(chunks[0]);
    let writable = true;
    this.socket.cork();
    for (const c of chunks) writable = this.socket.write(c);
    this.socket.uncork();
    return writable;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    // Fully closed once written, not half-open.
    this.socket.end(() => this.socket.destroy());
  }

  destroy(): void {
    this.socket.destroy();
  }
}
