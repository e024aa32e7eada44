import { ADDON_FOLDER } from '../native';

/** RedisAI's load-time settings (spec §11), plus the runtime ones of AI.CONFIG (§8). */
export interface AiSettings {
  /** Native threads serving each device queue. */
  threadsPerQueue: number;
  /** Requests that may wait in one device queue; past it, new runs are refused at once. */
  queueLimit: number;
  /** Passed to backends at model load; 0 is the backend's default. */
  intraOpParallelism: number;
  interOpParallelism: number;
  /** MODELGET returns blobs longer than this in chunks. */
  modelChunkSize: number;
  /** Where backend libraries are looked up first. */
  backendsPath: string;
  /** ONNX runs longer than this many ms are terminated (spec §10.4; at least 1000). */
  modelExecutionTimeout: number;
  /** MB (10^6 bytes) all ONNX CPU sessions together may allocate; 0 is no limit (spec §10.4). */
  backendMemoryLimit: number;
  /**
   * Backend libraries may be loaded from anywhere (AI.CONFIG LOADBACKEND with any path, or a
   * BACKENDSPATH changed at run time). Off by default: a backend's constructor runs inside the
   * server, so only the backends path fixed at start-up is trusted (as Redis 7 guards MODULE LOAD
   * with enable-module-command).
   */
  enableLoadbackendAnyPath: boolean;
  /** TF graphs may hold ops that reach the file system, the network or a process (off by default: see backends/tfGraphOps.ts). */
  enableTfIoOps: boolean;
  /** TorchScript may call torch.save and torch.from_file (off by default; process-wide, as the TORCH backend is). */
  enableTorchscriptFileOps: boolean;
}

/** The folder the addon was loaded from (build/Release, or an installed package's prebuild), where the backend libraries are too. */
export const DEFAULT_BACKENDS_PATH = ADDON_FOLDER;

export const DEFAULT_AI_SETTINGS: Readonly<AiSettings> = {
  threadsPerQueue: 1,
  queueLimit: 10000,
  intraOpParallelism: 0,
  interOpParallelism: 0,
  modelChunkSize: 511 * 1024 * 1024,
  backendsPath: DEFAULT_BACKENDS_PATH,
  modelExecutionTimeout: 5000,
  backendMemoryLimit: 0,
  enableLoadbackendAnyPath: false,
  enableTfIoOps: false,
  enableTorchscriptFileOps: false,
};
