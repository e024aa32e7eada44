import { Buffer } from 'node:buffer';
import { Errors, StormbreakerError } from '../errors';
import { checkScriptDevice } from '../model/Model';
import { OK } from '../resp/Reply';
import { defineAiCommand } from './Command';
import { text, upper } from './modelArgs';
import { parseSafeInteger } from '../util/redisNumbers';


/** AI.SCRIPTSTORE <key> <device> [TAG t] ENTRY_POINTS <n> <fn…> SOURCE <text> (spec §5.1) */
export const scriptstore = defineAiCommand({
  name: 'ai.scriptstore',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom'],
  key: 1,
  since: '1.2.5',
  summary: 'Stores a TorchScript script',
  async run({ engine }, args) {
    const n = args.length;
    if (n < 8) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const device = text(args[2]);
    let i = 3;
    let tag: Buffer | undefined;
    if (upper(args[i]) === 'TAG') {
      tag = Buffer.from(args[i + 1]);
      i += 2;
    }
    if (upper(args[i]) !== 'ENTRY_POINTS') throw new StormbreakerError('ERR Insufficient arguments, missing script entry points');
    const count = args[i + 1] === undefined ? undefined : parseSafeInteger(text(args[i + 1]));
    if (count === undefined) throw new StormbreakerError('ERR Non numeric entry points number provided to AI.SCRIPTSTORE command');
    if (count < 0 || n - (i + 2) < count) throw new StormbreakerError('ERR Insufficient arguments, missing script entry points');
    const entryPoints = args.slice(i + 2, i + 2 + count).map((a) => a.toString('utf8'));
    i += 2 + count;
    if (upper(args[i]) !== 'SOURCE' || i + 1 >= n) throw new StormbreakerError('ERR Insufficient arguments, missing script SOURCE');
    checkScriptDevice(device);
    await engine.storeScript(args[1], { device, tag, entryPoints, source: Buffer.from(args[i + 1]) });
    return OK;
  },
});

/** AI.SCRIPTSET <key> <device> [TAG t] SOURCE <text> (deprecated; spec §5.2) */
export const scriptset = defineAiCommand({
  name: 'ai.scriptset',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom'],
  key: 1,
  since: '1.0.0',
  summary: 'Stores a TorchScript script (deprecated: use AI.SCRIPTSTORE)',
  async run({ engine }, args) {
    if (args.length !== 5 && args.length !== 7) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const device = text(args[2]);
    let i = 3;
    let tag: Buffer | undefined;
    if (args.length === 7) {
      if (upper(args[i]) !== 'TAG') throw new StormbreakerError('ERR Insufficient arguments, missing script SOURCE');
      tag = Buffer.from(args[i + 1]);
      i += 2;
    }
    if (upper(args[i]) !== 'SOURCE') throw new StormbreakerError('ERR Insufficient arguments, missing script SOURCE');
    checkScriptDevice(device);
    await engine.storeScript(args[1], { device, tag, source: Buffer.from(args[i + 1]) });
    return OK;
  },
});
