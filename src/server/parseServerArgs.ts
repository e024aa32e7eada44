import { parseMemorySize } from '../util/memorySize';
import { Logger } from './Logger';
import type { ServerOptions } from './Server';
import type { SaveRule } from '../persistence/Persistence';

const USAGE = `Usage: stormbreaker-server [-v|--version] [-h|--help] [--port <port>] [--bind <address>] [--unixsocket <path>]
                          [--requirepass <password>] [--maxclients <n>] [--loglevel debug|verbose|notice|warning]
                          [--proto-max-bulk-len <size>] [--client-query-buffer-limit <size>] [--client-query-buffer-total-limit <size>]
                          [--threads-per-queue <n>] [--queue-limit <n>] [--intra-op-parallelism <n>] [--inter-op-parallelism <n>]
                          [--backendspath <dir>] [--model-chunk-size <bytes>] [--model-execution-timeout <ms>]
                          [--backend-memory-limit <MB>] [--enable-loadbackend-any-path yes|no]
                          [--enable-tf-io-ops yes|no] [--enable-torchscript-file-ops yes|no]
                          [--dir <folder>] [--dbfilename <file>] [--save "<seconds> <changes> …"]
                          [--appendonly yes|no] [--appendfsync always|everysec|no] [--appendfilename <file>]
                          [--auto-aof-rewrite-percentage <n>] [--auto-aof-rewrite-min-size <size>]
                          [--metrics-port <port>]`;

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
      case '--port': options.port = integer(); break;
      case '--metrics-port': options.metricsPort = integer(); break;
      case '--bind': options.bind = value; break;
      case '--unixsocket': options.unixsocket = value; break;
      case '--requirepass': options.requirepass = value; break;
      case '--maxclients': options.maxclients = integer(); break;
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
      case '--loglevel':
        if (!Logger.isLevel(value)) throw new Error(`--loglevel must be debug, verbose, notice or warning`);
        options.loglevel = value;
        break;
      default:
        throw new Error(`Unknown option '${flag}'\n${USAGE}`);
    }
  }
  return options;
}

/** `save` as redis.conf writes it: pairs of seconds and changes ("" for none). */
function saveRules(text: string): SaveRule[] {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length % 2 !== 0 || words.some((w) => !/^\d+$/.test(w))) {
    throw new Error(`--save needs pairs of "<seconds> <changes>", got '${text}'`);
  }
  const rules: SaveRule[] = [];
  for (let i = 0; i < words.length; i += 2) rules.push({ seconds: Number(words[i]), changes: Number(words[i + 1]) });
  return rules;
}

export { USAGE };
