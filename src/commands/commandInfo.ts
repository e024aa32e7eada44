import { StormbreakerError } from '../errors';
import { MapReply, Reply, SimpleString } from '../resp/Reply';
import { Command, defineCommand, ServerInfo, word } from './Command';

function info(c: Command): Reply {
  return [
    c.name,
    c.arity,
    c.flags.map((f) => new SimpleString(f)),
    c.firstKey,
    c.lastKey,
    c.keyStep,
    [],
    [],
    [],
    [],
  ];
}

function docs(c: Command): Reply {
  return new MapReply([
    ['summary', c.summary],
    ['since', c.since],
    ['group', c.group],
  ]);
}

function lookup(server: ServerInfo): Map<string, Command> {
  return new Map(Array.from(server.commands(), (c) => [c.name, c]));
}

/** COMMAND [COUNT | INFO name… | DOCS name… | LIST]: enough for redis-cli and client libraries. */
export const command = defineCommand({
  name: 'command',
  arity: -1,
  flags: ['loading', 'stale'],
  group: 'server',
  since: '2.8.13',
  summary: 'Describes the server\'s commands',
  run({ server }, args) {
    const all = Array.from(server.commands());
    if (args.length === 1) return all.map(info);
    const table = lookup(server);
    const names = args.slice(2).map((a) => a.toString('latin1').toLowerCase());
    switch (word(args, 1)) {
      case 'count':
        return all.length;
      case 'list':
        return all.map((c) => c.name);
      case 'info':
        return names.length === 0 ? all.map(info) : names.map((n) => (table.has(n) ? info(table.get(n)!) : null));
      case 'docs': {
        const chosen = names.length === 0 ? all : names.filter((n) => table.has(n)).map((n) => table.get(n)!);
        return new MapReply(chosen.map((c) => [c.name, docs(c)] as const));
      }
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try COMMAND HELP.`);
    }
  },
});
