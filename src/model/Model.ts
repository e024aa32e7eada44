import { StormbreakerError } from '../errors';
import type { ModelHandle, ScriptHandle } from '../native';

/** The backends RedisAI defines (spec §4.1). */
export type Backend = 'TF' | 'TFLITE' | 'TORCH' | 'ONNX';
export const BACKENDS: readonly Backend[] = ['TF', 'TFLITE', 'TORCH', 'ONNX'];

export function parseBackend(text: string): Backend | undefined {
  const upper = text.toUpperCase();
  return (BACKENDS as readonly string[]).includes(upper) ? (upper as Backend) : undefined;
}

/** `CPU`, `GPU`, `CPU:<digits>` or `GPU:<digits>`, shorter than 10 characters (spec §4.1 step 3). */
export function isValidDevice(device: string): boolean {
  return device.length < 10 && /^(CPU|GPU)(:[0-9]*)?$/i.test(device);
}

/** What a model was stored with: everything MODELGET reports, and the loaded backend model. */
export interface StoredModel {
  readonly backend: Backend;
  /** As the user typed it (echoed back); queues are keyed by its upper-case form. */
  readonly device: string;
  readonly tag: Buffer;
  readonly batchsize: number;
  readonly minbatchsize: number;
  readonly minbatchtimeout: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /**
   * Per output, the names of its columns when the backend made it from labelled data, else null:
   * an ONNX ZipMap (sequence of maps from class to score) becomes FLOAT [N, classes] with the
   * classes in ascending order, and these are those classes.
   */
  readonly outputLabels: ReadonlyArray<readonly string[] | null>;
  /** The exact uploaded bytes. */
  readonly blob: Buffer;
  /**
   * @internal The backend's loaded model; null when a persisted model could not be loaded again
   * (its backend is missing), and then `unavailable` says why.
   */
  readonly handle: ModelHandle | null;
  readonly unavailable?: string;
}

/** Options of a model to store (the library form of AI.MODELSTORE). */
export interface ModelSpec {
  backend: Backend;
  device: string;
  blob: Uint8Array;
  tag?: string | Buffer;
  batchsize?: number;
  minbatchsize?: number;
  minbatchtimeout?: number;
  /** Node names, TF only. */
  inputs?: readonly string[];
  outputs?: readonly string[];
}

/**
 * A model as persisted (a snapshot record, a DUMP payload): everything MODELGET reports, the blob,
 * and the node names it was stored with (TF's are its own; other backends name theirs on load).
 */
export type PersistedModel = ModelSpec & { tag: Buffer; inputs: string[]; outputs: string[] };

/** A script as persisted. */
export interface PersistedScript {
  device: string;
  tag: Buffer;
  entryPoints: string[];
  source: Buffer;
}

/** What a script is stored from (AI.SCRIPTSTORE's arguments). */
export interface ScriptSpec {
  device: string;
  source: string | Buffer;
  /** Functions that must have the entry-point signature. */
  entryPoints?: readonly string[];
  tag?: string | Buffer;
}

/** A TorchScript script as stored: everything SCRIPTGET reports, and the compiled script. */
export interface StoredScript {
  /** As the user typed it. */
  readonly device: string;
  readonly tag: Buffer;
  /** Functions checked to have the entry-point signature; empty for AI.SCRIPTSET scripts. */
  readonly entryPoints: readonly string[];
  readonly source: Buffer;
  /** @internal The compiled script. */
  readonly handle: ScriptHandle;
}

/** What AI.SCRIPTEXECUTE hands a function. */
export interface ScriptCall {
  keys?: readonly Buffer[];
  inputs?: readonly Buffer[];
  args?: readonly Buffer[];
  outputs?: readonly Buffer[];
  timeout?: number;
}

/**
 * The checks every model store makes, from the wire or the library, with AI.MODELSTORE's texts
 * (the commands check their own argument order first, so from the wire these already hold).
 */
export function checkModelSpec(spec: ModelSpec, restored = false): void {
  if (parseBackend(String(spec.backend)) !== spec.backend) throw new StormbreakerError('ERR unsupported backend');
  if (typeof spec.device !== 'string' || !isValidDevice(spec.device)) throw new StormbreakerError('ERR Invalid DEVICE');
  const count = (v: number | undefined, name: string) => {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new StormbreakerError(`ERR Invalid argument for ${name}`);
    return v ?? 0;
  };
  const batchsize = count(spec.batchsize, 'BATCHSIZE');
  const minbatchsize = count(spec.minbatchsize, 'MINBATCHSIZE');
  const minbatchtimeout = count(spec.minbatchtimeout, 'MINBATCHTIMEOUT');
  if (batchsize === 0 && minbatchsize > 0) throw new StormbreakerError('ERR MINBATCHSIZE specified without BATCHSIZE');
  if (minbatchsize === 0 && minbatchtimeout > 0) throw new StormbreakerError('ERR MINBATCHTIMEOUT specified without MINBATCHSIZE');
  if (spec.backend === 'TF' && !restored) {
    if (spec.inputs === undefined || spec.inputs.length === 0) throw new StormbreakerError('ERR INPUTS not specified for TF');
    if (spec.outputs === undefined || spec.outputs.length === 0) throw new StormbreakerError('ERR OUTPUTS not specified for TF');
  } else if (spec.backend !== 'TF' && (spec.inputs !== undefined || spec.outputs !== undefined)) {
    throw new StormbreakerError('ERR INPUTS argument should not be specified for this backend');
  }
  if (!(spec.blob instanceof Uint8Array)) throw new StormbreakerError('ERR Insufficient arguments, missing model BLOB');
}

/** The TORCH backend runs scripts on CPU…, GPU or GPU:<n> (spec §5.1 step 2). */
export function checkScriptDevice(device: string): void {
  if (typeof device !== 'string' || !/^(CPU.*|GPU|GPU:[0-9]+)$/i.test(device)) throw new StormbreakerError('ERR unsupported device');
}
