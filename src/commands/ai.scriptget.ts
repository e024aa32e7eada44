import { Errors, StormbreakerError } from '../errors';
import { OK, Reply } from '../resp/Reply';
import { keyBytes } from '../store/keyName';
import { defineCommand } from './Command';
import { upper } from './modelArgs';

/** AI.SCRIPTGET <key> [META] [SOURCE] (spec §5.3) */
export const scriptget = defineCommand({
  name: 'ai.scriptget',
  arity: -1,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  group: 'ai',
  since: '1.0.0',
  summary: 'Returns a script\'s metadata and source',
  run({ engine }, args) {
    if (args.length < 2 || args.length > 4) throw new StormbreakerError(Errors.wrongArity('ai.scriptget'));
    const script = engine.getScript(args[1]);
    let meta = false;
    let source = false;
    for (let i = 2; i < args.length; i++) {
      const token = upper(args[i]);
      if (token === 'META') meta = true;
      else if (token === 'SOURCE') source = true;
    }
    if (source && !meta) return script.source;
    const reply: Reply[] = ['device', script.device, 'tag', script.tag, 'Entry Points', script.entryPoints.slice()];
    if (meta && !source) return reply;
    reply.push('source', script.source);
    return reply;
  },
});

/** AI.SCRIPTDEL <key> */
export const scriptdel = defineCommand({
  name: 'ai.scriptdel',
  arity: -1,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  group: 'ai',
  since: '1.0.0',
  summary: 'Deletes a script',
  run({ engine }, args) {
    if (args.length !== 2) throw new StormbreakerError(Errors.wrongArity('ai.scriptdel'));
    engine.getScript(args[1]);
    engine.delete(args[1]);
    return OK;
  },
});

/** AI._SCRIPTSCAN: [key, tag] of every script, in the order they were stored. */
export const scriptscan = defineCommand({
  name: 'ai._scriptscan',
  arity: -1,
  flags: ['readonly'],
  group: 'ai',
  since: '1.2.0',
  summary: 'Lists stored scripts and their tags (experimental)',
  run({ engine }, args) {
    if (args.length !== 1) throw new StormbreakerError(Errors.wrongArity('ai._scriptscan'));
    return engine.stats.names('SCRIPT').map((name) => [keyBytes(name), engine.stats.get(name)!.tag]);
  },
});
