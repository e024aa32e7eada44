import { ensureBackend } from '../backends/loadBackend';
import { Errors, StormbreakerError } from '../errors';
import { parseBackend } from '../model/Model';
import { native } from '../native';
import { OK } from '../resp/Reply';
import { defineAiCommand } from './Command';
import { text, upper } from './modelArgs';
import { parseSafeInteger } from '../util/redisNumbers';

/** AI.CONFIG BACKENDSPATH <path> | LOADBACKEND <backend> <path> | MODEL_CHUNK_SIZE <n> | GET <name> */
export const aiConfig = defineAiCommand({
  name: 'ai.config',
  arity: -1,
  // noscript: loading a backend runs its code inside the server; scripts may not.
  flags: ['write', 'noscript'],
  since: '1.0.0',
  summary: 'Reads and changes RedisAI settings',
  async run({ engine, server }, args) {
    if (args.length < 2) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const settings = engine.settings;
    switch (upper(args[1])) {
      case 'BACKENDSPATH':
        if (args.length < 3) throw new StormbreakerError('ERR BACKENDSPATH: missing path argument');
        settings.backendsPath = text(args[2]);
        return OK;
      case 'LOADBACKEND': {
        if (args.length < 4) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
        const backend = parseBackend(text(args[2]));
        if (backend === undefined) throw new StormbreakerError('ERR unsupported backend');
        // Loading one already loaded is refused too (spec §8).
        if (native.backendVersion(backend) !== null) throw new StormbreakerError('ERR error loading backend');
        try {
          await ensureBackend(backend, settings.backendsPath, engine.backendTrust, text(args[3]));
        } catch (err) {
          // The wire says what RedisAI says; the log says why.
          server.logWarning(`AI.CONFIG LOADBACKEND ${backend}: ${err instanceof Error ? err.message : String(err)}`);
          throw new StormbreakerError('ERR error loading backend');
        }
        return OK;
      }
      case 'MODEL_CHUNK_SIZE': {
        if (args.length < 3) throw new StormbreakerError('ERR MODEL_CHUNK_SIZE: missing chunk size');
        const size = parseSafeInteger(text(args[2]));
        if (size === undefined || size <= 0) throw new StormbreakerError('ERR MODEL_CHUNK_SIZE: invalid chunk size');
        settings.modelChunkSize = size;
        return OK;
      }
      case 'GET': {
        if (args.length < 3) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
        const name = upper(args[2]);
        if (name === 'BACKENDSPATH') return settings.backendsPath;
        if (name === 'MODEL_CHUNK_SIZE') return settings.modelChunkSize;
        return null;
      }
      default:
        throw new StormbreakerError('ERR unsupported subcommand');
    }
  },
});
