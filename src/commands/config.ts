import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { globMatch } from '../util/globMatch';
import { defineCommand, word } from './Command';

/** CONFIG GET pattern… | SET name value [name value …] | RESETSTAT */
export const config = defineCommand({
  name: 'config',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  group: 'server',
  since: '2.0.0',
  summary: 'Reads and changes the server\'s settings',
  run({ engine, server }, args) {
    const sub = word(args, 1);
    switch (sub) {
      case 'get': {
        if (args.length < 3) throw new StormbreakerError(Errors.wrongArity('config|get'));
        const patterns = args.slice(2).map((a) => a.toString('latin1').toLowerCase());
        const out: string[] = [];
        for (const p of server.config) {
          if (patterns.some((pattern) => globMatch(pattern, p.name))) out.push(p.name, p.get());
        }
        return out;
      }
      case 'set': {
        if (args.length < 4 || args.length % 2 !== 0) throw new StormbreakerError(Errors.wrongArity('config|set'));
        // Check every pair first so that a refused value changes nothing, as Redis does.
        const changes: Array<() => void> = [];
        for (let i = 2; i < args.length; i += 2) {
          const name = args[i].toString('latin1');
          const parameter = server.config.find((p) => p.name === name.toLowerCase());
          if (parameter === undefined) {
            throw new StormbreakerError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
          }
          if (parameter.set === undefined) {
            throw new StormbreakerError(`ERR CONFIG SET failed (possibly related to argument '${name}') - can't set ${parameter.protectedConfig ? 'protected' : 'immutable'} config`);
          }
          const change = parameter.set(args[i + 1].toString('latin1'));
          if (typeof change === 'string') throw new StormbreakerError(change);
          changes.push(change);
        }
        for (const apply of changes) apply();
        return OK;
      }
      case 'resetstat':
        server.stats.commandsProcessed = 0;
        server.stats.connectionsReceived = 0;
        server.stats.rejectedConnections = 0;
        server.commandStats.reset();
        Object.assign(engine.keyspaceStats, { hits: 0, misses: 0, expired: 0 });
        return OK;
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try CONFIG HELP.`);
    }
  },
});
