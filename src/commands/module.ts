import * as path from 'node:path';
import { StormbreakerError } from '../errors';
import { ADDON_FOLDER } from '../native';
import { defineCommand, word } from './Command';

// MODULE LIST answers with the one module RedisAI clients and tools probe for (`ai`, as INFO
// MODULES also shows it); loading or unloading modules is refused with Redis 7's own text for a
// server whose enable-module-command is off.

const NOT_ALLOWED = 'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, ' +
  'otherwise you need to set this option in the configuration file, and then restart the server.';

export const moduleCommand = defineCommand({
  name: 'module', arity: -2, flags: ['admin', 'noscript'], group: 'server', since: '4.0.0',
  summary: 'Lists the loaded module (ai); loading modules is not possible',
  run(_ctx, args) {
    switch (word(args, 1)) {
      case 'list':
        return [['name', 'ai', 'ver', 999999, 'path', path.join(ADDON_FOLDER, 'stormbreaker.node'), 'args', []]];
      case 'load':
      case 'loadex':
      case 'unload':
        throw new StormbreakerError(NOT_ALLOWED);
      case 'help':
        return ['MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'LIST', '    Return a list of loaded modules.',
          'LOAD, LOADEX, UNLOAD', '    Refused: Stormbreaker has RedisAI built in and loads no modules.', 'HELP', '    Print this help.'];
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try MODULE HELP.`);
    }
  },
});
