import type { Engine } from '../engine/Engine';
import { StormbreakerError } from '../errors';
import type { HostReply, ScriptHostHandler } from '../native';
import { DoubleReply, ErrorReply, MapReply, Reply, SimpleString, VerbatimReply } from '../resp/Reply';
import type { ClientInfo, ServerInfo } from './Command';
import { commandTable } from './index';
import { keyName } from '../store/keyName';
import { loggedAsSent } from '../persistence/loggedCommands';

/** Commands that queue work on a device: the script holds its device thread, so they would wait on it. */
const DEVICE_COMMANDS = new Set([
  'ai.modelstore', 'ai.modelset', 'ai.modelexecute', 'ai.modelrun', 'ai.scriptstore', 'ai.scriptset', 'ai.scriptexecute', 'ai.scriptrun',
  'ai.dagexecute', 'ai.dagexecute_ro', 'ai.dagrun', 'ai.dagrun_ro',
]);

/** A command's reply as TorchScript sees it: nil → None, string → str, integer → int, array → list. */
function toHost(reply: Reply): HostReply {
  if (reply === null || typeof reply === 'number' || typeof reply === 'bigint' || typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  if (Array.isArray(reply)) return (reply as readonly Reply[]).map(toHost);
  if (reply instanceof SimpleString) return reply.value;
  if (reply instanceof ErrorReply) return { error: reply.message };
  if (reply instanceof DoubleReply) return reply.text;
  if (reply instanceof VerbatimReply) return reply.text;
  if (reply instanceof MapReply) return reply.entries.flatMap(([k, v]) => [toHost(k), toHost(v)]);
  return null;
}

/**
 * Runs the commands scripts send through redis.execute, against `engine`'s keyspace, as an
 * internal client. Commands that would block (model, script and DAG execution) are refused: the
 * script itself holds the device thread they would wait for.
 */
export function makeScriptHost(engine: Engine): ScriptHostHandler {
  const table = commandTable();
  const client: ClientInfo = {
    id: 0, name: 'script', protocol: 2, authenticated: true, libName: '', libVersion: '', address: 'script:0',
    localAddress: 'script:0', createdAt: Date.now(), lastCommandAt: Date.now(), lastCommand: 'NULL',
    closeAfterReply: () => undefined,
  };
  const server: ServerInfo = {
    version: '7.0.15', startedAt: Date.now(), port: 0, tcpPort: 0,
    stats: { connectionsReceived: 0, commandsProcessed: 0, rejectedConnections: 0 },
    config: [], requirePassword: () => '', clients: () => [client], commands: () => table.values(),
    maxBulkLength: () => 512 * 1024 * 1024,
    persistence: null,
    shutdown: () => Promise.reject(new StormbreakerError('ERR SHUTDOWN cannot be called from a script')),
  };
  return {
    execute(argv) {
      const command = table.get(argv[0].toString('latin1').toLowerCase());
      // Rejected before running, as Redis's RM_Call does: errno EINVAL.
      if (command === undefined) return { error: 'Invalid argument' };
      if ((command.arity > 0 && argv.length !== command.arity) || (command.arity < 0 && argv.length < -command.arity)) {
        return { error: 'Invalid argument' };
      }
      if (DEVICE_COMMANDS.has(command.name)) return { error: `ERR ${command.name} cannot be called from a script` };
      try {
        const result = command.run({ engine, client, server }, argv);
        if (result instanceof Promise) {
          result.catch(() => undefined);
          return { error: `ERR ${command.name} cannot be called from a script` };
        }
        // A script's writes are logged as the commands it called (spec §13).
        if (!(result instanceof ErrorReply) && loggedAsSent(command)) engine.writeLog?.(argv);
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
