import type { OpRunner } from './OpRunner';
import { Errors, StormbreakerError } from '../errors';
import type { Tensor } from '../tensor/Tensor';
import { deviceOf, Plan, PlanOp, TensorGetOp, TensorSetOp, TensorSource } from './Plan';

/** What one op came to. */
export type OpResult =
  | { readonly status: 'ok'; readonly outputs: readonly Tensor[] }
  | { readonly status: 'error'; readonly message: string }
  /** Not run: an earlier op failed, or its input was never produced (`NA` on the wire). */
  | { readonly status: 'na' };

export interface PlanResult {
  /** The plan hit its deadline: nothing was persisted (the wire reply is `TIMEDOUT`). */
  readonly timedOut: boolean;
  readonly results: readonly OpResult[];
  /** Set when writing PERSIST keys failed after every op succeeded. */
  readonly persistError?: string;
}

const NA: OpResult = { status: 'na' };

/**
 * Runs a plan. Each device's ops run in plan order on that device's queue; ops on different
 * devices run at the same time, each waiting only for the ops that produce its inputs. After an
 * op fails, model and script ops that have not started are not run. PERSIST keys are written only
 * when every op succeeded. Keys that PERSIST would overwrite with a tensor must not hold another
 * kind of value: that fails before anything runs (DESIGN.md deviation 5).
 */
export async function runPlan(engine: OpRunner, plan: Plan): Promise<PlanResult> {
  for (const { key } of plan.persist) {
    const existing = engine.valueAt(key);
    if (existing !== undefined && existing.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
  }
  const deadline = plan.timeout > 0 ? Date.now() + plan.timeout : 0;
  let failed = false;
  let timedOut = false;
  // Each op's result, or its promise while it runs (a tensorset's is known at once).
  const results: Array<OpResult | Promise<OpResult>> = [];

  // Ops' results once known: a source whose op has finished (or a loaded tensor) is read without
  // a promise turn. Every SCRIPTEXECUTE is a one-op plan of loaded inputs (MODELEXECUTE has a direct path of its own, Engine.runModelCall), and
  // each avoidable await was a microtask on the event loop per run.
  const done: Array<OpResult | undefined> = [];
  const outputOf = (result: OpResult, source: TensorSource & { from: 'op' }) => (result.status === 'ok' ? result.outputs[source.output] : undefined);
  const resolve = (source: TensorSource): Tensor | undefined | Promise<Tensor | undefined> => {
    if (source.from === 'load') return source.tensor;
    const known = done[source.op];
    return known !== undefined ? outputOf(known, source) : (results[source.op] as Promise<OpResult>).then((result) => outputOf(result, source));
  };

  /** A tensor op whose source has been settled: its result, at once. */
  const tensorOpNow = (op: TensorSetOp | TensorGetOp): OpResult => {
    if (op.kind === 'tensorset') return { status: 'ok', outputs: [op.tensor] };
    const tensor = resolve(op.source) as Tensor | undefined;
    return tensor === undefined ? NA : { status: 'ok', outputs: [tensor] };
  };

  const run = async (op: PlanOp, before: Promise<unknown> | undefined): Promise<OpResult> => {
    if (before !== undefined) await before;
    if (op.kind === 'tensorset') return { status: 'ok', outputs: [op.tensor] };
    if (op.kind === 'tensorget') {
      const source = resolve(op.source);
      const tensor = source instanceof Promise ? await source : source;
      return tensor === undefined ? NA : { status: 'ok', outputs: [tensor] };
    }
    const sources = op.inputs.map(resolve);
    const inputs = sources.some((t) => t instanceof Promise) ? await Promise.all(sources) : sources as Array<Tensor | undefined>;
    if (failed || timedOut || inputs.some((t) => t === undefined)) return NA;
    const remaining = deadline > 0 ? deadline - Date.now() : 0;
    if (deadline > 0 && remaining <= 0) {
      timedOut = true;
      return NA;
    }
    try {
      const result = op.kind === 'model'
        ? await engine.runModelOp(op.key, op.model, inputs as Tensor[], remaining)
        : await engine.runScriptOp(op.key, op.script, op.fn, inputs as Tensor[], op.keys, op.args, op.outputCount > 0, remaining);
      if (result.status === 'TIMEDOUT') {
        timedOut = true;
        return NA;
      }
      checkOutputCount(engine, op, result.outputs.length);
      return { status: 'ok', outputs: result.outputs };
    } catch (err) {
      failed = true;
      return { status: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  };

  let settled: OpResult[];
  if (plan.ops.length === 1) {
    // Every SCRIPTEXECUTE, and a one-op DAG: nothing to order it after.
    settled = [await run(plan.ops[0], undefined)];
  } else if (onOneDevice(plan.ops)) {
    // The usual DAG: every op on one device queue, so each waits for the one before it, and
    // running them in plan order one at a time is what the ordering below comes to, without a
    // promise, a closure and a map entry per op (runPlan had been ~10% of the event loop's time
    // per D1 DAG, ~7% after). A tensor op's inputs are all known by its turn: it is answered at
    // once, not through a promise.
    settled = [];
    for (let i = 0; i < plan.ops.length; i++) {
      const op = plan.ops[i];
      const result = op.kind === 'model' || op.kind === 'script' ? await run(op, undefined) : tensorOpNow(op);
      settled.push((done[i] = result));
    }
  } else {
    // The last op of each device so far: the next one there waits for it, unless it is done.
    const deviceTail = new Map<string, number>();
    for (const [i, op] of plan.ops.entries()) {
      if (op.kind === 'tensorset') {
        // Its tensor was made with the plan: done now, and nothing on its device need wait for
        // it (what came before it there is what comes after it waits for).
        results.push((done[i] = { status: 'ok', outputs: [op.tensor] }));
        continue;
      }
      const device = deviceOf(op);
      const last = deviceTail.get(device);
      const before = last !== undefined && done[last] === undefined ? results[last] as Promise<OpResult> : undefined;
      results.push(run(op, before).then((r) => (done[i] = r)));
      deviceTail.set(device, i);
    }
    settled = await Promise.all(results);
  }
  if (timedOut) return { timedOut, results: settled };
  if (failed || settled.some((r) => r.status !== 'ok')) return { timedOut, results: settled };
  try {
    // Every PERSIST key in one commit: a store elsewhere writes them all or none, in one round trip.
    engine.setTensorsAt(plan.persist.map(({ key, source }) =>
      [key, (source.from === 'load' ? source.tensor : outputOf(settled[source.op], source))!] as const));
  } catch (err) {
    return { timedOut, results: settled, persistError: err instanceof Error ? err.message : String(err) };
  }
  return { timedOut, results: settled };
}

/** Whether every op that runs (all but TENSORSETs, which are done when parsed) runs on the same device queue. */
function onOneDevice(ops: readonly PlanOp[]): boolean {
  let device: string | undefined;
  for (const op of ops) {
    if (op.kind === 'tensorset') continue;
    const here = deviceOf(op);
    if (device === undefined) device = here;
    else if (here !== device) return false;
  }
  return true;
}

/** A model must give at least, and a script exactly, as many tensors as the op names. */
function checkOutputCount(engine: OpRunner, op: PlanOp & { kind: 'model' | 'script' }, produced: number): void {
  const short = op.kind === 'model' ? produced < op.outputCount : produced !== op.outputCount;
  if (!short) return;
  engine.recordError(op.key); // the call counted; its result is an error
  throw new StormbreakerError(op.kind === 'model'
    ? 'ERR Model did not generate the expected number of outputs'
    : `Function returned unexpected number of outputs - ${op.fn}`);
}

/** A one-op plan's outcome as a single command replies it: `OK`, `TIMEDOUT`, or the op's error. */
export function singleOutcome(result: PlanResult): 'OK' | 'TIMEDOUT' {
  if (result.timedOut) return 'TIMEDOUT';
  const [only] = result.results;
  if (only.status === 'error') throw new StormbreakerError(only.message);
  if (result.persistError !== undefined) throw new StormbreakerError(result.persistError);
  return 'OK';
}
