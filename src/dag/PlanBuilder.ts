import { StormbreakerError } from '../errors';
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
