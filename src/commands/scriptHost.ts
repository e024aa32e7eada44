import { Buffer } from 'node:buffer';
import type { Engine } from '../engine/Engine';
import { StormbreakerError } from '../errors';
import type { HostReply, ScriptHostHandler } from '../native';
import { native } from '../native';
import { DoubleReply, ErrorReply, FloatsReply, MapReply, Reply, SimpleString, VerbatimReply } from '../resp/Reply';
import { internalClient, ServerInfo } from './Command';
import { keyName } from '../store/keyName';

/** A command's reply as TorchScript sees it: nil → None, string → str, integer → int, array → list. */
function toHost(reply: Reply): HostReply {
  if (reply === null || typeof reply === 'number' || typeof reply === 'bigint' || typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  if (Array.isArray(reply)) return (reply as readonly Reply[]).map(toHost);
  if (reply instanceof SimpleString) return reply.value;
  if (reply instanceof ErrorReply) return { error: reply.message };
  if (reply instanceof DoubleReply) return reply.text;
  if (reply instanceof FloatsReply) return reply.bytes.byteLength === 0 ? [] : native.formatFloats(reply.bytes, reply.isDouble).split(' ');
  if (reply instanceof VerbatimReply) return reply.text;
  if (reply instanceof MapReply) return reply.entries.flatMap(([k, v]) => [toHost(k), toHost(v)]);
  return null;
}

/**
 * Runs the commands scripts send through redis.execute with `server`'s own commands and settings
 * (a live view: commands added later and CONFIG SET apply), as an internal client, against
 * `engine`'s keyspace. What they write reaches the log through the engine's write path, as the
 * writes themselves (spec §13: the script call itself is not logged). Commands that run on a
 * device are refused: the script itself holds the device thread they would wait for.
 */
export function makeScriptHost(engine: Engine, server: ServerInfo): ScriptHostHandler {
  const client = internalClient('script', 'script:0');
  return {
    execute(argv) {
      const command = server.findCommand(argv[0].toString('latin1').toLowerCase());
      // Rejected before running, as Redis's RM_Call does: errno EINVAL.
      if (command === undefined) return { error: 'Invalid argument' };
      if ((command.arity > 0 && argv.length !== command.arity) || (command.arity < 0 && argv.length < -command.arity)) {
        return { error: 'Invalid argument' };
      }
      if (command.runsOnDevice) return { error: `ERR ${command.name} cannot be called from a script` };
      // As in Redis: server administration (CONFIG, SAVE, SHUTDOWN, AI.CONFIG, …) is not for scripts.
      if (command.flags.includes('noscript')) return { error: 'ERR This Redis command is not allowed from script' };
      try {
        const result = command.run({ engine, client, server }, argv);
        if (result instanceof Promise) {
          result.catch(() => undefined);
          return { error: `ERR ${command.name} cannot be called from a script` };
        }
        return toHost(result);
      } catch (err) {
        return { error: err instanceof StormbreakerError ? err.message : String(err) };
      }
    },
    modelExecute(key) {
      return engine.loadedModel(keyName(key), engine.getModel(key));
    },
  };
}
