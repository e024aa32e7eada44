import { loadLuaWasm } from '../commands/luaScripting/luaWasm';
import { Buffer } from 'node:buffer';
import * as buffer from 'node:buffer';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { commandTable } from '../commands';
import { CommandIndex } from '../commands/CommandIndex';
import { internalClient } from '../commands/Command';
import type { ClientInfo, Command, CommandContext, ConfigParameter, ServerInfo } from '../commands/Command';
import { AuthErrors } from '../commands/auth';
import type { AiSettings } from '../engine/AiSettings';
import { Engine } from '../engine/Engine';
import { DEFAULT_AWAKE_MICROS, keepLoopAwake, standDown } from '../engine/keepLoopAwake';
import { keyName } from '../store/keyName';
import { Errors, StormbreakerError } from '../errors';
import { ErrorReply, Reply } from '../resp/Reply';
import { QueryBufferBudget, defaultTotalQueryBufferLimit } from '../resp/QueryBufferBudget';
import { BulkDestination, DEFAULT_LIMITS, DecoderLimits } from '../resp/RequestDecoder';
import { getHeapStatistics } from 'node:v8';
import { native } from '../native';
import { ensureBackend } from '../backends/loadBackend';
import type { Backend } from '../model/Model';
import { parseMemorySize } from '../util/memorySize';
import { blobDestination } from './blobDestination';
import { DEFAULT_PERSISTENCE, parseSaveRules, Persistence, PersistenceOptions } from '../persistence/Persistence';
import { replayEmptyTensorEffect } from '../persistence/emptyTensorEffect';
import { makeScriptHost } from '../commands/scriptHost';
import { Connection, ConnectionHost } from './Connection';
import { ClientSocket, NodeClientSocket } from './ClientSocket';
import { atEndOfBatch, listenTcp, listenUnix, NativeListener } from './NativeSockets';
import { Logger, LogLevel } from '../observe/Logger';
import { CommandStats } from '../observe/CommandStats';
import { startMetricsEndpoint } from './MetricsEndpoint';
import { SlowLog } from '../observe/SlowLog';
import { OpsSampler } from '../observe/OpsSampler';
import { Monitors } from '../observe/Monitors';
import { LatencyMonitor } from '../observe/LatencyMonitor';
import { VERSION } from '../version';
import { STORE_NO_PERSISTENCE, StoreMode, StoreSettings } from './StoreMode';
import { META_ONLY, runsHere } from './StoreForwarder';

/** Options of a server; each mirrors a redis-server setting of the same name. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one; -1 disables TCP (unix socket only). Default 6379. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  bind?: string;
  /** Path of a unix socket to listen on as well. */
  unixsocket?: string;
  /** Password of the `default` user; empty means no AUTH needed. */
  requirepass?: string;
  /** Most clients connected at once. Default 10000. */
  maxclients?: number;
  /** Largest bulk string (and so tensor BLOB). Default 512 MB. */
  protoMaxBulkLen?: number;
  /** Most bytes a single request may hold. Default 1 GB. */
  clientQueryBufferLimit?: number;
  /**
   * Most bytes the unfinished requests of all clients may hold together; the client whose request
   * would pass it is closed. Default: a quarter of V8's heap limit, at most 1 GB.
   */
  clientQueryBufferTotalLimit?: number;
  loglevel?: LogLevel;
  /**
   * Redis's maxmemory (bytes, 0: none): past it, commands that add data are refused with Redis's
   * OOM error (the noeviction policy, the only one here: nothing is ever evicted).
   */
  maxmemory?: number;
  /** The engine whose keyspace the server serves; a new one by default. */
  engine?: Engine;
  /** Where log lines go; stdout by default. */
  logSink?: (line: string) => void;
  /** Extra commands to serve (an extension point; a name already taken is replaced). */
  commands?: readonly Command[];
  /** Execution settings for the engine the server makes (ignored when `engine` is given). */
  ai?: Partial<AiSettings>;
  /**
   * Snapshots and the append-only log (redis.conf names). Without it nothing is kept on disk;
   * with it, what `dir` holds is loaded before the server listens.
   */
  persistence?: Partial<PersistenceOptions>;
  /** Called once SHUTDOWN has stopped the server (the executable exits there). */
  onShutdown?: () => void;
  /**
   * How long (µs) the event loop keeps polling its sockets after a request, or a run it started,
   * before it sleeps (engine/keepLoopAwake.ts): a client or device run answering within it finds
   * the loop awake. Default 100; 0 turns it off. Also the engine's setting when the server makes
   * its engine.
   */
  busyPollMicros?: number;
  /** Port of the Prometheus endpoint (`GET /metrics`) at `bind`; 0 picks a free one. Off by default. */
  metricsPort?: number;
  /**
   * Backends loaded while the server starts, before it accepts clients (RedisAI's module
   * arguments `TORCH <path>` …): the first model store then waits for no library load.
   */
  loadBackends?: readonly Backend[];
  /**
   * Keep no data here: tensors, models and scripts live in this Redis (standalone, Sentinel or
   * Cluster), commands that are not AI.* go to it, and any number of nodes may share it.
   */
  store?: StoreSettings;
  /**
   * Which layer carries the client sockets: 'native' (the default: the addon reads and writes
   * them on Node's loop without its streams, NativeSockets.ts) or 'node' (Node's `net`).
   */
  sockets?: 'native' | 'node';
}


/** performance.timeOrigin, which never changes: its getter costs ~60 ns a read, once per command. */
/** What a client in MULTI may still send past maxmemory. */
const ENDS_TRANSACTION = new Set(['exec', 'discard', 'quit', 'reset']);
const TIME_ORIGIN = performance.timeOrigin;

/** Two clients' requests this close together: several are sending (Server.noteRequest). */
const CONCURRENT_WINDOW_MS = 1;
/** How long the loop then sleeps when idle instead of polling; any lone request after it polls again. */
const STAND_DOWN_MS = 5;

/** What INFO commandstats and SLOWLOG know of a command this server forwards without having it. */
function forwardedCommand(name: string): Command {
  return { name, flags: [] } as unknown as Command;
}

/**
 * A RESP server speaking RedisAI's commands over TCP and/or a unix socket.
 *
 * @example
 * const server = createServer({ port: 0 });
 * const { port } = await server.listen();
 * // … any Redis client on port …
 * await server.close();
 */
export class Server implements ServerInfo, ConnectionHost {
  readonly version = VERSION;
  readonly engine: Engine;
  readonly logger: Logger;
  readonly startedAt = Date.now();
  readonly stats = { connectionsReceived: 0, commandsProcessed: 0, rejectedConnections: 0 };
  readonly commandStats = new CommandStats();
  readonly slowLog = new SlowLog();
  readonly opsSampler = new OpsSampler(() => this.stats.commandsProcessed);
  readonly monitors = new Monitors();
  readonly latency = new LatencyMonitor();
  readonly config: readonly ConfigParameter[];
  readonly blobDestination: BulkDestination = blobDestination;
  /** What all clients' unfinished requests hold, against client-query-buffer-total-limit. */
  readonly queryBufferBudget = new QueryBufferBudget(() => this.options.clientQueryBufferTotalLimit);
  readonly persistence: Persistence | null;

  private readonly table: Map<string, Command>;
  /** The table, looked up by the bytes a request typed. */
  private readonly index: CommandIndex;
  private readonly connections = new Set<Connection>();
  private readonly listeners: net.Server[] = [];
  private readonly nativeListeners: NativeListener[] = [];
  private readonly socketLayer: 'native' | 'node';
  private nextClientId = 1;
  private options: Required<Omit<ServerOptions, 'engine' | 'unixsocket' | 'logSink' | 'commands' | 'ai' | 'persistence' | 'onShutdown' | 'metricsPort' | 'loadBackends' | 'busyPollMicros' | 'store' | 'sockets'>> & { unixsocket?: string; busyReplyThreshold: number };
  private readonly onShutdown?: () => void;
  private readonly metricsPort?: number;
  private readonly loadBackends: readonly Backend[];
  private metrics?: { port: number; close(): Promise<void> };
  /** Connections with replies held until the end of this loop turn (see flushAtEndOfTurn). */
  private readonly heldReplies = new Set<Connection>();
  private readonly busyPollMicros: number;
  private shuttingDown?: Promise<void>;
  private boundPort = 0;
  /** Set when the data lives in Redis (--store). */
  readonly store?: StoreMode;

  get storeBacked(): boolean {
    return this.store !== undefined;
  }

  constructor(options: ServerOptions = {}) {
    this.busyPollMicros = options.busyPollMicros ?? DEFAULT_AWAKE_MICROS;
    this.socketLayer = options.sockets ?? 'native';
    if (options.store !== undefined) {
      if (options.engine !== undefined) throw new Error('a server with a store makes its own engine: pass store or engine, not both');
      if (options.persistence !== undefined) throw new Error(STORE_NO_PERSISTENCE);
      this.store = new StoreMode(options.store, { ai: options.ai, busyPollMicros: this.busyPollMicros });
    }
    this.engine = this.store?.engine ?? options.engine ?? new Engine({ ai: options.ai, busyPollMicros: this.busyPollMicros });
    this.logger = new Logger(options.loglevel ?? 'notice', options.logSink);
    this.table = commandTable();
    for (const extra of options.commands ?? []) this.table.set(extra.name, extra);
    this.index = new CommandIndex(this.table);
    this.options = {
      port: options.port ?? 6379,
      bind: options.bind ?? '127.0.0.1',
      unixsocket: options.unixsocket,
      requirepass: options.requirepass ?? '',
      maxclients: options.maxclients ?? 10000,
      protoMaxBulkLen: options.protoMaxBulkLen ?? DEFAULT_LIMITS.maxBulkLength,
      clientQueryBufferLimit: options.clientQueryBufferLimit ?? DEFAULT_LIMITS.maxQueryBuffer,
      clientQueryBufferTotalLimit: options.clientQueryBufferTotalLimit ?? defaultTotalQueryBufferLimit(getHeapStatistics().heap_size_limit),
      loglevel: options.loglevel ?? 'notice',
      maxmemory: options.maxmemory ?? 0,
      busyReplyThreshold: 5000,
    };
    this.config = this.configParameters();
    // Scripts' redis.execute runs this server's commands with its live settings.
    this.engine.useScriptHost(makeScriptHost(this.engine, this));
    this.persistence = options.persistence === undefined
      ? null
      : new Persistence(this.engine, { ...DEFAULT_PERSISTENCE, ...options.persistence }, this.logger);
    this.onShutdown = options.onShutdown;
    this.metricsPort = options.metricsPort;
    this.loadBackends = options.loadBackends ?? [];
  }

  /** Loads what persistence kept, then starts listening; resolves with the TCP port (useful with port 0). */
  async listen(): Promise<{ port: number; unixsocket?: string }> {
    await this.store?.connection.connect();
    // RedisAI's CPU queue exists from start-up: INFO MODULES shows its thread before any run.
    this.engine.openQueue('CPU');
    for (const backend of this.loadBackends) {
      const version = await ensureBackend(backend, this.engine.settings.backendsPath, this.engine.backendTrust);
      this.logger.notice(`Backend ${backend} loaded at start-up (version ${version})`);
    }
    this.opsSampler.start();
    // The backends' own messages (TFLite's error details, libtorch's and ONNX Runtime's warnings)
    // come to the log, a few times a second, instead of going to stderr.
    this.backendMessages = setInterval(() => this.logBackendMessages(), 250);
    this.backendMessages.unref();
    // The Lua interpreter loads now (WebAssembly compiles asynchronously): a first EVAL would
    // otherwise wait for it, and inside EXEC that let other clients in and split the log's unit.
    // With --store, scripts are Redis's.
    if (this.store === undefined) await loadLuaWasm();
    await this.persistence?.start((argv) => this.replay(argv));
    if (this.socketLayer === 'native') {
      if (this.options.port >= 0) {
        const tcp = await listenTcp(this.options.bind, this.options.port, (socket) => this.accept(socket));
        this.nativeListeners.push(tcp);
        this.boundPort = tcp.port;
      }
      if (this.options.unixsocket !== undefined) {
        const path = this.options.unixsocket;
        if (fs.existsSync(path)) fs.unlinkSync(path);
        this.nativeListeners.push(listenUnix(path, (socket) => this.accept(socket)));
      }
    }
    if (this.socketLayer === 'node' && this.options.port >= 0) {
      const tcp = this.makeListener();
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(this.options.port, this.options.bind, () => resolve());
      });
      this.boundPort = (tcp.address() as net.AddressInfo).port;
    }
    if (this.socketLayer === 'node' && this.options.unixsocket !== undefined) {
      const path = this.options.unixsocket;
      if (fs.existsSync(path)) fs.unlinkSync(path);
      const unix = this.makeListener();
      await new Promise<void>((resolve, reject) => {
        unix.once('error', reject);
        unix.listen(path, () => resolve());
      });
    }
    if (this.metricsPort !== undefined) {
      this.metrics = await startMetricsEndpoint(this, this.metricsPort, this.options.bind);
      this.logger.notice(`Metrics at http://${this.options.bind}:${this.metrics.port}/metrics`);
    }
    return { port: this.boundPort, unixsocket: this.options.unixsocket };
  }

  /** The metrics endpoint's port once listening (useful with metricsPort 0). */
  get metricsListeningPort(): number | undefined {
    return this.metrics?.port;
  }

  /**
   * SHUTDOWN: closes every connection first (so no write can be acknowledged after the final
   * snapshot is taken), then saves as asked (or as the save rules say) and closes the log.
   * Rejects when the save fails (the data stays where the last good save left it).
   */
  shutdown(save?: boolean): Promise<void> {
    this.shuttingDown ??= (async () => {
      await this.close();
      await this.persistence?.shutdown(save);
      this.logger.warning('Stormbreaker is now ready to exit, bye bye...');
      this.onShutdown?.();
    })();
    return this.shuttingDown;
  }

  /** Runs a command read back from the append-only log (no client, not logged again). */
  private async replay(argv: Buffer[]): Promise<void> {
    if (replayEmptyTensorEffect(this.engine, argv)) return;
    const command = this.table.get(argv[0].toString('latin1').toLowerCase());
    if (command === undefined) throw new StormbreakerError(`ERR unknown command '${argv[0].toString('latin1')}' in the append only file`);
    const ctx: CommandContext = { engine: this.engine, client: internalClient('aof-loader'), server: this };
    let reply: Reply;
    try {
      reply = await command.run(ctx, argv);
    } catch (err) {
      reply = this.errorReply(err);
    }
    if (reply instanceof ErrorReply) this.logger.warning(`replaying ${command.name} from the append only file: ${reply.message}`);
  }

  private backendMessages?: NodeJS.Timeout;

  private logBackendMessages(): void {
    for (const [backend, line] of native.takeBackendMessages()) this.logger.warning(backend === '' ? line : `${backend}: ${line}`);
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.opsSampler.stop();
    clearInterval(this.backendMessages);
    this.logBackendMessages();
    await this.metrics?.close();
    this.metrics = undefined;
    for (const c of this.connections) c.destroy();
    for (const l of this.nativeListeners) l.close();
    this.nativeListeners.length = 0;
    await Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
    this.listeners.length = 0;
    await this.store?.connection.close();
  }

  get port(): number {
    return this.options.port;
  }

  get tcpPort(): number {
    return this.boundPort;
  }

  requirePassword = (): string => this.options.requirepass;

  maxBulkLength(): number {
    return this.options.protoMaxBulkLen;
  }

  decoderLimits(): DecoderLimits {
    // A live object: CONFIG SET changes apply to connections already open.
    const options = this.options;
    return {
      get maxBulkLength() { return options.protoMaxBulkLen; },
      get maxQueryBuffer() { return options.clientQueryBufferLimit; },
    };
  }

  clients(): Iterable<ClientInfo> {
    return this.connections;
  }

  commands(): Iterable<Command> {
    return this.table.values();
  }

  logWarning(line: string): void {
    this.logger.warning(line);
  }

  logNotice(line: string): void {
    this.logger.notice(line);
  }

  findCommand(name: string): Command | undefined {
    return this.table.get(name);
  }

  /** What dispatch refuses before running a command: unknown, not authenticated, wrong arity; else null. */
  refusal(client: ClientInfo, args: Buffer[]): ErrorReply | null {
    // With a store, a command this node does not run is Redis's to check.
    if (this.store !== undefined && client.authenticated && !runsHere(this.index.find(args[0]))) return null;
    const found = this.lookUp(client, args);
    if (!(found instanceof ErrorReply)) return null;
    // Counted as Redis counts a command refused while queuing (rejected_calls, errorstats).
    this.commandStats.rejected(this.index.find(args[0])?.name, found.message);
    return found;
  }

  /** The command a request names, or why it may not run. */
  private lookUp(client: ClientInfo, args: Buffer[]): Command | ErrorReply {
    const command = this.index.find(args[0]);
    if (command === undefined) return new ErrorReply(unknownCommand(args[0].toString('latin1'), args));
    if (!client.authenticated && !command.flags.includes('noauth')) return new ErrorReply(AuthErrors.noAuth);
    if ((command.arity > 0 && args.length !== command.arity) || (command.arity < 0 && args.length < -command.arity)) {
      return new ErrorReply(command.name.startsWith('ai.') ? Errors.wrongArityAsTyped(args) : Errors.wrongArity(command.name));
    }
    // maxmemory with noeviction: commands that may add data are refused once memory is past it;
    // inside MULTI every command but those that end it (queuing takes memory too), as in Redis.
    // A Lua script's commands: the script itself decides (Redis's scriptVerifyOOM, LuaScripting.ts).
    if ((command.denyOom || (client.transaction !== null && !ENDS_TRANSACTION.has(command.name))) && client.ignoresMaxmemory !== true
      && this.overMaxmemory()) {
      return new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");
    }
    return command;
  }

  overMaxmemory(): boolean {
    return this.options.maxmemory > 0 && this.opsSampler.memory > this.options.maxmemory;
  }

  runAs(client: ClientInfo, args: Buffer[]): Reply | Promise<Reply> {
    return this.dispatch(client, args);
  }

  /** Clients watching each key (WATCH), told by the engine's write path when it is written. */
  private readonly watchers = new Map<string, Set<ClientInfo>>();

  watch(client: ClientInfo, names: readonly string[]): void {
    for (const name of names) {
      let set = this.watchers.get(name);
      if (set === undefined) this.watchers.set(name, (set = new Set()));
      set.add(client);
      client.watched.keys.add(name);
    }
    this.engine.onWrite ??= (name) => {
      const clients = this.watchers.get(name);
      if (clients !== undefined) for (const c of clients) c.watched.dirty = true;
    };
  }

  unwatch(client: ClientInfo): void {
    for (const name of client.watched.keys) {
      const set = this.watchers.get(name);
      set?.delete(client);
      if (set?.size === 0) this.watchers.delete(name);
    }
    client.watched.keys.clear();
    client.watched.dirty = false;
  }

  /**
   * After a request, the loop polls rather than sleeps for a while (engine/keepLoopAwake.ts): the
   * client's next request, or the result of the run it starts, then finds it awake. Not while
   * runs are on device threads: their results keep the loop busy, and a polling loop would take
   * the backends' cores (EfficientNet at 32 clients fell from 177 to 114 runs/s when every
   * request kept it awake). Nor while several clients are sending: a request from another
   * client than the last, within a window of it, stands the polling down for a while.
   */
  private keepAwake(now?: number): void {
    if (this.engine.runsInFlight === 0) keepLoopAwake(this.busyPollMicros, now);
  }

  /** A request from `client`: polling stands down when another client sent one just before. */
  private noteRequest(client: ClientInfo, now: number): void {
    const concurrent = client.id !== this.lastRequester && now - this.lastRequestAt < CONCURRENT_WINDOW_MS;
    this.lastRequester = client.id;
    this.lastRequestAt = now;
    if (concurrent) standDown(STAND_DOWN_MS, now);
    else this.keepAwake(now);
  }

  private lastRequester = -1;
  private lastRequestAt = 0;

  /** Runs one request; the reply may be a promise (replies are still written in order). */
  dispatch(client: ClientInfo, args: Buffer[]): Reply | Promise<Reply> {
    this.stats.commandsProcessed++;
    // One clock read serves the polling decision, the command's start and its client's idle time.
    const now = performance.now();
    this.noteRequest(client, now);
    if (this.store !== undefined && client.authenticated) {
      const known = this.index.find(args[0]);
      const started = performance.now();
      const forwarded = this.store.route(client, args, known, (name) => this.table.get(name));
      if (forwarded !== undefined) {
        // Redis runs it; MONITOR, INFO commandstats and SLOWLOG still see it here, as they would there.
        if (this.monitors.active) this.monitors.feed(client, known?.name ?? args[0].toString('latin1').toLowerCase(), args);
        client.lastCommand = known?.name ?? args[0].toString('latin1').toLowerCase();
        client.lastCommandAt = Date.now();
        const command = known ?? forwardedCommand(client.lastCommand);
        return forwarded instanceof Promise
          ? forwarded.then((reply) => this.finished(command, client, args, started, reply))
          : this.finished(command, client, args, started, forwarded);
      }
    }
    const command = this.lookUp(client, args);
    if (command instanceof ErrorReply) {
      this.commandStats.rejected(this.index.find(args[0])?.name, command.message);
      // MULTI, WATCH, … refused inside a transaction spoil it, as in Redis (flagTransaction).
      if (client.transaction !== null) client.transaction.failed = true;
      return command;
    }
    client.lastCommand = command.name;
    client.lastCommandAt = TIME_ORIGIN + now;
    if (this.monitors.active && !command.flags.includes('admin')) this.monitors.feed(client, command.name, args);
    if (!this.engine.keyspace.prefetches) return this.runCommand(command, client, args, now);
    // A store that keeps the data elsewhere: what the command names is fetched in one round trip,
    // it runs on that, and its writes go in one more, before the reply (Engine.batched).
    const keys = command.keysOf(args, client, this);
    // Nothing to fetch or write (PING, CLIENT, HELLO): it runs at once.
    if (keys !== 'all' && keys.length === 0) return this.runCommand(command, client, args);
    const names = keys === 'all' ? 'all' : keys.map(keyName);
    try {
      const metaOnly = META_ONLY.has(command.name) || command.readsOnlyMeta?.(args) === true;
      const result = this.engine.batched(names, () => this.runCommand(command, client, args), { metaOnly });
      return result instanceof Promise ? result.catch((err: unknown) => this.errorReply(err)) : result;
    } catch (err) {
      return this.errorReply(err);
    }
  }

  private runCommand(command: Command, client: ClientInfo, args: Buffer[], started = performance.now()): Reply | Promise<Reply> {
    const ctx: CommandContext = { engine: this.engine, client, server: this };
    // Whatever the command writes reaches the append-only log through the engine's write path.
    try {
      let result: Reply | Promise<Reply>;
      if (command.readsKeys) {
        this.engine.countingReads = true;
        try {
          result = command.run(ctx, args);
        } finally {
          this.engine.countingReads = false;
        }
      } else {
        result = command.run(ctx, args);
      }
      if (!(result instanceof Promise)) return this.finished(command, client, args, started, result);
      return result.then((reply) => this.finished(command, client, args, started, reply),
        (err: unknown) => this.finished(command, client, args, started, this.errorReply(err)));
    } catch (err) {
      return this.finished(command, client, args, started, this.errorReply(err));
    }
  }

  /** Statistics and the slow log for a command that ran; a command on a device counts to its reply. */
  private finished(command: Command, client: ClientInfo, args: Buffer[], started: number, reply: Reply): Reply {
    const micros = Math.round((performance.now() - started) * 1000);
    this.commandStats.ran(command.name, micros, reply instanceof ErrorReply ? reply.message : undefined, reply instanceof ErrorReply && reply.countedAlready);
    // EXEC's commands are logged one by one; AUTH and HELLO would log a password.
    if (!command.flags.includes('skip_slowlog')) this.slowLog.consider(args, micros, client.address, client.name);
    this.latency.consider(command.flags.includes('fast'), micros);
    return reply;
  }

  /** The wire form of an error thrown by a command; unexpected ones are logged, never fatal. */
  errorReply(err: unknown): ErrorReply {
    if (err instanceof StormbreakerError) return new ErrorReply(err.message);
    this.logger.warning(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new ErrorReply(`ERR internal error: ${text}`);
  }

  /**
   * Replies wait for the end of this turn of the event loop (after every socket that was ready
   * has been read), as Redis writes its replies in beforeSleep: each connection then gets one
   * write for all the replies of the turn, and the writes come in one burst, so that the first
   * one wakes a sleeping client process and the rest find it awake. Writing each reply as it was
   * made woke the load client once per reply, the largest single cost of a small request on these
   * VMs (bench/cpu-budget.md). With the append-only log on, the log gets every write of the turn
   * in one write (and one fsync under `always`) before any reply goes out.
   */
  flushAtEndOfTurn(connection: Connection): void {
    if (this.heldReplies.size === 0) {
      // Reads that came in a native batch are answered when the batch ends (the same turn).
      // Replies made later come from completions of device runs, settled in one burst of
      // microtasks: a microtask queued by the first of them runs after the rest of that burst has
      // held its replies (same-depth reactions are queued before it), without the cost of an
      // immediate (~2 µs a turn of M1's loop: Node's check phase, processImmediate). Node's
      // streams deliver one connection's reads per callback, so there the turn's end stays the
      // immediate, which gathers every connection of the turn.
      if (!atEndOfBatch(this.releaseHeldReplies)) {
        if (this.socketLayer === 'native') queueMicrotask(this.releaseHeldReplies);
        else setImmediate(this.releaseHeldReplies);
      }
    }
    this.heldReplies.add(connection);
  }

  private readonly releaseHeldReplies = (): void => this.releaseReplies();

  private releaseReplies(): void {
    if (this.heldReplies.size === 0) return;
    this.keepAwake();
    try {
      this.persistence?.flushLog();
    } catch (err) {
      // Redis stops accepting writes when it cannot write its log; here the replies are
      // withheld from these clients (their connections close) rather than acknowledge a write
      // that is not in the log.
      this.logger.warning(`Writing the append only file failed: ${(err as Error).message}`);
      for (const c of this.heldReplies) c.destroy();
      this.heldReplies.clear();
      return;
    }
    const held = [...this.heldReplies];
    this.heldReplies.clear();
    for (const c of held) c.flushNow();
  }

  /** Called by a connection once its socket has closed. */
  forget(connection: Connection): void {
    this.monitors.delete(connection);
    this.logger.verbose(`Client closed connection id=${connection.id} addr=${connection.address} name=${connection.name}`);
    this.connections.delete(connection);
    this.unwatch(connection);
  }

  private makeListener(): net.Server {
    const listener = net.createServer((socket) => this.accept(new NodeClientSocket(socket)));
    listener.on('error', (err) => this.logger.warning(`listener error: ${err.message}`));
    this.listeners.push(listener);
    return listener;
  }

  private accept(socket: ClientSocket): void {
    this.stats.connectionsReceived++;
    if (this.connections.size >= this.options.maxclients) {
      this.stats.rejectedConnections++;
      // Closed fully once the error is written: a socket nobody reads would never see the peer's FIN.
      socket.write([MAX_CLIENTS_REPLY]);
      socket.end();
      return;
    }
    const connection = new Connection(this.nextClientId++, socket, this);
    this.connections.add(connection);
    this.logger.verbose(`Accepted ${connection.address}`);
  }

  private configParameters(): ConfigParameter[] {
    const o = this.options;
    const size = (name: string, read: () => number, write: (n: number) => void, max = Number.MAX_SAFE_INTEGER): ConfigParameter => ({
      name,
      get: () => String(read()),
      set: (value) => {
        const n = parseMemorySize(value);
        if (n === undefined || n <= 0) return `ERR CONFIG SET failed (possibly related to argument '${name}') - argument couldn't be parsed into an integer`;
        if (n > max) return `ERR CONFIG SET failed (possibly related to argument '${name}') - argument must be between 1 and ${max} inclusive`;
        return () => write(n);
      },
    });
    const fixed = (name: string, value: () => string): ConfigParameter => ({ name, get: value });
    // A persistence setting: `check` says what is wrong with a value (Redis's text after the dash) or how to apply it.
    const persistent = (name: string, get: () => string, check: (value: string, p: Persistence) => string | (() => void)): ConfigParameter => ({
      name,
      get,
      set: (value) => {
        const p = this.persistence;
        if (p === null) return `ERR CONFIG SET failed (possibly related to argument '${name}') - this server was made without persistence`;
        const outcome = check(value, p);
        return typeof outcome === 'string' ? `ERR CONFIG SET failed (possibly related to argument '${name}') - ${outcome}` : outcome;
      },
    });
    // A whole number of at least `min` (Redis's numeric configs: its error texts).
    const integer = (name: string, read: () => number, write: (n: number) => void, min: number): ConfigParameter => ({
      name,
      get: () => String(read()),
      set: (value) => {
        const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(n)) return `ERR CONFIG SET failed (possibly related to argument '${name}') - argument couldn't be parsed into an integer`;
        if (n < min) return `ERR CONFIG SET failed (possibly related to argument '${name}') - argument must be between ${min} and 9223372036854775807 inclusive`;
        return () => write(n);
      },
    });
    return [
      fixed('port', () => String(o.port)),
      fixed('bind', () => o.bind),
      fixed('unixsocket', () => o.unixsocket ?? ''),
      {
        name: 'requirepass',
        get: () => o.requirepass,
        set: (v) => () => (o.requirepass = v),
      },
      size('maxclients', () => o.maxclients, (n) => (o.maxclients = n)),
      // One bulk string is one Buffer, which Node caps in size.
      size('proto-max-bulk-len', () => o.protoMaxBulkLen, (n) => (o.protoMaxBulkLen = n), MAX_BULK_LENGTH),
      size('client-query-buffer-limit', () => o.clientQueryBufferLimit, (n) => (o.clientQueryBufferLimit = n)),
      size('client-query-buffer-total-limit', () => o.clientQueryBufferTotalLimit, (n) => (o.clientQueryBufferTotalLimit = n)),
      {
        name: 'loglevel',
        get: () => this.logger.level,
        set: (v) => {
          if (!Logger.isLevel(v)) return `ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning, nothing`;
          return () => {
            this.logger.level = v;
            o.loglevel = v;
          };
        },
      },
      integer('slowlog-log-slower-than', () => this.slowLog.slowerThan, (n) => (this.slowLog.slowerThan = n), -1),
      integer('latency-monitor-threshold', () => this.latency.thresholdMs, (n) => (this.latency.thresholdMs = n), 0),
      integer('slowlog-max-len', () => this.slowLog.maxLength, (n) => {
        this.slowLog.maxLength = n;
        this.slowLog.trim();
      }, 0),
      fixed('databases', () => '1'),
      // The persistence settings, live; a server made without persistence (the library's default) has none to change.
      persistent('save', () => (this.persistence?.options.save ?? []).map((r) => `${r.seconds} ${r.changes}`).join(' '), (v, p) => {
        const rules = parseSaveRules(v);
        return rules === undefined ? 'Invalid save parameters' : () => p.setSaveRules(rules);
      }),
      persistent('appendonly', () => (this.persistence?.options.appendonly ? 'yes' : 'no'), (v, p) => {
        const on = v.toLowerCase();
        return on !== 'yes' && on !== 'no' ? "argument must be 'yes' or 'no'" : () => p.setAppendonly(on === 'yes');
      }),
      persistent('appendfsync', () => this.persistence?.options.appendfsync ?? 'everysec', (v, p) => {
        const policy = v.toLowerCase();
        if (policy !== 'always' && policy !== 'everysec' && policy !== 'no') return 'argument(s) must be one of the following: everysec, always, no';
        return () => p.setAppendfsync(policy);
      }),
      { ...fixed('dir', () => path.resolve(this.persistence?.options.dir ?? '.')), protectedConfig: true },
      { ...fixed('dbfilename', () => this.persistence?.options.dbfilename ?? 'dump.sbdb'), protectedConfig: true },
      fixed('appendfilename', () => this.persistence?.options.appendfilename ?? 'appendonly.aof'),
      persistent('auto-aof-rewrite-percentage', () => String(this.persistence?.options.autoAofRewritePercentage ?? 100), (v, p) => {
        const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isSafeInteger(n)) return "argument couldn't be parsed into an integer";
        if (n < 0 || n > 2147483647) return 'argument must be between 0 and 2147483647 inclusive';
        return () => p.setAutoRewrite({ percentage: n });
      }),
      persistent('auto-aof-rewrite-min-size', () => String(this.persistence?.options.autoAofRewriteMinSize ?? 64 * 1024 * 1024), (v, p) => {
        const n = v === '0' ? 0 : parseMemorySize(v);
        return n === undefined || n < 0 ? 'argument must be a memory value' : () => p.setAutoRewrite({ minSize: n });
      }),
      // What these Redis settings are here: no memory limit, nothing evicted, idle clients never
      // closed, no TCP keepalive probes.
      {
        name: 'maxmemory',
        get: () => String(o.maxmemory),
        set: (v) => {
          const n = v === '0' ? 0 : parseMemorySize(v);
          if (n === undefined || n < 0) return "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value";
          return () => {
            o.maxmemory = n;
            this.opsSampler.sampleMemory();
          };
        },
      },
      {
        name: 'maxmemory-policy',
        get: () => 'noeviction',
        set: (v) => {
          const policy = v.toLowerCase();
          if (!EVICTION_POLICIES.includes(policy)) {
            return `ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: ${EVICTION_POLICIES.join(', ')}`;
          }
          if (policy !== 'noeviction') {
            return `ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - only noeviction is available: this server never evicts keys`;
          }
          return () => undefined;
        },
      },
      // Lua's time limit, under both of Redis 7's names: kept and reported (clients set it), with
      // nothing to limit here (no Lua).
      integer('busy-reply-threshold', () => o.busyReplyThreshold, (n) => (o.busyReplyThreshold = n), 0),
      integer('lua-time-limit', () => o.busyReplyThreshold, (n) => (o.busyReplyThreshold = n), 0),
      fixed('timeout', () => '0'),
      fixed('tcp-keepalive', () => '0'),
      fixed('metrics-port', () => (this.metricsPort === undefined ? '' : String(this.metrics?.port ?? this.metricsPort))),
    ];
  }
}

const MAX_CLIENTS_REPLY = Buffer.from('-ERR max number of clients reached\r\n');

const MAX_BULK_LENGTH = Math.min(buffer.constants.MAX_LENGTH, 4 * 1024 ** 3);

/** Redis's maxmemory-policy values (in its error text's order). */
const EVICTION_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'];

/** Redis 7's text for an unknown command, quoting the start of its arguments. */
function unknownCommand(name: string, args: readonly Buffer[]): string {
  let quoted = '';
  for (let i = 1; i < args.length && quoted.length < 128; i++) {
    quoted += `'${args[i].toString('latin1').slice(0, 128 - quoted.length)}' `;
  }
  return `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${quoted}`;
}

/** Creates a server (not yet listening). */
export function createServer(options: ServerOptions = {}): Server {
  return new Server(options);
}

