import { Errors, StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { keyBytes } from '../store/keyName';
import { defineAiCommand } from './Command';
import { metaOrPayloadReply } from './metaOrPayload';

/** AI.SCRIPTGET <key> [META] [SOURCE] (spec §5.3) */
export const scriptget = defineAiCommand({
  name: 'ai.scriptget',
  arity: -1,
  flags: ['readonly'],
  key: 1,
  since: '1.0.0',
  summary: 'Returns a script\'s metadata and source',
  run({ engine }, args) {
    if (args.length < 2 || args.length > 4) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const script = engine.getScript(args[1]);
    return metaOrPayloadReply(args.slice(2), 'SOURCE',
      () => ['device', script.device, 'tag', script.tag, 'Entry Points', script.entryPoints.slice()], () => script.source);
  },
});

/** AI.SCRIPTDEL <key> */
export const scriptdel = defineAiCommand({
  name: 'ai.scriptdel',
  arity: -1,
  flags: ['write'],
  key: 1,
  since: '1.0.0',
  summary: 'Deletes a script',
  readsOnlyMeta: () => true,
  run({ engine }, args) {
    if (args.length !== 2) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    engine.getScript(args[1]);
    engine.delete(args[1]);
    return OK;
  },
});

/** AI._SCRIPTSCAN: [key, tag] of every script, in the order they were stored. */
export const scriptscan = defineAiCommand({
  name: 'ai._scriptscan',
  arity: -1,
  flags: ['readonly'],
  since: '1.2.0',
  summary: 'Lists stored scripts and their tags (experimental)',
  run({ engine }, args) {
    if (args.length !== 1) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    return engine.stats.names('SCRIPT').map((name) => [keyBytes(name), engine.stats.get(name)!.tag]);
  },
});
