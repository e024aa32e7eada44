import * as fs from 'node:fs';
import type { Backend, PersistedModel, PersistedScript } from '../model/Model';
import type { StoredValue } from '../store/StoredValue';
import { DTYPES, DType, ELEMENT_SIZE } from '../tensor/dtype';
import { Tensor } from '../tensor/Tensor';
import { CorruptFileError, FileReader } from './FileReader';
import { HEADER_BYTES, RecordKind, SNAPSHOT_MAGIC, SNAPSHOT_VERSION } from './snapshotFormat';

/** A key read back from a snapshot. Models and scripts still need their backend to load them. */
export type SnapshotRecord =
  | { name: string; kind: 'value'; value: StoredValue }
  | { name: string; kind: 'model'; spec: PersistedModel }
  | { name: string; kind: 'script'; spec: PersistedScript }
  /** When the key named by the record before it expires (Unix ms); version 2 on. */
  | { name: string; kind: 'expiry'; at: number };

export interface Snapshot {
  version: number;
  savedAt: number;
  records: SnapshotRecord[];
}

/** One reader per format version ever written: a file keeps loading after the format moves on. */
const READERS: Record<number, (r: FileReader) => SnapshotRecord[]> = {
  1: (r) => readRecords(r, false),
  2: (r) => readRecords(r, true),
};

/**
 * Reads a whole snapshot, checking its checksum. Tensors are read straight into their native
 * memory. Throws CorruptFileError naming the file and the offset when anything is off.
 */
export function readSnapshot(file: string): Snapshot {
  const { snapshot, end, size } = read(file);
  if (end !== size) throw new CorruptFileError(`${file}: unexpected bytes after the checksum at byte ${end}`);
  return snapshot;
}

/** A snapshot at the start of `file` (a rewritten append-only log), and where it ends. */
export function readSnapshotAt(file: string): { snapshot: Snapshot; end: number } {
  const { snapshot, end } = read(file);
  return { snapshot, end };
}

function read(file: string): { snapshot: Snapshot; end: number; size: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const r = new FileReader(fd, file, size);
    if (size < HEADER_BYTES + 5) r.fail(`too short for a snapshot (${size} bytes)`);
    if (!r.bytes(8).equals(SNAPSHOT_MAGIC)) r.fail('not a Stormbreaker snapshot (bad magic)');
    const version = r.u32();
    const savedAt = r.f64();
    const reader = READERS[version];
    if (reader === undefined) {
      r.fail(`snapshot format version ${version} is newer than this server reads (up to ${SNAPSHOT_VERSION})`);
    }
    const records = reader(r);
    const computed = r.crc >>> 0;
    const stored = r.u32();
    if (stored !== computed) {
      throw new CorruptFileError(`${file}: checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)}): the file is damaged`);
    }
    return { snapshot: { version, savedAt, records }, end: r.offset, size };
  } finally {
    fs.closeSync(fd);
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Version 1's records; version 2 also has expiry records. */
function readRecords(r: FileReader, expiries: boolean): SnapshotRecord[] {
  const records: SnapshotRecord[] = [];
  for (;;) {
    const kind = r.u8();
    if (kind === RecordKind.end) return records;
    const name = r.str().toString('latin1');
    switch (kind) {
      case RecordKind.tensor:
        records.push({ name, kind: 'value', value: { kind: 'tensor', tensor: readTensor(r) } });
        break;
      case RecordKind.string:
        records.push({ name, kind: 'value', value: { kind: 'string', bytes: r.str() } });
        break;
      case RecordKind.list: {
        const items: Buffer[] = [];
        for (let n = r.u32(); n > 0; n--) items.push(r.str());
        records.push({ name, kind: 'value', value: { kind: 'list', items } });
        break;
      }
      case RecordKind.hash: {
        const fields = new Map<string, Buffer>();
        for (let n = r.u32(); n > 0; n--) fields.set(r.str().toString('latin1'), r.str());
        records.push({ name, kind: 'value', value: { kind: 'hash', fields } });
        break;
      }
      case RecordKind.model: {
        const backend = r.str().toString('latin1') as Backend;
        const device = r.str().toString('utf8');
        const tag = r.str();
        const batchsize = r.f64();
        const minbatchsize = r.f64();
        const minbatchtimeout = r.f64();
        const inputs = strings(r);
        const outputs = strings(r);
        const blob = r.str();
        records.push({ name, kind: 'model', spec: { backend, device, tag, batchsize, minbatchsize, minbatchtimeout, inputs, outputs, blob } });
        break;
      }
      case RecordKind.script: {
        const device = r.str().toString('utf8');
        const tag = r.str();
        const entryPoints = strings(r);
        const source = r.str();
        records.push({ name, kind: 'script', spec: { device, tag, entryPoints, source } });
        break;
      }
      case RecordKind.expiry:
        if (!expiries) r.fail(`unknown record kind ${kind}`);
        records.push({ name, kind: 'expiry', at: r.f64() });
        break;
      default:
        r.fail(`unknown record kind ${kind}`);
    }
  }
}

function strings(r: FileReader): string[] {
  const out: string[] = [];
  for (let n = r.u32(); n > 0; n--) out.push(r.str().toString('utf8'));
  return out;
}

function readTensor(r: FileReader): Tensor {
  const dtype = r.str().toString('latin1') as DType;
  if (!DTYPES.includes(dtype)) r.fail(`unknown tensor dtype '${dtype}'`);
  const shape: number[] = [];
  for (let n = r.u32(); n > 0; n--) shape.push(r.f64());
  const length = r.length(); // checked against what is left of the file
  if (dtype === 'STRING') return Tensor.restored(dtype, shape, () => undefined, r.bytes(length));
  // Checked before allocating: a damaged shape must not ask for gigabytes.
  if (shape.reduce((n, d) => n * d, 1) * ELEMENT_SIZE[dtype] !== length) {
    r.fail(`tensor data of ${length} bytes does not fit ${dtype} ${shape.join('x')}`);
  }
  return Tensor.restored(dtype, shape, (bytes) => r.into(bytes));
}
