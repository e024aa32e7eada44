import type { Engine } from '../engine/Engine';
import type { ScriptCall } from '../model/Model';
import { StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { parseSafeInteger } from '../util/redisNumbers';
import { TIMEDOUT } from './ai.modelexecute';
import { defineAiCommand } from './Command';
import { parseInteger, text, upper } from './modelArgs';
import { scriptExecuteKeys, scriptRunKeys } from './aiCommandKeys';

type Scope = 'KEYS' | 'INPUTS' | 'ARGS' | 'OUTPUTS';
const COUNT_ERROR: Record<Exclude<Scope, 'KEYS'>, string> = {
  INPUTS: 'ERR Invalid argument for inputs count in AI.SCRIPTEXECUTE',
  ARGS: 'ERR Invalid argument for keys count in AI.SCRIPTEXECUTE', // sic: RedisAI's text for ARGS
  OUTPUTS: 'ERR Invalid argument for outputs count in AI.SCRIPTEXECUTE',
};
const SHORT_ERROR: Record<Exclude<Scope, 'KEYS'>, string> = {
  INPUTS: 'ERR number of inputs to AI.SCRIPTEXECUTE command does not match the number of given arguments',
  ARGS: 'ERR number of args to AI.SCRIPTEXECUTE command does not match the number of given arguments',
  OUTPUTS: 'ERR number of outputs to AI.SCRIPTEXECUTE command does not match the number of given arguments',
};

/** A script call as a command or a DAG op names it. */
export interface ScriptCallSpec extends ScriptCall {
  readonly key: Buffer;
  readonly fn: string;
  readonly keys: readonly Buffer[];
  readonly inputs: readonly Buffer[];
  readonly args: readonly Buffer[];
  readonly outputs: readonly Buffer[];
  readonly timeout: number;
}

/** Reads AI.SCRIPTEXECUTE's arguments in spec §5.5's order. */
export function parseScriptExecute(engine: Engine, args: readonly Buffer[], inDag = false): ScriptCallSpec {
  const n = args.length;
  if (n < 3) throw new StormbreakerError("ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command");
  engine.getScript(args[1]);
  const fn = args[2].toString('utf8');
  const first = upper(args[3]);
  // Inside a DAG the sections may come in any order (spec §6.1).
  if (!inDag && first !== 'KEYS' && first !== 'INPUTS') {
    throw new StormbreakerError('ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command');
  }
  const sections: Partial<Record<Scope, Buffer[]>> = {};
  let timeout = 0;
  let i = 3;
  while (i < n) {
    const token = upper(args[i]);
    if (token === 'TIMEOUT') {
      if (inDag) throw new StormbreakerError('ERR TIMEOUT not allowed within a DAG command');
      if (i + 1 >= n) throw new StormbreakerError('ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE');
      timeout = parseInteger(args[i + 1], 'ERR Invalid value for TIMEOUT');
      if (timeout <= 0) throw new StormbreakerError('ERR Invalid value for TIMEOUT');
      if (i + 2 < n) throw new StormbreakerError('ERR Encountered problem parsing AI.SCRIPTEXECUTE');
      break;
    }
    if (token !== 'KEYS' && token !== 'INPUTS' && token !== 'ARGS' && token !== 'OUTPUTS') {
      throw new StormbreakerError(`ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: ${text(args[i])}`);
    }
    if (sections[token] !== undefined) {
      throw new StormbreakerError(`ERR Already Encountered ${token} scope in AI.SCRIPTEXECUTE command`);
    }
    let count: number | undefined;
    if (token === 'KEYS') {
      if (n - i < 3) throw new StormbreakerError('ERR Missing arguments after KEYS keyword');
      count = parseSafeInteger(text(args[i + 1]));
      if (count === undefined || count <= 0) throw new StormbreakerError('ERR Invalid or negative value found in number of KEYS');
      if (n - (i + 2) < count) {
        throw new StormbreakerError('ERR Number of pre declared KEYS to be used in the command does not match the number of given arguments');
      }
    } else {
      if (i + 1 >= n) throw new StormbreakerError('ERR Invalid arguments provided to AI.SCRIPTEXECUTE');
      count = parseSafeInteger(text(args[i + 1]));
      if (count === undefined || count < 0) throw new StormbreakerError(COUNT_ERROR[token]);
      if (n - (i + 2) < count) throw new StormbreakerError(SHORT_ERROR[token]);
    }
    sections[token] = args.slice(i + 2, i + 2 + count);
    i += 2 + count;
  }
return { key: args[1], fn, keys: sections.KEYS ?? [], inputs: sections.INPUTS ?? [], args: sections.ARGS ?? [], outputs: sections.OUTPUTS ?? [], timeout };
}


/**
 * AI.SCRIPTEXECUTE <key> <fn> [KEYS n …] [INPUTS n …] [ARGS n …] [OUTPUTS n …] [TIMEOUT ms] (spec §5.5).
 * KEYS or INPUTS must come first, even with nothing after the function (DESIGN.md deviation 8).
 */
export const scriptexecute = defineAiCommand({
  name: 'ai.scriptexecute',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom', 'no_multi'],
  key: 5,
  keysOf: scriptExecuteKeys,
  since: '1.2.5',
  summary: 'Runs a function of a stored script',
  async run({ engine }, args) {
    const call = parseScriptExecute(engine, args);
    const status = await engine.executeScript(call.key, call.fn, call);
    return status === 'OK' ? OK : TIMEDOUT;
  },
});

/** Reads the deprecated AI.SCRIPTRUN's arguments (spec §5.7). */
export function parseScriptRun(engine: Engine, args: readonly Buffer[], inDag = false): ScriptCallSpec {
  const n = args.length;
  if (n < 3) throw new StormbreakerError("ERR wrong number of arguments for 'AI.SCRIPTRUN' command");
  engine.getScript(args[1]);
  const fn = args[2].toString('utf8');
  const inputs: Buffer[] = [];
  const outputs: Buffer[] = [];
  let section: 'NONE' | 'INPUTS' | 'OUTPUTS' = 'NONE';
  let sawTimeout = false;
  let sawInputs = false;
  let sawOutputs = false;
  let sawVariadic = false;
  let timeout = 0;
  for (let i = 3; i < n; i++) {
    const token = upper(args[i]);
    if (token === 'TIMEOUT' && section !== 'INPUTS' && section !== 'OUTPUTS') {
      if (inDag) throw new StormbreakerError('ERR TIMEOUT not allowed within a DAG command');
      if (sawTimeout) throw new StormbreakerError('ERR Already encountered an TIMEOUT section in SCRIPTRUN');
      timeout = parseInteger(args[i + 1], 'ERR Invalid value for TIMEOUT');
      if (timeout <= 0) throw new StormbreakerError('ERR Invalid value for TIMEOUT');
      sawTimeout = true;
      i++;
    } else if (token === 'INPUTS') {
      if (section === 'INPUTS') throw new StormbreakerError('ERR Already encountered an INPUTS keyword in SCRIPTRUN');
      if (sawInputs) throw new StormbreakerError('ERR Already encountered an INPUTS section in SCRIPTRUN');
      section = 'INPUTS';
      sawInputs = true;
    } else if (token === 'OUTPUTS') {
      if (sawOutputs) throw new StormbreakerError('ERR Already encountered an OUTPUTS keyword in SCRIPTRUN');
      section = 'OUTPUTS';
      sawOutputs = true;
    } else if (token === '$') {
      if (section !== 'INPUTS') throw new StormbreakerError('ERR Encountered a variable size list of tensors outside of input section');
      if (sawVariadic) throw new StormbreakerError('ERR Already encountered a variable size list of tensors');
      sawVariadic = true; // dropped: the function's signature decides the grouping
    } else if (section === 'INPUTS') {
      inputs.push(args[i]);
    } else if (section === 'OUTPUTS') {
      outputs.push(args[i]);
    } else {
      throw new StormbreakerError('ERR Unrecongnized parameter to SCRIPTRUN');
    }
  }
  if (!sawInputs) throw new StormbreakerError('ERR INPUTS not specified');
return { key: args[1], fn, keys: [], inputs, args: [], outputs, timeout };
}

/** AI.SCRIPTRUN <key> <fn> [TIMEOUT ms] INPUTS <key…> [$ <key…>] OUTPUTS <key…> (deprecated; spec §5.7) */
export const scriptrun = defineAiCommand({
  name: 'ai.scriptrun',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom', 'no_multi'],
  key: 4,
  keysOf: scriptRunKeys,
  since: '1.0.0',
  summary: 'Runs a function of a stored script (deprecated: use AI.SCRIPTEXECUTE)',
  async run({ engine }, args) {
    const call = parseScriptRun(engine, args);
    const status = await engine.executeScript(call.key, call.fn, call);
    return status === 'OK' ? OK : TIMEDOUT;
  },
});
