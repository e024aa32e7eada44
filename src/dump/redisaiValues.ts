// RedisAI's three module types in DUMP payloads: AI_TENSOR, AI__MODEL and AI_SCRIPT, read in every
// encoding version RedisAI wrote (0 to 4) and written in its newest (4), field for field as
// RedisAI's own RDB encoder and decoders do (src/serialization/RDB in RedisAI's sources):
//
//   tensor v0–v3  U device type · U device id · U bits · U code · U lanes · U ndim · ndim × U dim ·
//                 ndim × U stride · U byte offset · B data
//   tensor v4     U code · U bits · S ndim · ndim × S dim · B data · STRING: one U per element (the
//                 byte offset where it starts in data)
//   model v0      U backend · B device\0 · B tag\0 · U batchsize · U minbatchsize · U n · n × B input\0 ·
//                 U n · n × B output\0 · B blob
//   model v1      as v0, but S tag (no NUL), and the blob as U length · U chunks · chunks × B
//   model v2–v4   as v1, with U minbatchtimeout after minbatchsize
//   script v0     B device\0 · B tag\0 · B source\0
//   script v1–v2  B device\0 · S tag · B source\0
//   script v3–v4  as v1, then U n · n × B entry point\0
//
// U = LoadUnsigned, S = LoadSigned (the same bytes), B = a string (LoadStringBuffer / LoadString).
// Tensor data is the TENSORGET BLOB layout; a STRING tensor's is its elements, each ending in NUL.
import { Buffer } from 'node:buffer';
import type { Backend } from '../model/Model';
import type { StoredValue } from '../store/StoredValue';
import { DType, ELEMENT_SIZE } from '../tensor/dtype';
import { Tensor } from '../tensor/Tensor';
import type { RestoredValue } from './RestoredValue';
import type { RdbReader } from './RdbReader';
import type { RdbWriter } from './RdbWriter';

export const REDISAI_TYPES: readonly string[] = ['AI_TENSOR', 'AI__MODEL', 'AI_SCRIPT'];
/** The encoding version RedisAI writes today, and we write. */
const ENCODING_VERSION = 4;

// Module type ids: 9 characters of 6 bits each from this set, then 10 bits of encoding version.
const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function moduleTypeName(id: bigint): string {
  let name = '';
  for (let i = 8; i >= 0; i--) name += CHARSET[Number((id >> BigInt(10 + 6 * i)) & 0x3fn)];
  return name;
}

function moduleTypeId(name: string, encver: number): bigint {
  let id = 0n;
  for (const ch of name) id = (id << 6n) | BigInt(CHARSET.indexOf(ch));
  return (id << 10n) | BigInt(encver);
}

// RedisAI's backend numbers, the same in every version.
const BACKENDS: readonly Backend[] = ['TF', 'TFLITE', 'TORCH', 'ONNX'];

// DLPack type codes (with RedisAI's bool 6 and string 7) and bits, per dtype.
const DLPACK: Readonly<Record<DType, readonly [number, number]>> = {
  FLOAT: [2, 32], DOUBLE: [2, 64], INT8: [0, 8], INT16: [0, 16], INT32: [0, 32], INT64: [0, 64],
  UINT8: [1, 8], UINT16: [1, 16], BOOL: [6, 8], STRING: [7, 8],
};

function dtypeOf(r: RdbReader, code: number, bits: number): DType {
  for (const [dtype, [c, b]] of Object.entries(DLPACK)) if (c === code && b === bits) return dtype as DType;
  return r.fail(`no tensor type has DLPack code ${code} and ${bits} bits`);
}

/** The value of a RedisAI type at `encver`, read up to (not including) the module value's EOF. */
export function decodeRedisAiValue(name: string, encver: number, r: RdbReader): RestoredValue {
  if (encver > ENCODING_VERSION) r.fail(`${name} encoding version ${encver} is newer than RedisAI's ${ENCODING_VERSION}`);
  if (name === 'AI_TENSOR') return { kind: 'value', value: { kind: 'tensor', tensor: readTensor(r, encver) } };
  if (name === 'AI__MODEL') return readModel(r, encver);
  return readScript(r, encver);
}

const MAX_DIMS = 64;

function readTensor(r: RdbReader, encver: number): Tensor {
  let dtype: DType;
  const shape: number[] = [];
  if (encver < 4) {
    if (r.moduleCount() !== 1) r.fail('a tensor on a device other than the CPU');
    r.moduleUnsigned(); // device id
    const bits = r.moduleCount(64);
    dtype = dtypeOf(r, r.moduleCount(255), bits);
    if (r.moduleCount() !== 1) r.fail('a tensor with more than one lane');
    const ndim = r.moduleCount(MAX_DIMS);
    for (let i = 0; i < ndim; i++) shape.push(r.moduleCount());
    for (let i = 0; i < ndim; i++) r.moduleUnsigned(); // strides: always row-major
    r.moduleUnsigned(); // byte offset: always 0
  } else {
    const code = r.moduleCount(255);
    dtype = dtypeOf(r, code, r.moduleCount(64));
    const ndim = Number(r.moduleSigned());
    if (ndim < 0 || ndim > MAX_DIMS) r.fail(`${ndim} dimensions`);
    for (let i = 0; i < ndim; i++) {
      const dim = r.moduleSigned();
      if (dim < 0n || dim > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`dimension ${dim}`);
      shape.push(Number(dim));
    }
  }
  const count = shape.reduce((n, d) => n * d, 1);
  const data = r.moduleString();
  if (dtype !== 'STRING') {
    if (data.length !== count * ELEMENT_SIZE[dtype]) r.fail(`tensor data of ${data.length} bytes for ${dtype} ${shape.join('x')}`);
    return Tensor.restored(dtype, shape, (bytes) => bytes.set(data));
  }
  // Each element ends with a NUL, and the offsets say where each starts: both must agree.
  let start = 0;
  for (let i = 0; i < count; i++) {
    if (r.moduleUnsigned() !== BigInt(start)) r.fail('a string element offset that does not match its data');
    const nul = data.indexOf(0, start);
    if (nul === -1) r.fail('a string element without its NUL');
    start = nul + 1;
  }
  if (start !== data.length) r.fail('string tensor data longer than its elements');
  return Tensor.restored(dtype, shape, () => undefined, Buffer.from(data));
}

const text = (bytes: Buffer) => bytes.toString('utf8');

function names(r: RdbReader): string[] {
  const out: string[] = [];
  for (let n = r.moduleCount(100_000); n > 0; n--) out.push(text(r.moduleCString()));
  return out;
}

function readModel(r: RdbReader, encver: number): RestoredValue {
  const backendCode = r.moduleCount(255);
  const backend = BACKENDS[backendCode] ?? r.fail(`unknown backend ${backendCode}`);
  const device = text(r.moduleCString());
  const tag = Buffer.from(encver === 0 ? r.moduleCString() : r.moduleString());
  const batchsize = r.moduleCount();
  const minbatchsize = r.moduleCount();
  const minbatchtimeout = encver >= 2 ? r.moduleCount() : 0;
  const inputs = names(r);
  const outputs = names(r);
  let blob: Buffer;
  if (encver === 0) {
    blob = Buffer.from(r.moduleString());
  } else {
    const length = r.moduleCount();
    const chunks: Buffer[] = [];
    let total = 0;
    for (let n = r.moduleCount(1 << 30); n > 0; n--) {
      const chunk = r.moduleString();
      total += chunk.length;
      if (total > length) r.fail('model chunks longer than the model');
      chunks.push(chunk);
    }
    if (total !== length) r.fail('model chunks shorter than the model');
    blob = Buffer.concat(chunks);
  }
  return { kind: 'model', spec: { backend, device, tag, batchsize, minbatchsize, minbatchtimeout, inputs, outputs, blob } };
}

function readScript(r: RdbReader, encver: number): RestoredValue {
  const device = text(r.moduleCString());
  const tag = Buffer.from(encver === 0 ? r.moduleCString() : r.moduleString());
  const source = Buffer.from(r.moduleCString());
  const entryPoints = encver >= 3 ? names(r) : [];
  return { kind: 'script', spec: { device, tag, entryPoints, source } };
}

/** Writes a tensor, model or script as RedisAI's newest encoding: the module type id, then its fields. */
export function encodeRedisAiValue(value: Exclude<StoredValue, { kind: 'string' | 'list' | 'hash' }>, w: RdbWriter): void {
  switch (value.kind) {
    case 'tensor': {
      const { tensor } = value;
      const [code, bits] = DLPACK[tensor.dtype];
      w.length(moduleTypeId('AI_TENSOR', ENCODING_VERSION)).moduleUnsigned(code).moduleUnsigned(bits).moduleSigned(tensor.shape.length);
      for (const dim of tensor.shape) w.moduleSigned(dim);
      const data = Buffer.from(tensor.wireBytes.buffer, tensor.wireBytes.byteOffset, tensor.wireBytes.byteLength);
      w.moduleString(data);
      if (tensor.dtype === 'STRING') {
        let start = 0;
        while (start < data.length) {
          w.moduleUnsigned(start);
          start = data.indexOf(0, start) + 1;
        }
      }
      return;
    }
    case 'model': {
      const { model } = value;
      w.length(moduleTypeId('AI__MODEL', ENCODING_VERSION)).moduleUnsigned(BACKENDS.indexOf(model.backend))
        .moduleCString(Buffer.from(model.device)).moduleString(model.tag)
        .moduleUnsigned(model.batchsize).moduleUnsigned(model.minbatchsize).moduleUnsigned(model.minbatchtimeout);
      w.moduleUnsigned(model.inputs.length);
      for (const input of model.inputs) w.moduleCString(Buffer.from(input));
      w.moduleUnsigned(model.outputs.length);
      for (const output of model.outputs) w.moduleCString(Buffer.from(output));
      // Chunks of at most 511 MiB (RedisAI's default MODEL_CHUNK_SIZE): one Redis string each.
      const chunk = 511 * 1024 * 1024;
      const count = Math.max(1, Math.ceil(model.blob.length / chunk));
      w.moduleUnsigned(model.blob.length).moduleUnsigned(count);
      for (let i = 0; i < count; i++) w.moduleString(model.blob.subarray(i * chunk, (i + 1) * chunk));
      return;
    }
    case 'script': {
      const { script } = value;
      w.length(moduleTypeId('AI_SCRIPT', ENCODING_VERSION)).moduleCString(Buffer.from(script.device)).moduleString(script.tag)
        .moduleCString(script.source).moduleUnsigned(script.entryPoints.length);
      for (const fn of script.entryPoints) w.moduleCString(Buffer.from(fn));
    }
  }
}
