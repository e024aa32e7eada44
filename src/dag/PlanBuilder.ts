import type { StoredModel, StoredScript } from '../model/Model';
import { StormbreakerError } from '../errors';
import { Key, keyName } from '../store/keyName';
import type { Tensor } from '../tensor/Tensor';
import type { Plan, PlanOp, TensorSource } from './Plan';

/** Builds a plan from names, resolving each name to its newest source as ops are added. */
export class PlanBuilder {
  private readonly latest = new Map<string, TensorSource>();
  private readonly ops: PlanOp[] = [];
  private readonly persisted: Array<{ key: string; source: TensorSource }> = [];

  /** A tensor read from the keyspace now, under its key name. */
  load(name: string, tensor: Tensor): void {
    this.latest.set(name, { from: 'load', tensor });
  }

  /** Where the newest tensor called `name` comes from. */
  source(name: string): TensorSource {
    const source = this.latest.get(name);
    if (source === undefined) throw new StormbreakerError('ERR INPUT key cannot be found in DAG');
    return source;
  }

  /** Adds an op whose outputs get `outputNames`, in order. */
  add(op: PlanOp, outputNames: readonly string[] = []): void {
    const index = this.ops.push(op) - 1;
    outputNames.forEach((name, output) => this.latest.set(name, { from: 'op', op: index, output }));
  }

  /**
   * A model op: `model` (stored at `key`) on the newest tensors called `inputs`, its outputs named
   * `outputs`. Every model op is made here: MODELEXECUTE, the DAG commands and the library's Dag.
   */
  addModel(key: Key, model: StoredModel, inputs: readonly Key[], outputs: readonly Key[]): void {
    this.add({ kind: 'model', key: keyName(key), model, inputs: inputs.map((k) => this.source(keyName(k))), outputCount: outputs.length },
      outputs.map(keyName));
  }

  /** A script op: function `fn` of `script` (stored at `key`), likewise the one place script ops are made. */
  addScript(key: Key, script: StoredScript, fn: string,
    call: { inputs?: readonly Key[]; outputs?: readonly Key[]; keys?: readonly Buffer[]; args?: readonly Buffer[] }): void {
    const outputs = call.outputs ?? [];
    this.add({
      kind: 'script', key: keyName(key), script, fn, keys: call.keys ?? [], args: call.args ?? [],
      inputs: (call.inputs ?? []).map((k) => this.source(keyName(k))), outputCount: outputs.length,
    }, outputs.map(keyName));
  }

  /** Marks keys to write back: the newest version of each, as of the end of the plan. */
  persist(names: readonly string[]): void {
    for (const key of names) {
      const source = this.latest.get(key);
      if (source === undefined) throw new StormbreakerError('ERR PERSIST key cannot be found in DAG');
      this.persisted.push({ key, source });
    }
  }

  get size(): number {
    return this.ops.length;
  }

  build(timeout: number): Plan {
    return { ops: this.ops, persist: this.persisted, timeout };
  }
}
