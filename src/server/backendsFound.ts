import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../packageRoot';

/**
 * What get_deps.sh found for each backend (deps/paths.env), for the start-up banner. Backends are
 * loaded on first use; this only says which could be.
 */
export function backendsFound(root = PACKAGE_ROOT): Record<string, string> {
  const found: Record<string, string> = {};
  let env = '';
  try {
    env = fs.readFileSync(path.join(root, 'deps', 'paths.env'), 'utf8');
  } catch {
    return found;
  }
  const vars = Object.fromEntries(env.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2)));
  found.TORCH = vars.LIBTORCH_DIR ? `libtorch in ${vars.LIBTORCH_DIR}` : 'not found';
  found.ONNX = vars.ONNXRUNTIME_DIR && fs.existsSync(path.join(vars.ONNXRUNTIME_DIR, 'lib', 'libonnxruntime.so.1'))
    ? `onnxruntime in ${vars.ONNXRUNTIME_DIR}` : 'not found';
  found.TF = vars.TENSORFLOW_DIR && fs.existsSync(path.join(vars.TENSORFLOW_DIR, 'lib', 'libtensorflow_cc.so.2'))
    ? `TensorFlow C API in ${vars.TENSORFLOW_DIR}` : 'not found';
  found.TFLITE = vars.TFLITE_DIR && fs.existsSync(path.join(vars.TFLITE_DIR, 'lib', 'libtensorflowlite_c.so'))
    ? `TFLite C API in ${vars.TFLITE_DIR}` : 'not found';
  return found;
}
