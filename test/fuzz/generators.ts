// Input generators for the fuzzers: each makes inputs from a seeded random source, so a failure
// can be replayed from its seed. They aim at the server the way a careless or hostile client
// would: broken RESP framing, AI.* commands assembled from their grammar's words in any order,
// model blobs of every backend damaged in every way, and TorchScript nested around the bounds.
import { encodeCommand } from '../helpers/RawClient';
import { fixture } from '../helpers/fixtures';

/** mulberry32: a small, fast seeded generator (quality enough for fuzzing). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, items: readonly T[]): T => items[int(r, items.length)];

const WORDS = [
  'AI.TENSORSET', 'AI.TENSORGET', 'AI.MODELSTORE', 'AI.MODELSET', 'AI.MODELGET', 'AI.MODELDEL', 'AI.MODELEXECUTE', 'AI.MODELRUN',
  'AI.SCRIPTSTORE', 'AI.SCRIPTSET', 'AI.SCRIPTGET', 'AI.SCRIPTDEL', 'AI.SCRIPTEXECUTE', 'AI.SCRIPTRUN', 'AI.DAGEXECUTE',
  'AI.DAGEXECUTE_RO', 'AI.DAGRUN', 'AI.INFO', 'AI.CONFIG', 'AI._MODELSCAN', 'AI._SCRIPTSCAN',
];
const TOKENS = [
  'FLOAT', 'DOUBLE', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'BOOL', 'STRING', 'BLOB', 'VALUES', 'META',
  'TORCH', 'ONNX', 'TF', 'TFLITE', 'CPU', 'GPU', 'CPU:1', 'TAG', 'BATCHSIZE', 'MINBATCHSIZE', 'MINBATCHTIMEOUT', 'INPUTS',
  'OUTPUTS', 'KEYS', 'ARGS', 'TIMEOUT', 'ENTRY_POINTS', 'SOURCE', 'LOAD', 'PERSIST', 'ROUTING', '|>', '$', 'RESETSTAT',
  'BACKENDSPATH', 'LOADBACKEND', 'MODEL_CHUNK_SIZE', 'GET', 'k', 'm', 's', 'a', 'b', 'out', 'f', 'bar',
  '0', '1', '2', '3', '-1', '4', '65', '1000000000000', '0.5', '1e308', 'nan', '', '\0', 'ÿ',
];
const SCRIPT = 'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0] + tensors[1]\n';

/** A request made of the AI.* grammar's words in a random order and number. */
export function command(r: Rand): Array<string | Buffer> {
  const args: Array<string | Buffer> = [pick(r, WORDS)];
  const n = int(r, 14);
  for (let i = 0; i < n; i++) {
    const roll = r();
    if (roll < 0.8) args.push(pick(r, TOKENS));
    else if (roll < 0.9) args.push(String(int(r, 40) - 5));
    else if (roll < 0.95) args.push(SCRIPT);
    else args.push(Buffer.from(Array.from({ length: int(r, 64) }, () => int(r, 256))));
  }
  return args;
}

/** Bytes of one or more requests, then damaged: flipped, cut, spliced, with numbers made wild. */
export function protocolBytes(r: Rand): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0, n = 1 + int(r, 3); i < n; i++) parts.push(r() < 0.2 ? Buffer.from(`${pick(r, ['PING', 'ECHO x', 'AI.INFO', 'GET "a\\x00'])}\r\n`) : encodeCommand(command(r)));
  const b = Buffer.concat(parts);
  const mutations = int(r, 4);
  let out = b;
  for (let i = 0; i < mutations; i++) {
    const at = int(r, out.length + 1);
    switch (int(r, 6)) {
      case 0: if (out.length > 0) out[Math.min(at, out.length - 1)] = int(r, 256); break;
      case 1: out = out.subarray(0, at); break;
      case 2: out = Buffer.concat([out.subarray(0, at), Buffer.from(pick(r, ['*', '$', '\r\n', '-1', '*-1\r\n', '$2147483648\r\n', '*99999999\r\n', '\0']), 'latin1'), out.subarray(at)]); break;
      case 3: out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + int(r, 8)))]); break;
      case 4: out = Buffer.concat([out, Buffer.from(`*${int(r, 5)}\r\n$${int(r, 100)}\r\n`)]); break;
      default: out = Buffer.from(out.toString('latin1').replace(/\$\d+/, `$${pick(r, ['0', '99', '-2', '007', '1a'])}`), 'latin1');
    }
  }
  return out;
}

const MODEL_BLOBS: Record<string, string> = {
  TORCH: 'pt-minimal.pt', ONNX: 'linear_iris.onnx', TF: 'graph.pb', TFLITE: 'mnist_model_quant.tflite',
};

/** A MODELSTORE of a real model of some backend, its blob damaged (or another backend's). */
export function damagedModel(r: Rand): Array<string | Buffer> {
  const backend = pick(r, Object.keys(MODEL_BLOBS));
  let blob = Buffer.from(fixture(pick(r, Object.values(MODEL_BLOBS))));
  for (let i = 0, n = int(r, 6); i < n; i++) {
    switch (int(r, 4)) {
      case 0: blob[int(r, blob.length)] ^= 1 << int(r, 8); break;
      case 1: blob = blob.subarray(0, int(r, blob.length)); break;
      case 2: blob.fill(int(r, 256), int(r, blob.length), int(r, blob.length)); break;
      default: {
        const at = int(r, blob.length);
        blob = Buffer.concat([blob.subarray(0, at), blob.subarray(int(r, blob.length))]);
      }
    }
  }
  const tf = backend === 'TF' ? ['INPUTS', '2', 'a', 'b', 'OUTPUTS', '1', 'mul'] : [];
  return ['AI.MODELSTORE', 'fuzzed', backend, 'CPU', ...tf, 'BLOB', blob];
}

/** A SCRIPTSTORE of TorchScript nested or chained around the bounds of source_limits.h. */
export function nestedScript(r: Rand): Array<string | Buffer> {
  // Mostly around the bounds (200 deep, 1000 operators); sometimes far past them, as the crashes were.
  const depth = r() < 0.1 ? int(r, 20_000) : int(r, 400);
  const open = pick(r, ['(', '[', '-', 'not ', '~', '+']);
  const close = open === '(' ? ')' : open === '[' ? ']' : '';
  let body = open.repeat(depth) + pick(r, ['x', 'True', '1']) + close.repeat(depth);
  if (r() < 0.3) body = Array(int(r, 2000) + 1).fill(pick(r, ['x', '1'])).join(pick(r, [' + ', ' * ', ' and ', '.', ' < ']));
  const source = `def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    x = tensors[0]\n    y = ${body}\n    return x\n`;
  return ['AI.SCRIPTSTORE', 'fuzzed', 'CPU', 'ENTRY_POINTS', '1', 'f', 'SOURCE', source];
}

export const FUZZERS = { protocol: protocolBytes, grammar: command, blobs: damagedModel, nesting: nestedScript } as const;
export type FuzzerName = keyof typeof FUZZERS;
