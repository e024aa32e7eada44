import { PACKAGE_VERSION } from '../version';
import { VerbatimReply } from '../resp/Reply';
import { CommandContext, defineCommand } from './Command';

type Section = (ctx: CommandContext) => Array<[string, string | number]>;

const SECTIONS: Record<string, Section> = {
  server: ({ server }) => [
    ['redis_version', server.version],
    ['stormbreaker_version', PACKAGE_VERSION],
    ['redis_mode', 'standalone'],
    ['os', `${process.platform} ${process.arch}`],
    ['arch_bits', 64],
    ['process_id', process.pid],
    ['tcp_port', server.tcpPort],
    ['uptime_in_seconds', Math.floor((Date.now() - server.startedAt) / 1000)],
    ['executable', process.argv[1] ?? ''],
  ],
  clients: ({ server }) => [
    ['connected_clients', Array.from(server.clients()).length],
    ['maxclients', server.config.find((p) => p.name === 'maxclients')?.get() ?? ''],
  ],
  memory: () => {
    const m = process.memoryUsage();
    return [
      ['used_memory', m.heapUsed + m.external],
      ['used_memory_rss', m.rss],
      ['used_memory_heap', m.heapUsed],
      ['used_memory_external', m.external],
      ['used_memory_array_buffers', m.arrayBuffers],
    ];
  },
  persistence: ({ engine }) => [
    ['loading', 0],
    ['rdb_changes_since_last_save', engine.changes],
    ['aof_enabled', 0],
  ],
  stats: ({ server }) => [
    ['total_connections_received', server.stats.connectionsReceived],
    ['total_commands_processed', server.stats.commandsProcessed],
    ['rejected_connections', server.stats.rejectedConnections],
  ],
  keyspace: ({ engine }) => (engine.size > 0 ? [['db0', `keys=${engine.size},expires=0,avg_ttl=0`]] : []),
};

const DEFAULT = ['server', 'clients', 'memory', 'persistence', 'stats', 'keyspace'];
const TITLE: Record<string, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats', keyspace: 'Keyspace',
};

/** INFO [section …]: `field:value` lines under `# Section` headings, as ioredis and redis-cli read them. */
export const info = defineCommand({
  name: 'info',
  arity: -1,
  flags: ['loading', 'stale'],
  group: 'server',
  summary: 'Returns information and statistics about the server',
  run(ctx, args) {
    const asked = args.slice(1).map((a) => a.toString('latin1').toLowerCase());
    const names = asked.length === 0 || asked.some((a) => a === 'all' || a === 'everything' || a === 'default')
      ? DEFAULT
      : DEFAULT.filter((s) => asked.includes(s));
    const parts = names.map((name) => {
      const lines = SECTIONS[name](ctx).map(([k, v]) => `${k}:${v}\r\n`).join('');
      return `# ${TITLE[name]}\r\n${lines}`;
    });
    return new VerbatimReply(parts.join('\r\n'));
  },
});
