import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../model/Model';
import { StormbreakerError } from '../errors';
import { FIX_COMMANDS, native } from '../native';

/** What a backend needs and how to get it, for the error a user sees when it is missing. */
const FIX: Record<Backend, string> = {
  TORCH: `install libtorch (Debian's libtorch-dev, or set LIBTORCH); ${FIX_COMMANDS}`,
  ONNX: `fetch ONNX Runtime (or set ONNXRUNTIME_DIR); ${FIX_COMMANDS}`,
  TF: `fetch the TensorFlow C API (or set LIBTENSORFLOW); ${FIX_COMMANDS}`,
  TFLITE: `fetch the TFLite C API (or set LIBTFLITE); ${FIX_COMMANDS}`,
};

export function backendFileName(backend: Backend): string {
  return `libstormbreaker_${backend.toLowerCase()}.so`;
}

/** Where a backend may be loaded from: the backends path fixed at start-up, unless anything goes. */
export interface BackendTrust {
  /** The backends path the server started with (symlinks resolved when it is checked). */
  readonly trustedPath: string;
  readonly anyPath: boolean;
}

// One load per backend at a time: concurrent first uses wait for the same load.
const loading = new Map<Backend, Promise<string>>();

/**
 * Makes sure a backend is loaded, from `backendsPath` (RedisAI's BACKENDSPATH) or `explicitPath`.
 * Loading happens once, on first use, off the event loop (dlopen of libtorch takes a few hundred
 * milliseconds). A file outside the trusted backends path is refused unless `trust.anyPath`.
 * Failure is `ERR Could not load backend` followed by why and the fix, on one line.
 */
export async function ensureBackend(backend: Backend, backendsPath: string, trust: BackendTrust, explicitPath?: string): Promise<string> {
  const loaded = native.backendVersion(backend);
  if (loaded !== null) return loaded;
  const file = explicitPath !== undefined
    ? (path.isAbsolute(explicitPath) ? explicitPath : path.join(backendsPath, explicitPath))
    : path.join(backendsPath, backendFileName(backend));
  if (!fs.existsSync(file)) {
    throw new StormbreakerError(`ERR Could not load backend ${backend}: ${file} not found (${FIX[backend]})`);
  }
  if (!trust.anyPath && !inside(fs.realpathSync(file), realFolder(trust.trustedPath))) {
    throw new StormbreakerError(`ERR Could not load backend ${backend}: ${file} is outside the backends path fixed at start-up ` +
      `(${trust.trustedPath}); start the server with --enable-loadbackend-any-path yes to allow it`);
  }
  let load = loading.get(backend);
  if (load === undefined) {
    load = native.loadBackend(backend, file).finally(() => loading.delete(backend));
    loading.set(backend, load);
  }
  try {
    return await load;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new StormbreakerError(`ERR Could not load backend ${backend}: ${reason} (${FIX[backend]})`);
  }
}

function realFolder(folder: string): string {
  try {
    return fs.realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
}

/** Whether `file` (a real path) lies in `folder` (a real path) or below it. */
function inside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
