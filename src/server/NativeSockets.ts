// The JS side of the addon's socket layer (native/addon/socket_layer.h): listeners and client
// sockets on Node's libuv loop without Node's streams. The addon gathers every connection's reads
// of a loop turn and calls onBatch once; the connections decode and run them, and whatever
// replies they made are written (one writev per connection) before the call returns, the way
// Redis writes its replies in beforeSleep (Server.flushAtEndOfTurn asks for that through
// atEndOfBatch). One layer per JS environment serves every server in it.
import { Buffer } from 'node:buffer';
import * as dns from 'node:dns';
import * as net from 'node:net';
import { native } from '../native';
import { bufferView } from '../util/bufferView';
import type { ClientSocket, SocketEvents } from './ClientSocket';

const DATA = 1;
const END = 2;
const DRAIN = 3;
const READ_FAILED = 4;
const FILLED = 5;

class NativeClientSocket implements ClientSocket {
  events: SocketEvents | null = null;

  constructor(
    readonly id: number,
    readonly remoteAddress: string | undefined,
    readonly remotePort: number | undefined,
    readonly localAddress: string | undefined,
    readonly localPort: number | undefined,
  ) {}

  attach(events: SocketEvents): void {
    this.events = events;
  }

  write(chunks: Uint8Array[]): boolean {
    return native.socketsWrite(this.id, chunks);
  }

  private fillAsked = false;

  readIntoNext(target: () => Uint8Array | undefined): void {
    if (this.fillAsked) return;
    this.fillAsked = true;
    // At the batch's end: a later read of this connection in the same batch moves the target on.
    const apply = () => {
      this.fillAsked = false;
      const view = target();
      if (view !== undefined) native.socketsReadInto(this.id, view);
    };
    if (!atEndOfBatch(apply)) apply();
  }

  pause(): void {
    native.socketsPause(this.id);
  }

  resume(): void {
    native.socketsResume(this.id);
  }

  end(): void {
    native.socketsEnd(this.id);
  }

  destroy(): void {
    native.socketsDestroy(this.id);
  }
}

type AcceptHandler = (socket: ClientSocket) => void;

const sockets = new Map<number, NativeClientSocket>();
const acceptors = new Map<number, AcceptHandler>();
let initialized = false;
/** Set while a batch runs: what asked to run at its end (atEndOfBatch). */
let batchEnd: Array<() => void> | null = null;

function onBatch(memory: ArrayBuffer, base: number, records: Int32Array, count: number): void {
  const endOfBatch: Array<() => void> = [];
  batchEnd = endOfBatch;
  // Connections whose client ended its side: ours ends once this batch's replies are written
  // (as a Node socket does without allowHalfOpen).
  let ended: NativeClientSocket[] | null = null;
  // Each read is a view of the batch's bytes (see RequestDecoder.push).
  try {
    for (let i = 0; i < count; i += 4) {
      const socket = sockets.get(records[i + 1]);
      if (socket === undefined || socket.events === null) continue;
      switch (records[i]) {
        case DATA: {
          socket.events.received(bufferView(memory, base + records[i + 2], records[i + 3]));
          break;
        }
        case FILLED:
          socket.events.filled(records[i + 3]);
          break;
        case DRAIN:
          socket.events.drained();
          break;
        case END:
          (ended ??= []).push(socket);
          break;
        case READ_FAILED:
          socket.destroy();
          break;
      }
    }
  } finally {
    batchEnd = null;
    for (const run of endOfBatch) run();
    if (ended !== null) for (const socket of ended) socket.end();
  }
}

function onAccept(listener: number, id: number, remoteAddress?: string, remotePort?: number, localAddress?: string, localPort?: number): void {
  const socket = new NativeClientSocket(id, remoteAddress, remotePort, localAddress, localPort);
  sockets.set(id, socket);
  const accept = acceptors.get(listener);
  if (accept === undefined) socket.destroy();
  else accept(socket);
}

function onClose(id: number): void {
  const socket = sockets.get(id);
  sockets.delete(id);
  socket?.events?.closed();
}

function init(): void {
  if (initialized) return;
  native.socketsInit(onBatch, onAccept, onClose);
  initialized = true;
}

/**
 * Runs `fn` when the batch of reads being handled ends, after every connection in it has run its
 * requests; false (and nothing done) when no batch is running.
 */
export function atEndOfBatch(fn: () => void): boolean {
  if (batchEnd === null) return false;
  batchEnd.push(fn);
  return true;
}

/** A listening socket of the native layer. */
export interface NativeListener {
  /** The TCP port bound (0 for a unix socket). */
  readonly port: number;
  close(): void;
}

function listening(id: number, port: number, accept: AcceptHandler): NativeListener {
  acceptors.set(id, accept);
  return {
    port,
    close() {
      acceptors.delete(id);
      native.socketsCloseListener(id);
    },
  };
}

/** Listens on TCP `host` (a name is looked up first, as Node's `listen` does) and `port` (0: any free one). */
export async function listenTcp(host: string, port: number, accept: AcceptHandler): Promise<NativeListener> {
  init();
  const address = net.isIP(host) !== 0 ? host : (await dns.promises.lookup(host)).address;
  const [id, bound] = native.socketsListenTcp(address, port);
  return listening(id, bound, accept);
}

/** Listens on the unix socket at `path` (which must not exist). */
export function listenUnix(path: string, accept: AcceptHandler): NativeListener {
  init();
  return listening(native.socketsListenPipe(path), 0, accept);
}
