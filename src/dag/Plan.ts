import type { StoredModel, StoredScript } from '../engine/Model';

/**
 * A plan: what a run command asks for, as ops over named tensors. Every run command becomes one
 * (AI.MODELEXECUTE is a one-op plan), so a DAG command only adds syntax. Tensor names are internal
 * key names (see store/keyName.ts); names an op produces live in the plan's own scope until
 * persisted.
 */
export interface Plan {
  /** Keys whose tensors the plan reads, looked up before anything is queued. */
  readonly loads: readonly string[];
  readonly ops: readonly PlanOp[];
  /** Names written back to the keyspace, only when every op succeeded. */
  readonly persist: readonly string[];
  /** Queue-wait deadline in ms for each op (0: none). */
  readonly timeout: number;
}

export type PlanOp = ModelOp | ScriptOp;

export interface ModelOp {
  readonly kind: 'model';
  /** The key the model was stored under (its statistics entry). */
  readonly key: string;
  /** The model object as it was when the plan was made: a re-store meanwhile does not change it. */
  readonly model: StoredModel;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface ScriptOp {
  readonly kind: 'script';
  readonly key: string;
  readonly script: StoredScript;
  readonly fn: string;
  readonly keys: readonly Buffer[];
  readonly args: readonly Buffer[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}
