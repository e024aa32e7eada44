import type { CommandStats } from '../observe/CommandStats';
import type { SlowLog } from '../observe/SlowLog';
import type { OpsSampler } from '../observe/OpsSampler';
import type { Monitors } from '../observe/Monitors';
import type { LatencyMonitor } from '../observe/LatencyMonitor';
import type { Engine } from '../engine/Engine';
import type { Persistence } from '../persistence/Persistence';
import type { Reply } from '../resp/Reply';
import type { Protocol } from '../resp/ReplyEncoder';

/** What a command may know of the client that sent it. */
export interface ClientInfo {
  readonly id: number;
  name: string;
  protocol: Protocol;
  authenticated: boolean;
  libName: string;
  libVersion: string;
  readonly address: string;
  readonly localAddress: string;
  readonly createdAt: number;
  lastCommandAt: number;
  lastCommand: string;
  /** Close the connection once this command's reply is written. */
  closeAfterReply(): void;
  /** Close the connection now (CLIENT KILL by another client). */
  kill(): void;
  /** Sends a status line the client did not ask for (MONITOR's feed), in order with its replies. */
  push(line: string): void;
  /** Waiting for a command that runs on a device (INFO's blocked_clients). */
  readonly isBlocked: boolean;
  /** Inside MULTI: the commands queued for EXEC, and whether queuing one failed (EXEC then aborts). */
  transaction: { queued: Buffer[][]; failed: boolean } | null;
  /** The keys WATCHed (internal names), and whether one was written since. */
  readonly watched: { keys: Set<string>; dirty: boolean };
  /** Dispatch does not refuse its commands past maxmemory (a Lua script's: the script decides). */
  readonly ignoresMaxmemory?: boolean;
}

/**
 * A client inside the server, with no connection: the append-only log's replay and scripts'
 * redis.execute run their commands as one.
 */
export function internalClient(name: string, address = ''): ClientInfo {
  const now = Date.now();
  return {
    id: 0, name, protocol: 2, authenticated: true, libName: '', libVersion: '', address, localAddress: address,
    createdAt: now, lastCommandAt: now, lastCommand: '', closeAfterReply: () => undefined, kill: () => undefined, push: () => undefined,
    transaction: null, watched: { keys: new Set(), dirty: false }, isBlocked: false,
  };
}

/** A setting of `CONFIG GET/SET`. */
export interface ConfigParameter {
  readonly name: string;
  /** The live value. */
  get(): string;
  /**
   * Undefined for settings fixed at start-up. Checks a value without applying it: the error text
   * when it is refused, else the change to apply (CONFIG SET applies all of its pairs or none).
   */
  readonly set?: (value: string) => string | (() => void);
  /** Fixed like Redis 7's protected configs (dir, dbfilename): CONFIG SET says so in Redis's words. */
  readonly protectedConfig?: boolean;
}

/** What a command may know of the server. */
export interface ServerInfo {
  readonly version: string;
  readonly startedAt: number;
  readonly port: number;
  readonly tcpPort: number;
  readonly stats: { connectionsReceived: number; commandsProcessed: number; rejectedConnections: number };
  /** INFO commandstats / errorstats. */
  readonly commandStats: CommandStats;
  readonly slowLog: SlowLog;
  /** INFO's instantaneous_ops_per_sec and used_memory_peak. */
  readonly opsSampler: OpsSampler;
  /** Clients in MONITOR mode. */
  readonly monitors: Monitors;
  /** LATENCY's events. */
  readonly latency: LatencyMonitor;
  readonly config: readonly ConfigParameter[];
  readonly requirePassword: () => string;
  clients(): Iterable<ClientInfo>;
  commands(): Iterable<Command>;
  /** The command registered under `name` (lower case), as dispatch finds it. */
  findCommand(name: string): Command | undefined;
  /** Used memory is past maxmemory (noeviction: commands that may add data are refused). */
  overMaxmemory(): boolean;
  /** Largest tensor a client may make (proto-max-bulk-len). */
  maxBulkLength(): number;
  /** The data lives in Redis (--store): CLUSTER answers as one shard owning every slot. */
  readonly storeBacked: boolean;
  /** Snapshots and the append-only log; null when the server keeps nothing on disk. */
  readonly persistence: Persistence | null;
  /** Runs one command as this client (EXEC's queued commands); the reply may be a promise. */
  runAs(client: ClientInfo, args: Buffer[]): Reply | Promise<Reply>;
  /** Starts or stops noticing writes to `client`'s watched keys. */
  watch(client: ClientInfo, names: readonly string[]): void;
  unwatch(client: ClientInfo): void;
  /** Writes a warning to the server's log (nothing where there is no log, as in the library). */
  logWarning(line: string): void;
  /** Writes a notice-level line (model loads). */
  logNotice(line: string): void;
  /** SHUTDOWN: saves (when asked, or when save rules exist), closes the log, stops serving. */
  shutdown(save?: boolean): Promise<void>;
}

export interface CommandContext {
  readonly engine: Engine;
  readonly client: ClientInfo;
  readonly server: ServerInfo;
}

/** One command: its metadata (for COMMAND and dispatch) and its behaviour. */
export interface Command {
  /** Lower-case, as Redis registers it (`ai.tensorset`). */
  readonly name: string;
  /** Redis convention: N exactly N arguments (name included), -N at least N. */
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  /**
   * It queues work on a device (a model load or run, a script compile or call, a DAG). Scripts
   * may not call such a command: the script holds the device thread it would wait for.
   */
  readonly runsOnDevice: boolean;
  /** Read-only with key arguments: its key lookups count as INFO's keyspace_hits/misses (derived from flags and keys). */
  readonly readsKeys: boolean;
  /** May add data (flag denyoom): refused past maxmemory. */
  readonly denyOom: boolean;
  /**
   * Every key the command may read or write, for a store that fetches them all before it runs
   * (Keyspace.load): AI commands' INPUTS, OUTPUTS, KEYS, LOAD and PERSIST as well as their model
   * or script. `'all'` for a command over the whole keyspace (SCAN, FLUSHALL). Derived from
   * firstKey/lastKey/keyStep unless the command's syntax needs more. Tolerant of malformed
   * arguments: the command itself reports those.
   */
  keysOf(args: readonly Buffer[], client: ClientInfo, server: ServerInfo): CommandKeys;
  /**
   * It needs only what its keys are, not their data (AI.TENSORGET … META): a store that keeps the
   * data elsewhere then moves no blob (Keyspace.load's metaOnly).
   */
  readsOnlyMeta?(args: readonly Buffer[]): boolean;
  /** Returns the reply, or a promise of it; throws StormbreakerError for an error reply. */
  run(ctx: CommandContext, args: Buffer[]): Reply | Promise<Reply>;
}

/** What Command.keysOf answers: the keys (as sent), or every key. */
export type CommandKeys = readonly Buffer[] | 'all';

const NO_KEYS: readonly Buffer[] = [];

/** keysOf of a command over the whole keyspace. */
export const everyKey = (): CommandKeys => 'all';

/** The keys at firstKey…lastKey (negative: from the end), every keyStep: Redis's legacy key spec. */
export function keysBySpec(args: readonly Buffer[], firstKey: number, lastKey: number, keyStep: number): readonly Buffer[] {
  if (firstKey <= 0 || keyStep <= 0) return NO_KEYS;
  const last = lastKey < 0 ? args.length + lastKey : Math.min(lastKey, args.length - 1);
  const keys: Buffer[] = [];
  for (let i = firstKey; i <= last; i += keyStep) keys.push(args[i]);
  return keys;
}


/** Fills in the metadata most commands share. */
export function defineCommand(
  spec: Partial<Omit<Command, 'readsKeys' | 'denyOom'>> & Pick<Command, 'name' | 'arity' | 'run' | 'summary'>,
): Command {
  const command = {
    flags: [],
    firstKey: 0,
    lastKey: 0,
    keyStep: 0,
    group: 'generic',
    since: '1.0.0',
    runsOnDevice: false,
    ...spec,
  };
  const { firstKey, lastKey, keyStep } = command;
  return {
    keysOf: (args: readonly Buffer[]) => keysBySpec(args, firstKey, lastKey, keyStep),
    ...command,
    readsKeys: command.flags.includes('readonly') && command.firstKey > 0,
    denyOom: command.flags.includes('denyoom'),
  };
}

/** The argument at `i` as lower-case ASCII (subcommands, options). */
export function word(args: readonly Buffer[], i: number): string {
  return args[i].toString('latin1').toLowerCase();
}

/**
 * An AI.* command (group `ai`). Each names at most one key, at argument `key`: that is what
 * RedisAI registers as first key = last key, step 1 (none when `key` is absent).
 */
export function defineAiCommand(
  spec: Omit<Partial<Command>, 'firstKey' | 'lastKey' | 'keyStep' | 'group' | 'readsKeys' | 'denyOom'> & Pick<Command, 'name' | 'arity' | 'run' | 'summary'> & { key?: number },
): Command {
  const { key, ...rest } = spec;
  return defineCommand({ ...rest, group: 'ai', firstKey: key ?? 0, lastKey: key ?? 0, keyStep: key === undefined ? 0 : 1 });
}
