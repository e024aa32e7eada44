import { StormbreakerError } from '../errors';
import { scriptingOf } from './luaScripting/LuaScripting';
import { OK, Reply } from '../resp/Reply';
import { parseInt64 } from '../util/redisNumbers';
import { ClientInfo, Command, CommandKeys, defineCommand, ServerInfo, word } from './Command';
import type { Buffer } from 'node:buffer';

// Redis's EVAL scripting (src/lua/LuaScripting.ts runs the scripts): EVAL, EVALSHA, their
// read-only forms, and SCRIPT. Redis 7's Functions (FUNCTION, FCALL) are not offered: refused by
// name, saying so.

export const FUNCTIONS_UNAVAILABLE =
  'ERR Redis Functions (FUNCTION, FCALL) are not available on this server; EVAL and EVALSHA scripts are';

/** The keys an EVAL names (numkeys after the script), tolerant of malformed arguments. */
function evalKeys(args: readonly Buffer[]): CommandKeys {
  const n = args.length > 2 ? Number(args[2].toString('latin1')) : 0;
  if (!Number.isInteger(n) || n <= 0 || n > args.length - 3) return [];
  return args.slice(3, 3 + n);
}

/** numkeys, KEYS and ARGV of an EVAL-like command, with Redis's checks and texts. */
function splitArguments(args: Buffer[]): { keys: Buffer[]; argv: Buffer[] } {
  const n = parseInt64(args[2].toString('latin1'));
  if (n === undefined) throw new StormbreakerError('ERR value is not an integer or out of range');
  if (n > args.length - 3) throw new StormbreakerError("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw new StormbreakerError("ERR Number of keys can't be negative");
  const count = Number(n);
  return { keys: args.slice(3, 3 + count), argv: args.slice(3 + count) };
}

const evalLike = (name: string, readOnly: boolean, bySha: boolean): Command => {
  const command = defineCommand({
    name, arity: -3, group: 'scripting', since: readOnly ? '7.0.0' : '2.6.0',
    // As Redis 7's COMMAND shows them (movablekeys: the keys are counted by numkeys).
    flags: [...(readOnly ? ['readonly'] : []), 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'],
    summary: bySha ? 'Runs a loaded Lua script by its SHA1' : 'Runs a Lua script',
    run({ server, engine }, args): Reply | Promise<Reply> {
      const { keys, argv } = splitArguments(args);
      const scripting = scriptingOf(server);
      // A script is one unit in the append-only log (MULTI … EXEC), as Redis logs it.
      return bySha
        ? scripting.evalSha(args[1].toString('latin1'), keys, argv, readOnly, engine)
        : scripting.eval(args[1], keys, argv, readOnly, engine);
    },
  });
  return { ...command, keysOf: (args: readonly Buffer[], _client: ClientInfo, _server: ServerInfo) => evalKeys(args) };
};

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

export const script = defineCommand({
  name: 'script', arity: -2, flags: ['noscript'], group: 'scripting', since: '2.6.0',
  summary: 'Loads, lists and flushes Lua scripts',
  run({ server }, args): Reply | Promise<Reply> {
    const sub = word(args, 1);
    const scripting = scriptingOf(server);
    if (sub === 'load' && args.length === 3) return scripting.load(args[2]);
    if (sub === 'exists' && args.length >= 3) return args.slice(2).map((sha) => (scripting.exists(sha.toString('latin1')) ? 1 : 0));
    if (sub === 'flush' && args.length <= 3) {
      if (args.length === 3 && !['sync', 'async'].includes(word(args, 2))) throw new StormbreakerError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      scripting.flush();
      return OK;
    }
    // Scripts run on the event loop: while one runs, nothing else does, so none is ever running here.
    if (sub === 'kill' && args.length === 2) throw new StormbreakerError('NOTBUSY No scripts in execution right now.');
    if (sub === 'help' && args.length === 2) return SCRIPT_HELP;
    if (sub === 'debug' && args.length === 3) throw new StormbreakerError('ERR SCRIPT DEBUG (the Lua debugger) is not available on this server');
    if (['load', 'exists', 'flush', 'kill', 'help', 'debug'].includes(sub)) throw new StormbreakerError(`ERR wrong number of arguments for 'script|${sub}' command`);
    throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try SCRIPT HELP.`);
  },
});

const functionsRefused = (name: string, arity: number) => defineCommand({
  name, arity, flags: ['noscript'], group: 'scripting', since: '7.0.0', summary: 'Refused: Redis Functions are not offered',
  run() {
    throw new StormbreakerError(FUNCTIONS_UNAVAILABLE);
  },
});

export const luaCommands = [
  evalLike('eval', false, false), evalLike('evalsha', false, true), evalLike('eval_ro', true, false), evalLike('evalsha_ro', true, true),
  script, functionsRefused('function', -2), functionsRefused('fcall', -3), functionsRefused('fcall_ro', -3),
];
