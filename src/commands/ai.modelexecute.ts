import type { Engine } from '../engine/Engine';
import type { StoredModel } from '../model/Model';
import { StormbreakerError } from '../errors';
import { OK, SimpleString } from '../resp/Reply';
import { defineAiCommand } from './Command';
import { isWord } from '../util/asciiWord';
import { parseInteger, text, upper } from './modelArgs';
import { modelExecuteKeys, modelRunKeys } from './aiCommandKeys';

export const TIMEDOUT = new SimpleString('TIMEDOUT');

/** `[TIMEOUT <ms>]` at args[i…], the command's last words (spec §4.5 step 7); 0 when absent. */
export function parseTimeoutTrailer(args: readonly Buffer[], i: number): number {
  if (i >= args.length) return 0;
  if (!isWord(args[i], 'TIMEOUT')) throw new StormbreakerError(`Invalid argument: ${text(args[i])}`);
  if (i + 1 >= args.length) throw new StormbreakerError('ERR No value provided for TIMEOUT');
  const timeout = parseInteger(args[i + 1], 'ERR Invalid value for TIMEOUT');
  if (timeout <= 0) throw new StormbreakerError('ERR Invalid value for TIMEOUT');
  if (i + 2 < args.length) throw new StormbreakerError(`Invalid argument: ${text(args[i + 2])}`);
  return timeout;
}

/** A run's status as the run commands reply it. */
const statusReply = (status: 'OK' | 'TIMEDOUT') => (status === 'OK' ? OK : TIMEDOUT);

/** A model call as a command or a DAG op names it. */
export interface ModelCall {
  readonly key: Buffer;
  readonly model: StoredModel;
  readonly inputs: readonly Buffer[];
  readonly outputs: readonly Buffer[];
  readonly timeout: number;
}

const TIMEOUT_IN_DAG = 'ERR TIMEOUT not allowed within a DAG command';

/** Reads `AI.MODELEXECUTE <key> INPUTS <n> … OUTPUTS <n> … [TIMEOUT <ms>]` in spec §4.5's order. */
export function parseModelExecute(engine: Engine, args: readonly Buffer[], inDag = false): ModelCall {
  const n = args.length;
  if (n < 8) throw new StormbreakerError("ERR wrong number of arguments for 'AI.MODELEXECUTE' command");
  const model = engine.getModel(args[1]);
  if (!isWord(args[2], 'INPUTS')) throw new StormbreakerError('ERR INPUTS not specified');
  const inCount = parseInteger(args[3], 'ERR Invalid argument for input_count');
  if (inCount <= 0) throw new StormbreakerError('ERR Input count must be a positive integer');
  if (inCount !== model.inputs.length) {
    throw new StormbreakerError('Number of keys given as INPUTS here does not match model definition');
  }
  if (n - 4 < inCount) {
    throw new StormbreakerError('ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments');
  }
  const inputs = args.slice(4, 4 + inCount);
  let i = 4 + inCount;
  if (!isWord(args[i], 'OUTPUTS')) throw new StormbreakerError('ERR OUTPUTS not specified');
  const outCount = parseInteger(args[i + 1], 'ERR Invalid argument for output_count');
  if (outCount <= 0) throw new StormbreakerError('ERR Output count must be a positive integer');
  if (outCount !== model.outputs.length) {
    throw new StormbreakerError('Number of keys given as OUTPUTS here does not match model definition');
  }
  if (n - (i + 2) < outCount) {
    throw new StormbreakerError('ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments');
  }
  const outputs = args.slice(i + 2, i + 2 + outCount);
  i += 2 + outCount;
  if (inDag && isWord(args[i], 'TIMEOUT')) throw new StormbreakerError(TIMEOUT_IN_DAG);
  return { key: args[1], model, inputs, outputs, timeout: parseTimeoutTrailer(args, i) };
}

/** Reads the deprecated `AI.MODELRUN <key> [TIMEOUT <ms>] INPUTS <key…> OUTPUTS <key…>` (spec §4.6). */
export function parseModelRun(engine: Engine, args: readonly Buffer[], inDag = false): ModelCall {
  if (args.length < 6) throw new StormbreakerError("ERR wrong number of arguments for 'AI.MODELRUN' command");
  const model = engine.getModel(args[1]);
  let i = 2;
  let timeout = 0;
  if (upper(args[i]) === 'TIMEOUT') {
    if (inDag) throw new StormbreakerError(TIMEOUT_IN_DAG);
    timeout = parseInteger(args[i + 1], 'ERR Invalid value for TIMEOUT');
    if (timeout <= 0) throw new StormbreakerError('ERR Invalid value for TIMEOUT');
    i += 2;
  }
  if (upper(args[i]) !== 'INPUTS') throw new StormbreakerError('ERR INPUTS not specified');
  const rest = args.slice(i + 1);
  const split = rest.findIndex((a) => upper(a) === 'OUTPUTS');
  const inputs = split < 0 ? rest : rest.slice(0, split);
  const outputs = split < 0 ? [] : rest.slice(split + 1);
  if (inputs.length !== model.inputs.length) {
    throw new StormbreakerError('Number of keys given as INPUTS here does not match model definition');
  }
  if (outputs.length !== model.outputs.length) {
    throw new StormbreakerError('Number of keys given as OUTPUTS here does not match model definition');
  }
  return { key: args[1], model, inputs, outputs, timeout };
}

/** AI.MODELEXECUTE <key> INPUTS <n> <key…> OUTPUTS <n> <key…> [TIMEOUT <ms>] (spec §4.5) */
export const modelexecute = defineAiCommand({
  name: 'ai.modelexecute',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom', 'no_multi'],
  key: 4,
  keysOf: modelExecuteKeys,
  since: '1.2.5',
  summary: 'Runs a model on tensors stored under keys',
  run({ engine }, args) {
    const call = parseModelExecute(engine, args);
    return engine.runModelCall(call.key, call.model, call.inputs, call.outputs, call.timeout, statusReply);
  },
});

/** AI.MODELRUN <key> [TIMEOUT <ms>] INPUTS <key…> OUTPUTS <key…> (deprecated, spec §4.6) */
export const modelrun = defineAiCommand({
  name: 'ai.modelrun',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom', 'no_multi'],
  key: 3,
  keysOf: modelRunKeys,
  since: '1.0.0',
  summary: 'Runs a model (deprecated: use AI.MODELEXECUTE)',
  run({ engine }, args) {
    const call = parseModelRun(engine, args);
    return engine.runModelCall(call.key, call.model, call.inputs, call.outputs, call.timeout, statusReply);
  },
});
