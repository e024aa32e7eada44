import type { StoredModel, StoredScript } from '../model/Model';
import type { Tensor } from '../tensor/Tensor';

/**
 * A plan: what a run command asks for, as ops over tensors. Every run command becomes one
 * (AI.SCRIPTEXECUTE is a one-op plan; a DAG is a longer one; AI.MODELEXECUTE keeps the same semantics on a direct path, Engine.runModelCall), so the DAG commands only add syntax.
 * Each op input names exactly where its tensor comes from: a tensor loaded when the plan was
 * made, or a given output of an earlier op (names are versioned: a later write of a name makes a
 * new source, earlier readers keep theirs).
 */
export interface Plan {
  readonly ops: readonly PlanOp[];
  /** Keys written back to the keyspace, only when every op succeeded. */
  readonly persist: ReadonlyArray<{ readonly key: string; readonly source: TensorSource }>;
  /** Deadline in ms for the whole plan, measured from its start (0: none). */
  readonly timeout: number;
}

export type TensorSource =
  | { readonly from: 'load'; readonly tensor: Tensor }
  | { readonly from: 'op'; readonly op: number; readonly output: number };

export type PlanOp = TensorSetOp | TensorGetOp | ModelOp | ScriptOp;

/** A tensor made when the plan was parsed (DAG `AI.TENSORSET`); its one output. */
export interface TensorSetOp {
  readonly kind: 'tensorset';
  readonly tensor: Tensor;
}

/** Returns a tensor of the plan in the reply (DAG `AI.TENSORGET`). */
export interface TensorGetOp {
  readonly kind: 'tensorget';
  readonly source: TensorSource;
  /** Which parts of the tensor to reply. */
  readonly format: { readonly meta: boolean; readonly blob: boolean; readonly values: boolean };
}

export interface ModelOp {
  readonly kind: 'model';
  /** The key the model was stored under (its statistics entry). */
  readonly key: string;
  /** The model object as it was when the plan was made: a re-store meanwhile does not change it. */
  readonly model: StoredModel;
  readonly inputs: readonly TensorSource[];
  readonly outputCount: number;
}

export interface ScriptOp {
  readonly kind: 'script';
  readonly key: string;
  readonly script: StoredScript;
  readonly fn: string;
  readonly keys: readonly Buffer[];
  readonly args: readonly Buffer[];
  readonly inputs: readonly TensorSource[];
  readonly outputCount: number;
}

/** The device queue an op runs on; tensor ops count as CPU (spec §6.2). */
export function deviceOf(op: PlanOp): string {
  if (op.kind === 'model') return op.model.device.toUpperCase();
  if (op.kind === 'script') return op.script.device.toUpperCase();
  return 'CPU';
}
