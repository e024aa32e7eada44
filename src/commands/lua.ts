import { StormbreakerError } from '../errors';
import { defineCommand } from './Command';

// Redis's Lua scripting. The embedded store has no Lua interpreter; refusing these commands by
// name (instead of "unknown command") tells a client why, and keeps every other client's view of
// the keyspace safe from half-run scripts. A Redis-backed store could forward them.

export const LUA_UNAVAILABLE =
  'ERR Lua scripting (EVAL, EVALSHA, SCRIPT, FUNCTION, FCALL) is not available on this server: its embedded store does not run Lua';

const refused = (name: string, arity: number) => defineCommand({
  name, arity, flags: ['noscript'], group: 'scripting', summary: 'Refused: the embedded store does not run Lua',
  run() {
    throw new StormbreakerError(LUA_UNAVAILABLE);
  },
});

export const luaCommands = [
  refused('eval', -3), refused('evalsha', -3), refused('eval_ro', -3), refused('evalsha_ro', -3),
  refused('script', -2), refused('function', -2), refused('fcall', -3), refused('fcall_ro', -3),
];
