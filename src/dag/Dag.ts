import { Buffer } from 'node:buffer';
import type { Key } from '../store/keyName';
import type { OpRunner } from './OpRunner';
import { StormbreakerError } from '../errors';
import { keyName } from '../store/keyName';
import type { Tensor } from '../tensor/Tensor';
import { PlanBuilder } from './PlanBuilder';
import { runPlan } from './runPlan';

/** What each op of a DAG came to, in op order. */
export type DagResult = 'OK' | 'NA' | Tensor | StormbreakerError;

export interface DagOptions {
  /** Keys whose tensors the DAG reads (read when `run()` is called). */
  load?: readonly Key[];
  /** Names written back to the keyspace when every op succeeded. */
  persist?: readonly Key[];
  /** Deadline in ms for the whole DAG. */
  timeout?: number;
}

/**
 * A pipeline of ops run in one go, the library form of AI.DAGEXECUTE: tensors made or produced
 * inside it stay local unless persisted; ops on different devices run at the same time.
 *
 * @example
 * const [, , sum] = await engine.dag({ load: ['a'] })
 *   .modelExecute('m', ['a', 'a'], ['sum'])
 *   .tensorget('sum')
 *   .run();
 */
export class Dag {
  private readonly steps: Array<(plan: PlanBuilder) => void> = [];
  /** The stored models and scripts the ops name, and the keys scripts may reach: with LOAD and PERSIST, the DAG's batch. */
  private readonly keys: string[] = [];

  /** @internal Use `engine.dag()`. */
  constructor(private readonly engine: OpRunner, private readonly options: DagOptions = {}) {}

  /** Makes a DAG-local tensor called `name`. */
  tensorset(name: Key, tensor: Tensor): this {
    this.steps.push((plan) => plan.add({ kind: 'tensorset', tensor }, [keyName(name)]));
    return this;
  }

  /** Returns the newest tensor called `name` in the results (or 'NA' if it was never produced). */
  tensorget(name: Key): this {
    this.steps.push((plan) => plan.add({ kind: 'tensorget', source: plan.source(keyName(name)), format: { meta: true, blob: true, values: false } }));
    return this;
  }

  /** Runs a stored model on DAG tensors, naming its outputs. */
  modelExecute(key: Key, inputs: readonly Key[], outputs: readonly Key[]): this {
    this.keys.push(keyName(key));
    this.steps.push((plan) => plan.addModel(key, this.engine.getModel(key), inputs, outputs));
    return this;
  }

  /** Calls a stored script's function on DAG tensors, naming its outputs. */
  scriptExecute(key: Key, fn: string, call: { inputs?: readonly Key[]; outputs?: readonly Key[]; keys?: readonly string[]; args?: readonly string[] } = {}): this {
    this.keys.push(keyName(key), ...(call.keys ?? []).map(keyName));
    this.steps.push((plan) => plan.addScript(key, this.engine.getScript(key), fn, {
      inputs: call.inputs, outputs: call.outputs,
      keys: (call.keys ?? []).map((k) => Buffer.from(k)), args: (call.args ?? []).map((a) => Buffer.from(a)),
    }));
    return this;
  }

  /** Runs the DAG. A DAG past its deadline rejects with a `TIMEDOUT` error. */
  async run(): Promise<DagResult[]> {
    const batch = [...(this.options.load ?? []), ...(this.options.persist ?? [])].map(keyName).concat(this.keys);
    return this.engine.batched(batch, () => this.runNow());
  }

  private async runNow(): Promise<DagResult[]> {
    const plan = new PlanBuilder();
    const loads = this.options.load ?? [];
    this.engine.getTensors(loads).forEach((tensor, i) => plan.load(keyName(loads[i]), tensor));
    for (const step of this.steps) step(plan);
    if (plan.size === 0) throw new StormbreakerError('ERR DAG is empty');
    plan.persist((this.options.persist ?? []).map(keyName));
    const built = plan.build(this.options.timeout ?? 0);
    const outcome = await runPlan(this.engine, built);
    if (outcome.timedOut) throw new StormbreakerError('TIMEDOUT');
    if (outcome.persistError !== undefined) throw new StormbreakerError(outcome.persistError);
    return outcome.results.map((result, i) => {
      if (result.status === 'na') return 'NA';
      if (result.status === 'error') return new StormbreakerError(result.message);
      return built.ops[i].kind === 'tensorget' ? result.outputs[0] : 'OK';
    });
  }
}
