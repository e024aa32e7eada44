// How values look in the Redis that keeps them (format 1), readable with plain redis-cli. Every
// AI value is a hash whose `stormbreaker` field names its kind:
//   tensor  stormbreaker=tensor format=1 dtype=FLOAT shape="2 3" blob=<the exact TENSORGET BLOB bytes>
//   model   stormbreaker=model format=1 backend device tag batchsize minbatchsize minbatchtimeout
//           inputs outputs (JSON arrays of names) size digest (sha256 of the blob, hex) version
//           (fresh on every store) and inlineblob=<bytes> up to the inline size, else chunks=<n> and
//           chunkprefix=<p>: the blob is the strings <p>0 … <p>n-1, in the model key's own slot
//   script  stormbreaker=script format=1 device tag entrypoints (JSON) source digest version
// Strings, lists and hashes (from scripts' redis.execute) are plain Redis values.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { StormbreakerError } from '../../errors';
import type { PersistedModel, PersistedScript, StoredModel, StoredScript } from '../../model/Model';
import { parseBackend } from '../../model/Model';
import { DTYPES } from '../../tensor/dtype';
import { Tensor } from '../../tensor/Tensor';
import type { DType } from '../../tensor/dtype';
import type { RedisArg } from './RedisConnection';

export const MARKER = 'stormbreaker';
export const FORMAT = '1';

/** The hash fields of a tensor. */
export function tensorFields(tensor: Tensor): RedisArg[] {
  return [MARKER, 'tensor', 'format', FORMAT, 'dtype', tensor.dtype, 'shape', tensor.shape.join(' '), 'blob', Buffer.from(tensor.wireBytes.buffer, tensor.wireBytes.byteOffset, tensor.wireBytes.byteLength)];
}

const NO_BYTES = new Uint8Array(0);

/**
 * A tensor from its fields; without `blob` (AI.TENSORGET META fetched none) a tensor that knows
 * its dtype and shape and whose data can never be read (making it native fails its length check).
 */
export function tensorFrom(format: Buffer | null, dtype: Buffer | null, shape: Buffer | null, blob: Buffer | null, withBlob: boolean): Tensor {
  checkFormat(format, 'tensor');
  const type = dtype?.toString('latin1') as DType;
  if (!(DTYPES as readonly string[]).includes(type) || shape === null) throw corrupt('tensor', 'its dtype or shape');
  const dims = shape.length === 0 ? [] : shape.toString('latin1').split(' ').map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw corrupt('tensor', 'its shape');
  if (!withBlob) return new Tensor(null, type, dims, NO_BYTES);
  if (blob === null) throw corrupt('tensor', 'its blob');
  if (type === 'STRING') return Tensor.restored(type, dims, () => undefined, blob);
  return Tensor.restored(type, dims, (bytes) => {
    if (bytes.byteLength !== blob.byteLength) throw corrupt('tensor', 'a blob of the wrong length');
    bytes.set(blob);
  });
}

/** What a model hash holds besides its blob. */
export interface ModelRecord {
  readonly version: string;
  readonly spec: PersistedModel;
}

/** A new version id: every store of a model or script gets one, so a node can tell its cached copy is current. */
export function newVersion(): string {
  return randomBytes(12).toString('hex');
}

export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The fields of a model hash, and the chunks its blob goes in when it is larger than `inlineBytes`. */
export function modelFields(model: StoredModel, version: string, inlineBytes: number, chunkBytes: number, slot: number): { fields: RedisArg[]; chunks: Array<{ key: string; bytes: Buffer }> } {
  const fields: RedisArg[] = [
    MARKER, 'model', 'format', FORMAT, 'backend', model.backend, 'device', model.device, 'tag', model.tag,
    'batchsize', String(model.batchsize), 'minbatchsize', String(model.minbatchsize), 'minbatchtimeout', String(model.minbatchtimeout),
    // TF keeps the node names it was stored with; the other backends name theirs when they load.
    'inputs', JSON.stringify(model.backend === 'TF' ? model.inputs : []), 'outputs', JSON.stringify(model.backend === 'TF' ? model.outputs : []),
    'size', String(model.blob.byteLength), 'digest', digestOf(model.blob), 'version', version,
  ];
  const chunks: Array<{ key: string; bytes: Buffer }> = [];
  if (model.blob.byteLength <= inlineBytes) {
    fields.push('inlineblob', model.blob);
  } else {
    const prefix = chunkPrefix(slot, version);
    for (let at = 0, i = 0; at < model.blob.byteLength; at += chunkBytes, i++) {
      chunks.push({ key: `${prefix}${i}`, bytes: model.blob.subarray(at, Math.min(at + chunkBytes, model.blob.byteLength)) });
    }
    fields.push('chunks', String(chunks.length), 'chunkprefix', prefix);
  }
  return { fields, chunks };
}

/** A model hash read back (HGETALL as field → value), its blob joined from `chunkBytes` when chunked. */
export function modelFrom(fields: Map<string, Buffer>, chunkBytes?: readonly Buffer[]): ModelRecord {
  checkFormat(fields.get('format') ?? null, 'model');
  const text = (name: string) => {
    const value = fields.get(name);
    if (value === undefined) throw corrupt('model', `its ${name}`);
    return value.toString('utf8');
  };
  const backend = parseBackend(text('backend'));
  if (backend === undefined) throw corrupt('model', 'its backend');
  const blob = chunkBytes === undefined ? fields.get('inlineblob') : Buffer.concat(chunkBytes);
  if (blob === undefined || blob.byteLength !== Number(text('size')) || digestOf(blob) !== text('digest')) throw corrupt('model', 'a blob that does not match its digest');
  const names = (name: string) => JSON.parse(text(name)) as string[];
  const spec: PersistedModel = {
    backend, device: text('device'), blob, tag: fields.get('tag') ?? Buffer.alloc(0),
    batchsize: Number(text('batchsize')), minbatchsize: Number(text('minbatchsize')), minbatchtimeout: Number(text('minbatchtimeout')),
    inputs: names('inputs'), outputs: names('outputs'),
  };
  return { version: text('version'), spec };
}

export function scriptFields(script: StoredScript, version: string): RedisArg[] {
  return [
    MARKER, 'script', 'format', FORMAT, 'device', script.device, 'tag', script.tag,
    'entrypoints', JSON.stringify(script.entryPoints), 'source', script.source, 'digest', digestOf(script.source), 'version', version,
  ];
}

export function scriptFrom(fields: Map<string, Buffer>): { version: string; spec: PersistedScript } {
  checkFormat(fields.get('format') ?? null, 'script');
  const get = (name: string) => {
    const value = fields.get(name);
    if (value === undefined) throw corrupt('script', `its ${name}`);
    return value;
  };
  return {
    version: get('version').toString('latin1'),
    spec: { device: get('device').toString('utf8'), tag: fields.get('tag') ?? Buffer.alloc(0), entryPoints: JSON.parse(get('entrypoints').toString('utf8')) as string[], source: get('source') },
  };
}

function checkFormat(format: Buffer | null, kind: string): void {
  if (format === null || format.toString('latin1') !== FORMAT) {
    throw new StormbreakerError(`ERR the store holds a ${kind} in format ${format?.toString('latin1') ?? '(none)'}, this node reads format ${FORMAT}`);
  }
}

function corrupt(kind: string, what: string): StormbreakerError {
  return new StormbreakerError(`ERR the store holds a ${kind} with ${what} missing or damaged`);
}

/** The Redis Cluster slot of a key (its hash tag's, when it has one). */
export function slotOf(name: string): number {
  return calculateSlot(Buffer.from(name, 'latin1'));
}

// A hash tag for each slot, so that a model's chunk keys live in the model key's own slot (a
// cluster writes them and the model hash in one script); made once, on the first chunked model.
let tagsBySlot: string[] | undefined;

function tagForSlot(slot: number): string {
  if (tagsBySlot === undefined) {
    const tags: string[] = new Array(16384);
    let found = 0;
    for (let i = 0; found < 16384; i++) {
      const tag = i.toString(36);
      const s = calculateSlot(tag);
      if (tags[s] === undefined) {
        tags[s] = tag;
        found++;
      }
    }
    tagsBySlot = tags;
  }
  return tagsBySlot[slot];
}

/** Where the chunks of one version of a model go: `stormbreaker:chunk:{<slot's tag>}:<version>:`. */
export function chunkPrefix(slot: number, version: string): string {
  return `stormbreaker:chunk:{${tagForSlot(slot)}}:${version}:`;
}
