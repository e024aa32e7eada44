import { parseMemorySize } from '../util/memorySize';
import { Logger } from '../observe/Logger';
import type { ServerOptions } from './Server';
import { parseSaveRules, SaveRule } from '../persistence/Persistence';
import { BACKENDS, parseBackend } from '../model/Model';
import { MAX_AWAKE_MICROS } from '../engine/keepLoopAwake';
import { parseStoreUrl } from '../store/redis/storeUrl';
import { STORE_NO_PERSISTENCE } from './StoreMode';

const USAGE = `Usage: stormbreaker-server [-v|--version] [-h|--help] [--port <port>] [--bind <address>] [--unixsocket <path>]
                          [--requirepass <password>] [--maxclients <n>] [--maxmemory <bytes>] [--loglevel debug|verbose|notice|warning]
                          [--proto-max-bulk-len <size>] [--client-query-buffer-limit <size>] [--client-query-buffer-total-limit <size>]
                          [--threads-per-queue <n>] [--queue-limit <n>] [--intra-op-parallelism <n>] [--inter-op-parallelism <n>]
                          [--backendspath <dir>] [--model-chunk-size <bytes>] [--model-execution-timeout <ms>]
                          [--backend-memory-limit <MB>] [--load-backends <list>] [--enable-loadbackend-any-path yes|no]
                          [--enable-tf-io-ops yes|no] [--enable-torchscript-file-ops yes|no]
                          [--dir <folder>] [--dbfilename <file>] [--save "<seconds> <changes> …"]
                          [--appendonly yes|no] [--appendfsync always|everysec|no] [--appendfilename <file>]
                          [--auto-aof-rewrite-percentage <n>] [--auto-aof-rewrite-min-size <size>]
                          [--metrics-port <port>] [--busy-poll-us <µs>] [--sockets native|node]
                          [--store <redis URL>] [--redis-wait <replicas> [<timeout ms>]] [--store-inline-model <size>]
                          [--store-model-chunk <size>] [--store-command-timeout <ms>]`;

/** Reads redis-server style flags (`--port 6380`); throws an Error with the usage on bad input. */
export function parseServerArgs(argv: readonly string[]): ServerOptions & { help?: boolean; version?: boolean } {
  const options: ServerOptions & { help?: boolean; version?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '-h' || flag === '--help') {
      options.help = true;
      continue;
    }
    if (flag === '-v' || flag === '--version') {
      options.version = true;
      continue;
    }
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`Bad argument '${flag}'\n${USAGE}`);
    i++;
    const integer = () => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got '${value}'`);
      return n;
    };
    const size = () => {
      const n = parseMemorySize(value);
      if (n === undefined || n <= 0) throw new Error(`${flag} needs a size such as 512mb, got '${value}'`);
      return n;
    };
    switch (flag) {
      case '--port':
      case '--metrics-port': {
        const n = integer();
        if (n > 65535) throw new Error(`${flag} argument must be between 0 and 65535 inclusive, got '${value}'`);
        if (flag === '--port') options.port = n;
        else options.metricsPort = n;
        break;
      }
      case '--bind': options.bind = value; break;
      case '--unixsocket': options.unixsocket = value; break;
      case '--requirepass': options.requirepass = value; break;
      case '--maxclients': options.maxclients = integer(); break;
      case '--maxmemory': {
        const n = value === '0' ? 0 : parseMemorySize(value);
        if (n === undefined) throw new Error(`--maxmemory needs a size such as 4gb (0: no limit), got '${value}'`);
        options.maxmemory = n;
        break;
      }
      case '--maxmemory-policy':
        if (value !== 'noeviction') throw new Error(`--maxmemory-policy: only noeviction is available (this server never evicts keys), got '${value}'`);
        break;
      case '--proto-max-bulk-len': options.protoMaxBulkLen = size(); break;
      case '--client-query-buffer-limit': options.clientQueryBufferLimit = size(); break;
      case '--client-query-buffer-total-limit': options.clientQueryBufferTotalLimit = size(); break;
      case '--threads-per-queue':
      case '--queue-limit':
      case '--intra-op-parallelism':
      case '--inter-op-parallelism':
      case '--model-chunk-size': {
        const n = integer();
        if (flag === '--threads-per-queue' || flag === '--model-chunk-size' || flag === '--queue-limit') {
          if (n < 1) throw new Error(`${flag} needs a positive integer, got '${value}'`);
        }
        const key = ({
          '--threads-per-queue': 'threadsPerQueue',
          '--queue-limit': 'queueLimit',
          '--intra-op-parallelism': 'intraOpParallelism',
          '--inter-op-parallelism': 'interOpParallelism',
          '--model-chunk-size': 'modelChunkSize',
        } as const)[flag];
        options.ai = { ...options.ai, [key]: n };
        break;
      }
      case '--model-execution-timeout': {
        const n = integer();
        if (n < 1000) throw new Error(`--model-execution-timeout needs at least 1000 (ms), got '${value}'`);
        options.ai = { ...options.ai, modelExecutionTimeout: n };
        break;
      }
      case '--backend-memory-limit':
        options.ai = { ...options.ai, backendMemoryLimit: integer() };
        break;
      case '--load-backends': {
        const names = value === 'all' ? [...BACKENDS] : value.split(',').map((n) => n.trim()).filter((n) => n !== '');
        const backends = names.map((n) => {
          const backend = parseBackend(n);
          if (backend === undefined) throw new Error(`--load-backends takes TF, TFLITE, TORCH and ONNX (comma-separated) or all, got '${n}'`);
          return backend;
        });
        options.loadBackends = backends;
        break;
      }
      case '--enable-loadbackend-any-path':
        if (value !== 'yes' && value !== 'no') throw new Error(`--enable-loadbackend-any-path must be yes or no, got '${value}'`);
        options.ai = { ...options.ai, enableLoadbackendAnyPath: value === 'yes' };
        break;
      case '--enable-tf-io-ops':
      case '--enable-torchscript-file-ops': {
        if (value !== 'yes' && value !== 'no') throw new Error(`${flag} must be yes or no, got '${value}'`);
        const key = flag === '--enable-tf-io-ops' ? 'enableTfIoOps' : 'enableTorchscriptFileOps';
        options.ai = { ...options.ai, [key]: value === 'yes' };
        break;
      }
      case '--backendspath':
        options.ai = { ...options.ai, backendsPath: value };
        break;
      case '--dir':
        options.persistence = { ...options.persistence, dir: value };
        break;
      case '--dbfilename':
      case '--appendfilename':
        if (value.includes('/')) throw new Error(`${flag} takes a file name, not a path (use --dir), got '${value}'`);
        options.persistence = { ...options.persistence, [flag === '--dbfilename' ? 'dbfilename' : 'appendfilename']: value };
        break;
      case '--save':
        options.persistence = { ...options.persistence, save: saveRules(value) };
        break;
      case '--appendonly':
        if (value !== 'yes' && value !== 'no') throw new Error(`--appendonly must be yes or no, got '${value}'`);
        options.persistence = { ...options.persistence, appendonly: value === 'yes' };
        break;
      case '--appendfsync':
        if (value !== 'always' && value !== 'everysec' && value !== 'no') throw new Error(`--appendfsync must be always, everysec or no, got '${value}'`);
        options.persistence = { ...options.persistence, appendfsync: value };
        break;
      case '--auto-aof-rewrite-percentage':
        options.persistence = { ...options.persistence, autoAofRewritePercentage: integer() };
        break;
      case '--auto-aof-rewrite-min-size':
        options.persistence = { ...options.persistence, autoAofRewriteMinSize: size() };
        break;
      case '--busy-poll-us': {
        const n = integer();
        if (n > MAX_AWAKE_MICROS) throw new Error(`--busy-poll-us needs 0 to ${MAX_AWAKE_MICROS} (µs), got '${value}'`);
        options.busyPollMicros = n;
        break;
      }
      case '--sockets':
        if (value !== 'native' && value !== 'node') throw new Error(`--sockets must be native or node, got '${value}'`);
        options.sockets = value;
        break;
      case '--loglevel':
        if (!Logger.isLevel(value)) throw new Error(`--loglevel must be debug, verbose, notice or warning`);
        options.loglevel = value;
        break;
      case '--store':
        parseStoreUrl(value); // says what is wrong now, not at the first connection
        options.store = { ...options.store, url: value };
        break;
      case '--redis-wait': {
        // Redis's WAIT numreplicas [timeout]: the timeout is optional.
        const replicas = integer();
        let timeout = 1000;
        const next = argv[i + 1];
        if (next !== undefined && /^\d+$/.test(next)) {
          timeout = Number(next);
          i++;
        }
        options.store = { url: '', ...options.store, waitReplicas: replicas, waitTimeoutMs: timeout };
        break;
      }
      case '--store-inline-model':
        options.store = { url: '', ...options.store, inlineModelBytes: value === '0' ? 0 : size() };
        break;
      case '--store-model-chunk':
        options.store = { url: '', ...options.store, modelChunkBytes: size() };
        break;
      case '--store-command-timeout': {
        const n = integer();
        if (n < 1) throw new Error(`--store-command-timeout needs a positive number of ms, got '${value}'`);
        options.store = { url: '', ...options.store, commandTimeoutMs: n };
        break;
      }
      default:
        throw new Error(`Unknown option '${flag}'\n${USAGE}`);
    }
  }
  if (options.store !== undefined) {
    if (options.store.url === '') throw new Error('--redis-wait and the --store-… settings need --store <redis URL>');
    if (options.persistence !== undefined) throw new Error(STORE_NO_PERSISTENCE);
  }
  return options;
}

function saveRules(text: string): SaveRule[] {
  const rules = parseSaveRules(text);
  if (rules === undefined) throw new Error(`--save needs pairs of "<seconds> <changes>", got '${text}'`);
  return rules;
}

/** --help: every flag, what it does, and its default. */
const HELP = `${USAGE}

  stormbreaker-server [path/to/stormbreaker.conf] [flags]: a config file (redis.conf's syntax, one
  "name value" per line) is read first; flags after it override it.

  -v, --version                     print the version and exit
  -h, --help                        print this help and exit
  --port <port>                     TCP port (6379; 0 picks a free one)
  --bind <address>                  address to listen on (127.0.0.1)
  --unixsocket <path>               also listen on a unix socket (none)
  --requirepass <password>          clients must AUTH with it (none)
  --maxclients <n>                  clients connected at once (10000)
  --maxmemory <bytes>               past this used_memory, commands that add data get OOM (0: none)
  --maxmemory-policy noeviction     the only policy: nothing is ever evicted
  --loglevel <level>                debug, verbose, notice or warning (notice)
  --proto-max-bulk-len <size>       largest bulk string, so largest tensor BLOB (512mb)
  --client-query-buffer-limit <size>
                                    most bytes one unfinished request may hold (1gb)
  --client-query-buffer-total-limit <size>
                                    most bytes all clients' unfinished requests may hold together
                                    (a quarter of V8's heap limit, at most 1gb)
  --threads-per-queue <n>           threads serving each device queue (1)
  --queue-limit <n>                 runs that may wait in one device queue before new ones are refused (10000)
  --intra-op-parallelism <n>        backends' threads within one op (0: the backend's default)
  --inter-op-parallelism <n>        backends' threads across ops (0: the backend's default; TF on CPU: the device thread)
  --backendspath <dir>              where backend libraries are loaded from (the build folder)
  --model-chunk-size <bytes>        MODELGET's chunk size (511 MiB)
  --model-execution-timeout <ms>    ONNX and TorchScript runs longer than this are stopped (5000)
  --backend-memory-limit <MB>       ONNX CPU sessions' memory together (0: none)
  --load-backends <list>|all        backends to load while starting (TORCH,ONNX,…), not on first use (none)
  --enable-loadbackend-any-path yes|no
                                    AI.CONFIG LOADBACKEND may load from any path (no)
  --enable-tf-io-ops yes|no         TF graphs may use file-system and I/O ops (no)
  --enable-torchscript-file-ops yes|no
                                    TorchScript may open files (no)
  --dir <folder>                    where snapshots and the log are kept (the working directory)
  --dbfilename <file>               snapshot file name (dump.sbdb)
  --save "<seconds> <changes> …"    snapshot after that many changes in that many seconds (none)
  --appendonly yes|no               keep the append-only log (no)
  --appendfsync always|everysec|no  when the log reaches the disk (everysec)
  --appendfilename <file>           log file name (appendonly.aof)
  --auto-aof-rewrite-percentage <n> rewrite the log once it grew by this much (100)
  --auto-aof-rewrite-min-size <size>
                                    but not below this size (64mb)
  --metrics-port <port>             serve Prometheus metrics at GET /metrics on this port (off)
  --busy-poll-us <µs>               after a request or a run it starts, the event loop polls this long
                                    instead of sleeping, so a client's next request or a run's end finds it awake
                                    (100; 0: off; costs at most this much CPU per request when idle)
  --sockets native|node             what carries client sockets: the addon's own layer on Node's loop, or
                                    Node's net streams (native)
  --store <url>                     keep no data here: tensors, models and scripts live in this Redis, and
                                    commands that are not AI.* go to it; any number of nodes may share it.
                                    redis://[user:password@]host:port[/db], rediss://… (TLS),
                                    redis+sentinel://host:port,host:port/mastername, redis+cluster://host:port,…
                                    (none: the embedded store)
  --redis-wait <n> [<timeout ms>]   with --store, every acknowledged write has reached n replicas (WAIT);
                                    a short WAIT is an error that says the write may or may not be applied (0)
  --store-inline-model <size>       with --store, model blobs up to this size stay in the model's hash (4mb)
  --store-model-chunk <size>        with --store, larger blobs go in chunk keys of this size (64mb)
  --store-command-timeout <ms>      with --store, how long one command to Redis may take (10000)`;

export { HELP, USAGE };
