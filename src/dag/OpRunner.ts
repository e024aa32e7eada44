import type { StoredModel, StoredScript } from '../model/Model';
import type { Key } from '../store/keyName';
import type { StoredValue } from '../store/StoredValue';
import type { Tensor } from '../tensor/Tensor';

/** What one model or script call came to: its outputs, or TIMEDOUT (it waited past its deadline). */
export interface CallResult {
  readonly outputs: Tensor[];
  readonly status: 'OK' | 'TIMEDOUT';
}

/**
 * What becomes of a run's result, in the one promise reaction that also records its statistics
 * (each layer's own `.then` was a microtask turn, a promise and a closure per run). `failed` gets
 * the run's error as the run commands word it; what either returns, or throws, settles the run's
 * promise.
 */
export interface RunContinuation<T> {
  done(result: CallResult): T;
  failed(err: Error): T;
}

/**
 * What the DAG layer needs of the engine below it: the stored values an op names, the runs
 * themselves (on their device queues, with their statistics), and the write of a PERSIST key.
 * The engine implements it; the DAG layer knows nothing else of it.
 */
export interface OpRunner {
  getModel(key: Key): StoredModel;
  getScript(key: Key): StoredScript;
  /** The value at an internal name, if any, for a kind check: the caller keeps nothing of it. */
  valueAt(name: string): StoredValue | undefined;
  /** One model run on its device queue, its statistics recorded under `name`. */
  runModelOp(name: string, model: StoredModel, inputs: readonly Tensor[], timeout: number): Promise<CallResult>;
  runModelOp<T>(name: string, model: StoredModel, inputs: readonly Tensor[], timeout: number, then: RunContinuation<T>): Promise<T>;
  /** One script call on its device queue, its statistics recorded under `name`. */
  runScriptOp(name: string, script: StoredScript, fn: string, inputs: readonly Tensor[], keys: readonly Buffer[],
    args: readonly Buffer[], wantOutputs: boolean, timeout: number): Promise<CallResult>;
  runScriptOp<T>(name: string, script: StoredScript, fn: string, inputs: readonly Tensor[], keys: readonly Buffer[],
    args: readonly Buffer[], wantOutputs: boolean, timeout: number, then: RunContinuation<T>): Promise<T>;
  /** A call that ran but whose result is an error (too few outputs) counts as an error of `name`. */
  recordError(name: string): void;
  /** Reads the tensors a DAG loads, in one call. */
  getTensors(keys: readonly Key[]): Tensor[];
  /** Writes a plan's PERSIST keys (internal names) in one commit. */
  setTensorsAt(entries: ReadonlyArray<readonly [string, Tensor]>): void;
  /** Runs `body` as one batch of the store over `names` (internal names): one fetch before, one write after. */
  batched<T>(names: readonly string[], body: () => T | Promise<T>): T | Promise<T>;
}
