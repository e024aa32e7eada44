import { isWord } from '../util/asciiWord';

// The keys AI commands name, for Command.keysOf: what a store that fetches before a command runs
// (Keyspace.load) must fetch. Tolerant: on malformed arguments they return what they can find,
// and the command's own parser reports the error. A word is taken for a key only where the
// command's syntax puts a key, so that a store never fetches keywords.

/** The `<count>` keys after the first `keyword` at or after args[from] (AI commands' INPUTS/OUTPUTS/KEYS/LOAD/PERSIST). */
function countedKeys(args: readonly Buffer[], keyword: string, from = 1): Buffer[] {
  for (let i = from; i < args.length - 1; i++) {
    if (!isWord(args[i], keyword)) continue;
    const count = Number(args[i + 1].toString('latin1'));
    if (!Number.isSafeInteger(count) || count <= 0) return [];
    return args.slice(i + 2, Math.min(args.length, i + 2 + count));
  }
  return [];
}

/** AI.MODELEXECUTE <model> INPUTS <n> <key…> OUTPUTS <n> <key…> [TIMEOUT ms] */
export function modelExecuteKeys(args: readonly Buffer[]): Buffer[] {
  if (args.length < 2) return [];
  const inputs = countedKeys(args, 'INPUTS', 2);
  return [args[1], ...inputs, ...countedKeys(args, 'OUTPUTS', 4 + inputs.length)];
}

/** AI.MODELRUN <model> [TIMEOUT ms] INPUTS <key…> OUTPUTS <key…> (deprecated; uncounted lists) */
export const modelRunKeys = (args: readonly Buffer[]): Buffer[] => uncountedListKeys(args, 2, false);

/** AI.SCRIPTRUN <script> <fn> [TIMEOUT ms] INPUTS <key…> [$ <key…>] OUTPUTS <key…> (deprecated) */
export const scriptRunKeys = (args: readonly Buffer[]): Buffer[] => uncountedListKeys(args, 3, true);

/**
 * The deprecated run commands' keys: the model or script, and the words after INPUTS and OUTPUTS.
 * TIMEOUT <ms> comes before the lists (a SCRIPTRUN may also put it between them); `$` marks the
 * variadic part of a script's inputs.
 */
function uncountedListKeys(args: readonly Buffer[], from: number, script: boolean): Buffer[] {
  if (args.length < 2) return [];
  const keys = [args[1]];
  let inList = false;
  for (let i = from; i < args.length; i++) {
    if (isWord(args[i], 'INPUTS') || isWord(args[i], 'OUTPUTS')) inList = true;
    else if ((script || !inList) && isWord(args[i], 'TIMEOUT')) i++;
    else if (inList && !(script && isWord(args[i], '$'))) keys.push(args[i]);
  }
  return keys;
}

/** AI.SCRIPTEXECUTE <script> <fn> [KEYS n …] [INPUTS n …] [ARGS n …] [OUTPUTS n …] [TIMEOUT ms] */
export function scriptExecuteKeys(args: readonly Buffer[]): Buffer[] {
  if (args.length < 2) return [];
  const sections = scriptSections(args);
  return [args[1], ...sections.KEYS, ...sections.INPUTS, ...sections.OUTPUTS];
}

/**
 * A SCRIPTEXECUTE's counted sections. They come in any order inside a DAG; ARGS' values are not
 * keys, and a value equal to a keyword could be taken for one, so each section is found by
 * walking the counted sections from the first.
 */
function scriptSections(args: readonly Buffer[]): Record<'KEYS' | 'INPUTS' | 'OUTPUTS', Buffer[]> {
  const sections = { KEYS: [] as Buffer[], INPUTS: [] as Buffer[], OUTPUTS: [] as Buffer[] };
  let i = 3;
  while (i < args.length - 1) {
    const word = args[i].toString('latin1').toUpperCase();
    const count = Number(args[i + 1].toString('latin1'));
    if (word === 'TIMEOUT' || !Number.isSafeInteger(count) || count < 0) break;
    const section = args.slice(i + 2, Math.min(args.length, i + 2 + count));
    if (word === 'KEYS' || word === 'INPUTS' || word === 'OUTPUTS') sections[word].push(...section);
    else if (word !== 'ARGS') break;
    i += 2 + count;
  }
  return sections;
}

const ARROW = '|>';

/**
 * AI.DAGEXECUTE [LOAD n …] [PERSIST n …] [ROUTING k] [TIMEOUT ms] |> op |> …: the LOAD and
 * PERSIST keys, each op's model or script, and a script op's KEYS (which its redis.execute and
 * redisAI.model_execute calls name). The INPUTS and OUTPUTS of ops are the DAG's own tensor
 * names, not keys; ROUTING's key only routes (spec §6.1).
 */
export function dagKeys(args: readonly Buffer[]): Buffer[] {
  const keys: Buffer[] = [];
  let i = 1;
  for (; i < args.length && args[i].toString('latin1') !== ARROW; i++) {
    if (isWord(args[i], 'LOAD') || isWord(args[i], 'PERSIST')) {
      const listed = countedKeys(args, args[i].toString('latin1').toUpperCase(), i);
      keys.push(...listed.filter((k) => k.toString('latin1') !== ARROW));
      i += 1 + listed.length;
    } else if (isWord(args[i], 'ROUTING') || isWord(args[i], 'TIMEOUT')) {
      i++;
    }
  }
  let op: Buffer[] = [];
  const opKeys = () => {
    if (op.length < 2) return;
    const name = op[0].toString('latin1').toUpperCase();
    if (name === 'AI.MODELEXECUTE' || name === 'AI.MODELRUN' || name === 'AI.SCRIPTRUN') keys.push(op[1]);
    else if (name === 'AI.SCRIPTEXECUTE') keys.push(op[1], ...scriptSections(op).KEYS);
  };
  for (i++; i < args.length; i++) {
    if (args[i].toString('latin1') === ARROW) {
      opKeys();
      op = [];
    } else {
      op.push(args[i]);
    }
  }
  opKeys();
  return keys;
}
