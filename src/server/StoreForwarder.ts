// With --store, the commands that are not AI.* go to the Redis that keeps the data, so users keep
// all of Redis (and Redis checks their arguments). What runs on this node instead: the AI
// commands, connection and server commands about this node, and the few Redis commands that
// must see AI values as this node does (DEL and UNLINK delete a chunked model's chunks, TYPE
// names AI types).
import { Buffer } from 'node:buffer';
import type { Command } from '../commands/Command';
import { StormbreakerError } from '../errors';
import { ErrorReply, Reply, SimpleString } from '../resp/Reply';
import type { RedisArg, RedisConnection } from '../store/redis/RedisConnection';

/** Commands a node with --store runs itself (besides the AI.* group). */
const RUN_HERE = new Set([
  'ping', 'echo', 'hello', 'auth', 'client', 'quit', 'reset', 'select', 'command', 'info', 'config', 'monitor',
  'slowlog', 'latency', 'cluster', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'shutdown', 'module', 'readonly', 'readwrite',
  'asking', 'del', 'unlink', 'type', 'debug',
]);

/** Commands that run here and need only what their keys are, not their values. */
export const META_ONLY = new Set(['del', 'unlink', 'type']);

/** Commands over the whole keyspace: every primary of a cluster answers its part. */
const ON_EVERY_PRIMARY = new Set(['keys', 'dbsize', 'flushall', 'flushdb', 'scan', 'randomkey']);

/** Whether a node with --store runs `command` itself (an unknown command goes to Redis). */
export function runsHere(command: Command | undefined): boolean {
  return command !== undefined && (command.group === 'ai' || RUN_HERE.has(command.name));
}

export class StoreForwarder {
  constructor(private readonly connection: RedisConnection) {}

  /** Sends one client command to Redis; its reply as this server writes replies. */
  async forward(args: readonly Buffer[], command: Command | undefined, keys: readonly Buffer[]): Promise<Reply> {
    const name = args[0].toString('latin1').toLowerCase();
    try {
      if (ON_EVERY_PRIMARY.has(name) && this.connection.clustered) return await this.fanOut(name, args);
      return asReply(await this.connection.send(args, keys[0], command?.flags.includes('readonly') ?? false));
    } catch (err) {
      return errorOf(err);
    }
  }

  /** A transaction of forwarded commands, as one MULTI … EXEC on the node of its first key. */
  async transaction(queued: ReadonlyArray<readonly Buffer[]>, routeKey: Buffer | undefined): Promise<Reply> {
    try {
      const replies = await this.connection.pipeline([['MULTI'], ...queued, ['EXEC']], routeKey);
      const exec = replies[replies.length - 1];
      if (exec instanceof Error) return errorOf(exec);
      return asReply(exec);
    } catch (err) {
      return errorOf(err);
    }
  }

  private async fanOut(name: string, args: readonly Buffer[]): Promise<Reply> {
    if (name === 'scan') return this.scan(args);
    const replies = await this.connection.onEveryPrimary(args);
    switch (name) {
      case 'keys':
        return (replies as Buffer[][]).flat();
      case 'dbsize':
        return (replies as number[]).reduce((a, b) => a + b, 0);
      case 'randomkey':
        return asReply((replies as Array<Buffer | null>).find((r) => r !== null) ?? null);
      default:
        return asReply(replies[0]);
    }
  }

  /** SCAN over every primary in turn: the cursor is the node's own times the number of primaries, plus which one. */
  private async scan(args: readonly Buffer[]): Promise<Reply> {
    const nodes = BigInt(this.connection.primaryCount);
    const text = args[1]?.toString('latin1') ?? '';
    if (!/^\d+$/.test(text)) throw new StormbreakerError('ERR invalid cursor');
    const cursor = BigInt(text);
    let index = cursor % nodes;
    let own = cursor / nodes;
    const [next, keys] = await this.connection.onPrimary(Number(index), ['SCAN', String(own), ...args.slice(2)]) as [Buffer, Buffer[]];
    own = BigInt(next.toString('latin1'));
    if (own === 0n) index++;
    const combined = index >= nodes ? 0n : own * nodes + index;
    return [Buffer.from(String(combined)), keys];
  }
}

/** A node-redis reply as a Reply: Buffers are bulk strings, strings are status replies. */
export function asReply(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return new SimpleString(value);
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof Error) return new ErrorReply(value.message);
  if (Array.isArray(value)) return value.map(asReply);
  return new ErrorReply(`ERR unexpected reply from the store: ${String(value)}`);
}

function errorOf(err: unknown): ErrorReply {
  // RedisConnection turns every failure into a StormbreakerError with the text to send.
  return err instanceof StormbreakerError ? new ErrorReply(err.message) : new ErrorReply(`ERR ${String(err)}`);
}
