import { scriptingOf } from './luaScripting/LuaScripting';
import { randomBytes } from 'node:crypto';
import { PACKAGE_VERSION } from '../version';
import { BACKENDS } from '../model/Model';
import { native, QueueStats } from '../native';
import { VerbatimReply } from '../resp/Reply';
import { CommandContext, defineCommand } from './Command';
import { keyspaceExpiries } from './expiry';

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
  clients: ({ server }) => {
    const clients = Array.from(server.clients());
    return [
      ['connected_clients', clients.length],
      ['maxclients', server.config.find((p) => p.name === 'maxclients')?.get() ?? ''],
      ['blocked_clients', clients.filter((c) => c.isBlocked).length],
    ];
  },
  memory: ({ server }) => {
    const m = process.memoryUsage();
    const used = m.heapUsed + m.external;
    const peak = server.opsSampler.peakMemory(used);
    const lua = scriptingOf(server).memoryInfo();
    return [
      ['used_memory', used],
      ['used_memory_human', humanBytes(used)],
      ['used_memory_peak', peak],
      ['used_memory_peak_human', humanBytes(peak)],
      ['used_memory_rss', m.rss],
      ['used_memory_heap', m.heapUsed],
      ['used_memory_external', m.external],
      ['used_memory_array_buffers', m.arrayBuffers],
      ['used_memory_lua', lua.luaBytes],
      ['used_memory_lua_human', humanBytes(lua.luaBytes)],
      ['number_of_cached_scripts', lua.scripts],
      ['used_memory_scripts', lua.scriptBytes],
      ['used_memory_scripts_human', humanBytes(lua.scriptBytes)],
      // Tensors, models and V8's own memory all come from glibc's malloc: no jemalloc here.
      ['mem_allocator', 'libc'],
    ];
  },
  persistence: ({ engine, server }) => server.persistence?.info() ?? [
    ['loading', 0],
    ['rdb_changes_since_last_save', engine.changes],
    ['aof_enabled', 0],
  ],
  stats: ({ engine, server }) => [
    ['total_connections_received', server.stats.connectionsReceived],
    ['total_commands_processed', server.stats.commandsProcessed],
    ['instantaneous_ops_per_sec', server.opsSampler.opsPerSecond],
    ['rejected_connections', server.stats.rejectedConnections],
    ['expired_keys', engine.keyspaceStats.expired], ['evicted_keys', 0],
    ['keyspace_hits', engine.keyspaceStats.hits], ['keyspace_misses', engine.keyspaceStats.misses],
    ['total_error_replies', server.commandStats.totalErrorReplies],
  ],
  // A server with no replicas, as Redis reports one (tools read role and the offsets).
  replication: () => [
    ['role', 'master'], ['connected_slaves', 0], ['master_failover_state', 'no-failover'], ['master_replid', REPLICATION_ID],
    ['master_replid2', '0'.repeat(40)], ['master_repl_offset', 0], ['second_repl_offset', -1], ['repl_backlog_active', 0],
    ['repl_backlog_size', 1048576], ['repl_backlog_first_byte_offset', 0], ['repl_backlog_histlen', 0],
  ],
  cpu: () => {
    const all = process.cpuUsage();
    const main = native.mainThreadCpu();
    return [
      ['used_cpu_sys', seconds(all.system / 1e6)], ['used_cpu_user', seconds(all.user / 1e6)],
      ['used_cpu_sys_children', seconds(0)], ['used_cpu_user_children', seconds(0)],
      ['used_cpu_sys_main_thread', seconds(main.sys)], ['used_cpu_user_main_thread', seconds(main.user)],
    ];
  },
  commandstats: ({ server }) => server.commandStats.commandLines(),
  errorstats: ({ server }) => server.commandStats.errorLines(),
  keyspace: ({ engine }) => {
    if (engine.size === 0) return [];
    const { expires, avgTtl } = keyspaceExpiries(engine);
    return [['db0', `keys=${engine.size},expires=${expires},avg_ttl=${avgTtl}`]];
  },
};

/** This process's replication id (Redis makes a random one at start-up). */
const REPLICATION_ID = randomBytes(20).toString('hex');

const seconds = (s: number) => s.toFixed(6);

/** Redis's used_memory_human: 1.23M, 456.78K, 2.00G. */
function humanBytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${n.toFixed(2)}${units[i]}`;
}

/** RedisAI's sections (spec §12), after `# Modules`; the text holds no other `#` (clients split on it). */
function aiSections({ engine }: CommandContext): string {
  const s = engine.settings;
  const tf = native.backendVersion('TF');
  const tflite = native.backendVersion('TFLITE');
  const torch = native.backendVersion('TORCH');
  const onnx = native.backendVersion('ONNX');
  const onnxMemory = native.backendMemory('ONNX');
  const threads = native.queueStats().reduce((n, q) => n + q.threadCpuSeconds.length, 0);
  const main = native.mainThreadCpu();
  const total = process.cpuUsage();
  const queueStats = native.queueStats();
  const queues = queueStats.flatMap((q) =>
    q.threadCpuSeconds.map((cpu, i) => `ai_queue_${q.device}_bthread_n${i + 1}_used_cpu_total:${seconds(cpu)}\r\n`));
  return (
    '# Modules\r\nmodule:name=ai,ver=999999,api=1,filters=0,usedby=[],using=[],options=[handle-io-errors]\r\n\r\n' +
    `# ai_versions\r\nai_RedisAI_version:99.99.99\r\nai_low_level_API_version:1\r\nai_rdb_version:4\r\n\r\n` +
    `# ai_git\r\nai_git_sha:unknown\r\n\r\n` +
    `# ai_load_time_configs\r\nai_threads_per_queue:${s.threadsPerQueue}\r\nai_inter_op_parallelism:${s.interOpParallelism}\r\n` +
    `ai_intra_op_parallelism:${s.intraOpParallelism}\r\nai_model_execution_timeout:${s.modelExecutionTimeout}\r\nai_backend_memory_limit:${s.backendMemoryLimit}\r\n\r\n` +
    '# ai_backends_info\r\n' +
    (tf !== null ? `ai_TensorFlow_version:${tf}\r\n` : '') +
    (tflite !== null ? `ai_TensorFlowLite_version:${tflite}\r\n` : '') +
    (torch !== null ? `ai_Torch_version:${torch}\r\n` : '') +
    (onnx !== null
      // Counted by the ONNX backend's own allocator, which every CPU session uses (tracked_allocator.h).
      ? `ai_onnxruntime_version:${onnx}\r\n` +
        (onnxMemory !== null
          ? `ai_onnxruntime_memory:${onnxMemory.bytes}\r\nai_onnxruntime_memory_access_num:${onnxMemory.allocations}\r\n`
          : '') +
        `ai_onnxruntime_maximum_run_sessions_number:${threads}\r\n`
      : '') + '\r\n' +
    `# ai_cpu\r\nai_self_used_cpu_sys:${seconds(total.system / 1e6)}\r\nai_self_used_cpu_user:${seconds(total.user / 1e6)}\r\n` +
    `ai_children_used_cpu_sys:0.000000\r\nai_children_used_cpu_user:0.000000\r\n` +
    `ai_main_thread_used_cpu_sys:${seconds(main.sys)}\r\nai_main_thread_used_cpu_user:${seconds(main.user)}\r\n` +
    queues.join('') +
    // Ours, after RedisAI's sections (clients index those by position).
    `\r\n# ai_queues\r\nai_queue_limit:${s.queueLimit}\r\n` + queueStats.map(queueLines).join('') +
    // The libraries' own versions: RedisAI's ai_Torch_version says NA above, for its clients.
    `\r\n# ai_libraries\r\n` + BACKENDS.map((b) => native.backendLibraryVersion(b)).map((v, i) => (v === null ? '' : `ai_library_${BACKENDS[i]}_version:${v}\r\n`)).join('')
  );
}

/** One queue's load: what waits and runs now, and how well autobatching merges requests. */
function queueLines(q: QueueStats): string {
  const p = `ai_queue_${q.device}_`;
  const meanBatch = q.batches > 0 ? (q.batchedRuns / q.batches).toFixed(2) : '0';
  return `${p}pending:${q.pending}\r\n${p}running:${q.running}\r\n${p}batches:${q.batches}\r\n` +
    `${p}batched_runs:${q.batchedRuns}\r\n${p}mean_batch_size:${meanBatch}\r\n${p}rejected:${q.rejected}\r\n`;
}

// In Redis's order; commandstats only when asked for by name or with all/everything.
const DEFAULT = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'errorstats', 'keyspace'];
const ALL = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'commandstats', 'errorstats', 'keyspace'];
const TITLE: Record<string, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats', replication: 'Replication',
  cpu: 'CPU', commandstats: 'Commandstats', errorstats: 'Errorstats', keyspace: 'Keyspace',
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
    const everything = asked.some((a) => a === 'all' || a === 'everything');
    const names = everything ? ALL : asked.length === 0 || asked.includes('default')
      ? DEFAULT
      : ALL.filter((s) => asked.includes(s));
    const parts = names.map((name) => {
      const lines = SECTIONS[name](ctx).map(([k, v]) => `${k}:${v}\r\n`).join('');
      return `# ${TITLE[name]}\r\n${lines}`;
    });
    if (everything || asked.includes('modules')) parts.push(aiSections(ctx));
    return new VerbatimReply(parts.join('\r\n'));
  },
});
