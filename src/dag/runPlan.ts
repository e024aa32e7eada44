import type { OpRunner, RunContinuation } from './OpRunner';
import { Errors, StormbreakerError } from '../errors';
import type { Tensor } from '../tensor/Tensor';
import { deviceOf, ModelOp, Plan, PlanOp, ScriptOp, TensorGetOp, TensorSetOp, TensorSource } from './Plan';

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
export function runPlan(engine: OpRunner, plan: Plan): Promise<PlanResult>;
/** The same, its result mapped to what the caller replies (`reply`), in the same reaction. */
export function runPlan<T>(engine: OpRunner, plan: Plan, reply: (result: PlanResult) => T): Promise<T>;
export function runPlan<T>(engine: OpRunner, plan: Plan, reply?: (result: PlanResult) => T): Promise<T | PlanResult> {
  for (const { key } of plan.persist) {
    const existing = engine.valueAt(key);
    if (existing !== undefined && existing.kind !== 'tensor') return Promise.reject(new StormbreakerError(Errors.wrongType));
  }
  const run = new PlanRun(engine, plan);
  // Every SCRIPTEXECUTE, and the usual DAG: every op on one device queue, so each waits for the
  // one before it, and running them in plan order one at a time is what the ordering of
  // PlanRun.concurrently comes to, without a promise, a closure and a map entry per op (runPlan had
  // been ~10% of the event loop's time per D1 DAG, ~7% after), and with one promise reaction per
  // model or script op where async functions' awaits took three.
  const answer: (result: PlanResult) => T | PlanResult = reply ?? ((result) => result);
  if (plan.ops.length === 1 || onOneDevice(plan.ops)) return run.inOrder(answer);
  return run.concurrently(answer);
}

/** One run of a plan: its ops' results so far, and whether an op failed or the deadline passed. */
class PlanRun {
  private readonly deadline: number;
  private failed = false;
  private timedOut = false;
  /** Each op's result, or its promise while it runs (concurrently). */
  private readonly results: Array<OpResult | Promise<OpResult>> = [];
  /**
   * Ops' results once known: a source whose op has finished (or a loaded tensor) is read without
   * a promise turn.
   */
  private readonly done: Array<OpResult | undefined> = [];

  constructor(private readonly engine: OpRunner, private readonly plan: Plan) {
    this.deadline = plan.timeout > 0 ? Date.now() + plan.timeout : 0;
  }

  /** The ops one after another; a model or script op's result continues the run from its reaction. */
  inOrder<T>(answer: (result: PlanResult) => T): Promise<T> {
    const { ops } = this.plan;
    const settled: OpResult[] = [];
    return new Promise<T>((resolve, reject) => {
      const next = (): void => {
        try {
          while (settled.length < ops.length) {
            const i = settled.length;
            const op = ops[i];
            const result = op.kind === 'model' || op.kind === 'script'
              ? this.start(op, op.inputs.map((source) => this.resolve(source) as Tensor | undefined))
              : this.tensorOpNow(op);
            if (result instanceof Promise) {
              result.then((r) => {
                settled.push((this.done[i] = r));
                next();
              }, reject);
              return;
            }
            settled.push((this.done[i] = result));
          }
          resolve(answer(this.finish(settled)));
        } catch (err) {
          reject(err);
        }
      };
      next();
    });
  }

  /** Ops on several devices: each device's in plan order, each op waiting only for its inputs' ops. */
  async concurrently<T>(answer: (result: PlanResult) => T): Promise<T> {
    const { results, done } = this;
    // The last op of each device so far: the next one there waits for it, unless it is done.
    const deviceTail = new Map<string, number>();
    for (const [i, op] of this.plan.ops.entries()) {
      if (op.kind === 'tensorset') {
        // Its tensor was made with the plan: done now, and nothing on its device need wait for
        // it (what came before it there is what comes after it waits for).
        results.push((done[i] = { status: 'ok', outputs: [op.tensor] }));
        continue;
      }
      const device = deviceOf(op);
      const last = deviceTail.get(device);
      const before = last !== undefined && done[last] === undefined ? results[last] as Promise<OpResult> : undefined;
      results.push(this.runAfter(op, before).then((r) => (done[i] = r)));
      deviceTail.set(device, i);
    }
    return answer(this.finish(await Promise.all(results)));
  }

  private outputOf(result: OpResult, source: TensorSource & { from: 'op' }): Tensor | undefined {
    return result.status === 'ok' ? result.outputs[source.output] : undefined;
  }

  private resolve(source: TensorSource): Tensor | undefined | Promise<Tensor | undefined> {
    if (source.from === 'load') return source.tensor;
    const known = this.done[source.op];
    return known !== undefined
      ? this.outputOf(known, source)
      : (this.results[source.op] as Promise<OpResult>).then((result) => this.outputOf(result, source));
  }

  /** A tensor op whose source has been settled: its result, at once. */
  private tensorOpNow(op: TensorSetOp | TensorGetOp): OpResult {
    if (op.kind === 'tensorset') return { status: 'ok', outputs: [op.tensor] };
    const tensor = this.resolve(op.source) as Tensor | undefined;
    return tensor === undefined ? NA : { status: 'ok', outputs: [tensor] };
  }

  private async runAfter(op: PlanOp, before: Promise<unknown> | undefined): Promise<OpResult> {
    if (before !== undefined) await before;
    if (op.kind === 'tensorset') return { status: 'ok', outputs: [op.tensor] };
    if (op.kind === 'tensorget') {
      const source = this.resolve(op.source);
      const tensor = source instanceof Promise ? await source : source;
      return tensor === undefined ? NA : { status: 'ok', outputs: [tensor] };
    }
    const sources = op.inputs.map((source) => this.resolve(source));
    return this.start(op, sources.some((t) => t instanceof Promise) ? await Promise.all(sources) : sources as Array<Tensor | undefined>);
  }

  /**
   * Starts a model or script op on its inputs (undefined: never produced): NA when it is not to
   * run (an op failed before it, an input is missing, the deadline passed), else its result's
   * promise, which never rejects (a failure is an `error` result).
   */
  private start(op: ModelOp | ScriptOp, inputs: ReadonlyArray<Tensor | undefined>): OpResult | Promise<OpResult> {
    if (this.failed || this.timedOut || inputs.some((t) => t === undefined)) return NA;
    const remaining = this.deadline > 0 ? this.deadline - Date.now() : 0;
    if (this.deadline > 0 && remaining <= 0) {
      this.timedOut = true;
      return NA;
    }
    // The op's result is made in the reaction that records the run (RunContinuation).
    const then: RunContinuation<OpResult> = {
      done: (result) => {
        if (result.status === 'TIMEDOUT') {
          this.timedOut = true;
          return NA;
        }
        try {
          checkOutputCount(this.engine, op, result.outputs.length);
        } catch (err) {
          return this.opFailed(err);
        }
        return { status: 'ok', outputs: result.outputs };
      },
      failed: (err) => this.opFailed(err),
    };
    try {
      return op.kind === 'model'
        ? this.engine.runModelOp(op.key, op.model, inputs as Tensor[], remaining, then)
        : this.engine.runScriptOp(op.key, op.script, op.fn, inputs as Tensor[], op.keys, op.args, op.outputCount > 0, remaining, then);
    } catch (err) {
      return this.opFailed(err);
    }
  }

  private opFailed(err: unknown): OpResult {
    this.failed = true;
    return { status: 'error', message: err instanceof Error ? err.message : String(err) };
  }

  /** The plan's result from its ops' results: PERSIST keys written only when every op succeeded. */
  private finish(settled: OpResult[]): PlanResult {
    const { timedOut } = this;
    if (timedOut) return { timedOut, results: settled };
    if (this.failed || settled.some((r) => r.status !== 'ok')) return { timedOut, results: settled };
    try {
      // Every PERSIST key in one commit: a store elsewhere writes them all or none, in one round trip.
      this.engine.setTensorsAt(this.plan.persist.map(({ key, source }) =>
        [key, (source.from === 'load' ? source.tensor : this.outputOf(settled[source.op], source))!] as const));
    } catch (err) {
      return { timedOut, results: settled, persistError: err instanceof Error ? err.message : String(err) };
    }
    return { timedOut, results: settled };
  }
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
