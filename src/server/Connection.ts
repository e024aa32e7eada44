import type { ClientInfo } from '../commands/Command';
import type { ClientSocket, SocketEvents } from './ClientSocket';
import { OutputBuffer } from '../resp/OutputBuffer';
import { TRANSACTION_CONTROL } from '../commands/transactions';
import { ErrorReply, Reply, SimpleString } from '../resp/Reply';
import { encodeReply, Protocol } from '../resp/ReplyEncoder';
import type { QueryBufferBudget } from '../resp/QueryBufferBudget';
import { BulkDestination, DecoderLimits, ProtocolError, RequestDecoder } from '../resp/RequestDecoder';
import type { Logger } from '../observe/Logger';

/** What a connection needs of the server that accepted it (the Server implements it). */
export interface ConnectionHost {
  readonly logger: Logger;
  readonly blobDestination: BulkDestination;
  readonly queryBufferBudget: QueryBufferBudget;
  requirePassword(): string;
  decoderLimits(): DecoderLimits;
  /** Runs one request; the reply may be a promise. */
  dispatch(client: Connection, args: Buffer[]): Reply | Promise<Reply>;
  /** What dispatch would refuse before running (unknown command, wrong arity, no auth), or null. */
  refusal(client: Connection, args: Buffer[]): ErrorReply | null;
  errorReply(err: unknown): ErrorReply;
  /** Has the connection's replies written at the end of this loop turn (by calling flushNow). */
  flushAtEndOfTurn(connection: Connection): void;
  forget(connection: Connection): void;
}

/** A command queued inside MULTI. */
const QUEUED = new SimpleString('QUEUED');

/** Requests a blocked client may queue before its socket stops being read. */
const MAX_WAITING = 1024;

/** A reply that must wait for an earlier, still running command before it may be written. */
interface PendingReply {
  done: boolean;
  reply: Reply;
  protocol: Protocol;
}

/**
 * One client connection: decodes its requests, runs them through the server, and writes the
 * replies strictly in request order, even when a later command finishes before an earlier one.
 */
export class Connection implements ClientInfo, SocketEvents {
  name = '';
  protocol: Protocol = 2;
  authenticated: boolean;
  libName = '';
  libVersion = '';
  readonly address: string;
  readonly localAddress: string;
  readonly createdAt = Date.now();
  lastCommandAt = Date.now();
  lastCommand = 'NULL';

  private readonly decoder: RequestDecoder;
  /** What gives back the memory of a request's uploaded arguments once it has run (BulkDestination.done). */
  private readonly argumentsDone: ((args: readonly Buffer[]) => void) | undefined;
  private readonly out = new OutputBuffer();
  private readonly pending: PendingReply[] = [];
  private closeRequested = false;
  private protocolFailed = false;
  private socketClosed = false;
  // Like a blocked Redis client: while a command runs asynchronously (a model on its device
  // queue), this client's later requests wait, so each one sees the effects of those before it.
  private blocked = false;
  private readonly waiting: Array<Buffer[] | ProtocolError> = [];
  // Why reading is paused: the client is not reading its replies, or it is too far ahead of a
  // blocked command. Reading resumes only when neither holds.
  private pausedForOutput = false;
  private pausedForWaiting = false;

  constructor(
    readonly id: number,
    private readonly socket: ClientSocket,
    private readonly server: ConnectionHost,
  ) {
    this.authenticated = server.requirePassword() === '';
    this.address = socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : '/unixsocket:0';
    this.localAddress = socket.localAddress !== undefined ? `${socket.localAddress}:${socket.localPort}` : '/unixsocket:0';
    this.decoder = new RequestDecoder(server.decoderLimits(), server.blobDestination, server.queryBufferBudget);
    this.argumentsDone = server.blobDestination.done;
    this.decoder.authenticated = this.authenticated;
    socket.attach(this);
  }

  drained(): void {
    this.pausedForOutput = false;
    this.updateReading();
  }

  closed(): void {
    this.socketClosed = true;
    const cut = this.decoder.unfinished;
    if (cut !== undefined) {
      this.server.logger.notice(`Client ${this.address} closed in the middle of a request: ${cut.received} of ${cut.announced} arguments received` +
        (cut.bulkBytes > 0 ? `, and ${cut.bulkBytes} bytes of the next` : ''));
    }
    // An upload cut off mid-request gives its memory back to the budget of all clients.
    this.decoder.release();
    this.server.forget(this);
  }

  transaction: { queued: Buffer[][]; failed: boolean } | null = null;
  readonly watched = { keys: new Set<string>(), dirty: false };

  get isBlocked(): boolean {
    return this.blocked;
  }

  closeAfterReply(): void {
    this.closeRequested = true;
  }

  push(line: string): void {
    if (this.socketClosed || this.closeRequested) return;
    this.queue(new SimpleString(line));
    this.flush();
  }

  received(chunk: Buffer): void {
    if (this.closeRequested || this.protocolFailed) return;
    this.decode(chunk);
  }

  filled(length: number): void {
    if (this.closeRequested || this.protocolFailed) return;
    this.decode(length);
  }

  private readonly onRequest = (args: Buffer[]): void => this.execute(args);

  /** The rest of a large bulk string is read straight into where it goes, past this size. */
  private static readonly READ_INTO_MIN = 16 * 1024;

  private readonly fillTarget = (): Uint8Array | undefined =>
    this.closeRequested || this.protocolFailed || this.socketClosed ? undefined : this.decoder.bulkRest();

  /** Feeds the decoder a chunk read, or the count of bytes read straight into its bulk string. */
  private decode(input: Buffer | number): void {
    try {
      if (typeof input === 'number') this.decoder.filled(input, this.onRequest);
      else this.decoder.push(input, this.onRequest);
      if (this.decoder.bulkRemaining >= Connection.READ_INTO_MIN) this.socket.readIntoNext?.(this.fillTarget);
    } catch (err) {
      // Whatever goes wrong with one client's bytes ends that connection, never the server.
      const failure = err instanceof ProtocolError ? err : new ProtocolError(`ERR ${(err as Error).message ?? String(err)}`);
      if (failure.message.includes('query buffer limit')) {
        // Redis's log line (at warning level, as Redis logs it); the client gets no reply.
        this.server.logger.warning(`Closing client that reached max query buffer length: addr=${this.address} (${failure.message.slice('ERR Protocol error: '.length)})`);
      } else {
        this.server.logger.verbose(`Closing client ${this.address}: ${failure.message}`);
      }
      this.protocolFailed = true;
      // Requests before the fault still run and get their replies first.
      if (this.blocked) this.waiting.push(failure);
      else this.fail(failure);
    }
    this.flush();
  }

  private fail(failure: ProtocolError): void {
    if (failure.reply) this.queue(new ErrorReply(failure.message));
    this.closeRequested = true;
  }

  private updateReading(): void {
    if (this.pausedForOutput || this.pausedForWaiting) this.socket.pause();
    else this.socket.resume();
  }

  private execute(args: Buffer[]): void {
    if (this.closeRequested) return;
    if (this.blocked) {
      this.waiting.push(args);
      // A client pipelining far ahead of a blocked command stops being read until it catches up.
      if (this.waiting.length >= MAX_WAITING && !this.pausedForWaiting) {
        this.pausedForWaiting = true;
        this.updateReading();
      }
      return;
    }
    if (this.transaction !== null && !TRANSACTION_CONTROL.has(args[0].toString('latin1').toLowerCase())) {
      // Inside MULTI: checked now, run at EXEC (a refused one makes EXEC abort, as in Redis).
      const refused = this.server.refusal(this, args);
      if (refused !== null) {
        this.transaction.failed = true;
        this.queue(refused);
      } else {
        this.transaction.queued.push(args);
        this.queue(QUEUED);
      }
      return;
    }
    const result = this.server.dispatch(this, args);
    this.decoder.authenticated = this.authenticated;
    if (result instanceof Promise) {
      const slot: PendingReply = { done: false, reply: null, protocol: this.protocol };
      this.pending.push(slot);
      this.blocked = true;
      result.then(
        (reply) => this.settle(slot, reply),
        (err: unknown) => this.settle(slot, this.server.errorReply(err)),
      );
    } else {
      this.queue(result);
      // It ran, and nothing keeps its arguments now (MONITOR and SLOWLOG copied what they show).
      this.argumentsDone?.(args);
    }
  }

  /** Runs the requests that waited for a blocking command, until the next one blocks. */
  private unblock(): void {
    this.blocked = false;
    while (!this.blocked && this.waiting.length > 0 && !this.socketClosed && !this.closeRequested) {
      const next = this.waiting.shift()!;
      if (next instanceof ProtocolError) this.fail(next);
      else this.execute(next);
    }
    if (this.pausedForWaiting && this.waiting.length < MAX_WAITING) {
      this.pausedForWaiting = false;
      this.updateReading();
    }
  }

  private queue(reply: Reply): void {
    if (this.pending.length === 0) encodeReply(reply, this.protocol, this.out);
    else this.pending.push({ done: true, reply, protocol: this.protocol });
  }

  private settle(slot: PendingReply, reply: Reply): void {
    slot.reply = reply;
    slot.done = true;
    this.unblock();
    while (this.pending.length > 0 && this.pending[0].done) {
      const next = this.pending.shift()!;
      encodeReply(next.reply, next.protocol, this.out);
    }
    this.flush();
  }

  private flush(): void {
    if (!this.socketClosed) this.server.flushAtEndOfTurn(this);
  }

  /** Writes the replies queued so far (the server calls it at the end of the loop turn). */
  flushNow(): void {
    if (this.socketClosed) return;
    if (!this.out.empty) {
      const writable = this.socket.write(this.out.take());
      // A client that does not read its replies stops being read until it does (bounded memory).
      if (!writable && !this.pausedForOutput) {
        this.pausedForOutput = true;
        this.updateReading();
      }
    }
    // Like Redis, close fully once the last reply is written (not half-open).
    if (this.closeRequested && this.pending.length === 0) this.socket.end();
  }

  /** Closes the connection at once (server shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  /** CLIENT KILL: closes the connection at once. */
  kill(): void {
    this.socket.destroy();
  }
}
