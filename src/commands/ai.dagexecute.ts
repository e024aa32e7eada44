import { PlanBuilder } from '../dag/PlanBuilder';
import { PlanResult, runPlan } from '../dag/runPlan';
import type { Plan } from '../dag/Plan';
import type { Engine } from '../engine/Engine';
import { StormbreakerError } from '../errors';
import { ErrorReply, OK, Reply, SimpleString } from '../resp/Reply';
import { keyName } from '../store/keyName';
import { tensorFromArgs } from '../tensor/tensorFromArgs';
import { parseModelExecute, parseModelRun, TIMEDOUT } from './ai.modelexecute';
import { parseScriptExecute, parseScriptRun } from './ai.scriptexecute';
import { parseTensorGetFormat, tensorGetReply } from './ai.tensorget';
import { defineAiCommand } from './Command';
import { dagKeys } from './aiCommandKeys';
import { parseSafeInteger } from '../util/redisNumbers';
import { isWord } from '../util/asciiWord';
import { text, upper } from './modelArgs';

const NA = new SimpleString('NA');
const ARROW = '|>';
/** Whether an argument is the op separator `|>` (checked on the bytes: every argument of a DAG is). */
const isArrow = (arg: Buffer): boolean => arg.length === 2 && arg[0] === 0x7c && arg[1] === 0x3e;

interface Variant {
  /** As it appears in error texts: AI.DAGEXECUTE, AI.DAGEXECUTE_RO, AI.DAGRUN, AI.DAGRUN_RO. */
  readonly name: string;
  readonly readOnly: boolean;
  readonly deprecated: boolean;
}

/** Reads `<count> <key…>` after LOAD or PERSIST at args[i]; returns the keys and where parsing goes on. */
function keyList(args: readonly Buffer[], i: number, what: 'LOAD' | 'PERSIST'): [Buffer[], number] {
  if (args.length - i < 3) throw new StormbreakerError(`ERR missing arguments after ${what} keyword in DAG command`);
  const count = parseSafeInteger(text(args[i + 1]));
  if (count === undefined || count <= 0) {
    throw new StormbreakerError(`ERR invalid or negative value found in number of keys to ${what}`);
  }
  const keys: Buffer[] = [];
  for (let j = i + 2; j < i + 2 + count; j++) {
    if (j >= args.length || isArrow(args[j])) {
      throw new StormbreakerError(what === 'LOAD'
        ? 'ERR number of keys to LOAD into DAG does not match the number of given arguments'
        : 'ERR number of keys to PERSIST after DAG execution does not match the number of given arguments');
    }
    keys.push(args[j]);
  }
  return [keys, i + 2 + count];
}

/** The DAG's own keywords before its first op. */
const KEYWORDS = ['LOAD', 'PERSIST', 'ROUTING', 'TIMEOUT'] as const;
/** The ops a DAG may name, as refusal() knows them. */
const OPS = ['AI.TENSORSET', 'AI.TENSORGET', 'AI.MODELEXECUTE', 'AI.SCRIPTEXECUTE', 'AI.MODELRUN', 'AI.SCRIPTRUN'] as const;

/** Which of `words` `arg` is (compared on its bytes, case-insensitively), or its upper-case text. */
function wordOf<W extends string>(arg: Buffer, words: readonly W[]): W | string {
  for (const word of words) if (isWord(arg, word)) return word;
  return upper(arg);
}

/** Which ops each variant allows (spec §6.1, §6.3): an error text for a refused op name. */
function refusal(op: string, variant: Variant): string | undefined {
  switch (op) {
    case 'AI.TENSORSET':
    case 'AI.TENSORGET':
      return undefined;
    case 'AI.MODELEXECUTE':
      return variant.deprecated ? 'AI.MODELEXECUTE cannot be used in a deprecated AI.DAGRUN command' : undefined;
    case 'AI.SCRIPTEXECUTE':
      if (variant.deprecated) return 'AI.SCRIPTEXECUTE cannot be used in a deprecated AI.DAGRUN command';
      return variant.readOnly ? 'ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG' : undefined;
    case 'AI.MODELRUN':
      return variant.deprecated ? undefined : 'Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command';
    case 'AI.SCRIPTRUN':
      return variant.deprecated ? undefined : 'Deprecated AI.SCRIPTRUN cannot be used in AI.DAGEXECUTE command';
    default:
      return 'Unsupported command within DAG';
  }
}

/** Parses a whole DAG command into a plan (running its TENSORSETs), checks first wins in spec order. */
function parseDag(engine: Engine, args: readonly Buffer[], variant: Variant, maxBytes: number) {
  const n = args.length;
  if (variant.deprecated ? n < 4 : n < 6) {
    throw new StormbreakerError(variant.deprecated
      ? `ERR wrong number of arguments for '${variant.name}' command`
      : `ERR missing arguments for '${variant.name}' command`);
  }
  const plan = new PlanBuilder();
  let persist: string[] = [];
  let timeout = 0;
  const seen = new Set<string>();
  let i = 1;
  while (i < n && !isArrow(args[i])) {
    const token = wordOf(args[i], KEYWORDS);
    if (seen.has(token)) throw new StormbreakerError(`ERR Invalid DAG command. Unexpected argument:  ${text(args[i])}`);
    if (token === 'LOAD') {
      const [keys, next] = keyList(args, i, 'LOAD');
      engine.getTensors(keys).forEach((tensor, i) => plan.load(keyName(keys[i]), tensor));
      i = next;
    } else if (token === 'PERSIST') {
      if (variant.readOnly) throw new StormbreakerError('ERR PERSIST cannot be specified in a read-only DAG');
      const [keys, next] = keyList(args, i, 'PERSIST');
      persist = keys.map(keyName);
      if (new Set(persist).size !== persist.length) throw new StormbreakerError('ERR PERSIST keys must be unique');
      i = next;
    } else if (token === 'ROUTING') {
      if (i + 1 >= n || isArrow(args[i + 1])) throw new StormbreakerError('ERR Missing ROUTING value');
      i += 2; // declares where a cluster would route the command; a single server has nothing to do
    } else if (token === 'TIMEOUT') {
      if (i + 1 >= n || isArrow(args[i + 1])) throw new StormbreakerError('ERR No value provided for TIMEOUT');
      const value = parseSafeInteger(text(args[i + 1]));
      // RedisAI accepted 0 and negative values here; they are refused like elsewhere (DESIGN.md deviation 4).
      if (value === undefined || value <= 0) throw new StormbreakerError('ERR Invalid value for TIMEOUT');
      timeout = value;
      i += 2;
    } else {
      throw new StormbreakerError(`ERR Invalid DAG command. Unexpected argument:  ${text(args[i])}`);
    }
    seen.add(token);
  }
  if (!variant.deprecated && !seen.has('LOAD') && !seen.has('PERSIST') && !seen.has('ROUTING')) {
    throw new StormbreakerError('ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords');
  }
  // Split the rest into ops: each `|>` starts one, which runs until the next.
  const ops: Buffer[][] = [];
  let opStart = -1;
  for (; i < n; i++) {
    if (!isArrow(args[i])) continue;
    if (i + 1 >= n || isArrow(args[i + 1])) {
      throw new StormbreakerError(`ERR Invalid DAG command. Unexpected argument:  ${ARROW}`);
    }
    if (opStart >= 0) ops.push(args.slice(opStart, i));
    opStart = i + 1;
  }
  if (opStart >= 0) ops.push(args.slice(opStart, n));
  if (ops.length === 0) throw new StormbreakerError('ERR DAG is empty');
  const names = ops.map((op) => wordOf(op[0], OPS));
  for (const name of names) {
    const problem = refusal(name, variant);
    if (problem !== undefined) throw new StormbreakerError(problem);
  }
  for (const [o, op] of ops.entries()) {
    const name = names[o];
    if (name === 'AI.TENSORSET') {
      if (op.length < 4) throw new StormbreakerError("wrong number of arguments for 'AI.TENSORSET' command");
      plan.add({ kind: 'tensorset', tensor: tensorFromArgs(op, 2, maxBytes) }, [keyName(op[1])]);
    } else if (name === 'AI.TENSORGET') {
      if (op.length < 2 || op.length > 4) throw new StormbreakerError("wrong number of arguments for 'AI.TENSORGET' command");
      const format = parseTensorGetFormat(op.slice(2));
      plan.add({ kind: 'tensorget', source: plan.source(keyName(op[1])), format });
    } else if (name === 'AI.MODELEXECUTE' || name === 'AI.MODELRUN') {
      const call = name === 'AI.MODELEXECUTE' ? parseModelExecute(engine, op, true) : parseModelRun(engine, op, true);
      plan.addModel(call.key, call.model, call.inputs, call.outputs);
    } else {
      const call = name === 'AI.SCRIPTEXECUTE' ? parseScriptExecute(engine, op, true) : parseScriptRun(engine, op, true);
      plan.addScript(call.key, engine.getScript(call.key), call.fn, call);
    }
  }
  plan.persist(persist);
  return plan.build(timeout);
}

/** A DAG's reply: one entry per op (OK, its tensor, NA, or its error), or TIMEDOUT. */
function dagReply(plan: Plan, outcome: PlanResult): Reply {
  if (outcome.timedOut) return TIMEDOUT;
  const reply: Reply[] = outcome.results.map((result, i): Reply => {
    const op = plan.ops[i];
    if (result.status === 'na') return NA;
    if (result.status === 'error') return new ErrorReply(result.message);
    return op.kind === 'tensorget' ? tensorGetReply(result.outputs[0], op.format) : OK;
  });
  if (outcome.persistError !== undefined) reply.push(new ErrorReply(outcome.persistError));
  return reply;
}

function dagCommand(variant: Variant, since: string, summary: string) {
  return defineAiCommand({
    name: variant.name.toLowerCase(),
    runsOnDevice: true,
    arity: -1,
    flags: variant.readOnly ? ['readonly', 'no_multi'] : ['write', 'denyoom', 'no_multi'],
    key: 3,
    keysOf: dagKeys,
    since,
    summary,
    run({ engine, server }, args) {
      const plan = parseDag(engine, args, variant, server.maxBulkLength());
      return runPlan(engine, plan, (outcome) => dagReply(plan, outcome));
    },
  });
}

/** AI.DAGEXECUTE [LOAD n …] [PERSIST n …] [ROUTING k] [TIMEOUT ms] |> op |> op … (spec §6) */
export const dagexecute = dagCommand({ name: 'AI.DAGEXECUTE', readOnly: false, deprecated: false }, '1.2.5', 'Runs a pipeline of ops in one round trip');
export const dagexecuteRo = dagCommand({ name: 'AI.DAGEXECUTE_RO', readOnly: true, deprecated: false }, '1.2.5', 'Runs a read-only pipeline of ops');
export const dagrun = dagCommand({ name: 'AI.DAGRUN', readOnly: false, deprecated: true }, '1.0.0', 'Runs a pipeline of ops (deprecated: use AI.DAGEXECUTE)');
export const dagrunRo = dagCommand({ name: 'AI.DAGRUN_RO', readOnly: true, deprecated: true }, '1.0.0', 'Runs a read-only pipeline of ops (deprecated: use AI.DAGEXECUTE_RO)');


