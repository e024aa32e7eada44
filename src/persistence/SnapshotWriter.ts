import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { StoredValue } from '../store/StoredValue';
import { HEADER_BYTES, RecordKind, SNAPSHOT_MAGIC, SNAPSHOT_VERSION } from './snapshotFormat';

/** One key as it was when the save began (lists and hashes copied; everything else immutable). */
export interface SnapshotEntry {
  name: string;
  value: StoredValue;
  /** When the key expires (Unix ms), if it does. */
  expiresAt?: number;
}

// Small fields are gathered into one write of about this size; payloads at least this big are
// written straight from their own memory, never copied.
const BATCH_BYTES = 256 * 1024;
// The checksum of a large payload is taken in slices of this size, so that hashing a 1 GB
// tensor never holds the event loop for more than a fraction of a millisecond at a time.
const CRC_SLICE = 1024 * 1024;

/**
 * Writes a snapshot of `entries` to `file` without ever blocking the event loop for long: the
 * writes are asynchronous, tensor and model bytes go to the file from their own memory, and
 * nothing is copied whole. Crash-safe: a temp file, fsynced, then renamed over `file` (and the
 * folder fsynced), so `file` is always either the old snapshot or the complete new one.
 */
export async function writeSnapshot(file: string, entries: Iterable<SnapshotEntry>): Promise<void> {
  const temp = `${file}.temp-${process.pid}`;
  await writeSnapshotFile(temp, entries);
  await fs.promises.rename(temp, file);
  await syncFolder(file);
}

/** Writes a complete, fsynced snapshot to `file` (removed again when anything fails). */
export async function writeSnapshotFile(file: string, entries: Iterable<SnapshotEntry>): Promise<void> {
  const handle = await fs.promises.open(file, 'w', 0o644);
  try {
    const out = new ChecksummedOutput(handle);
    const header = Buffer.alloc(HEADER_BYTES);
    SNAPSHOT_MAGIC.copy(header, 0);
    header.writeUInt32LE(SNAPSHOT_VERSION, 8);
    header.writeDoubleLE(Date.now(), 12);
    await out.write(header);
    for (const { name, value, expiresAt } of entries) {
      await writeRecord(out, name, value);
      if (expiresAt !== undefined) {
        await out.write(Buffer.from([RecordKind.expiry]));
        await out.str(Buffer.from(name, 'latin1'));
        await out.f64(expiresAt);
      }
    }
    await out.write(Buffer.from([RecordKind.end]));
    await out.flush();
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(out.crc >>> 0, 0);
    await handle.write(trailer);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.promises.rm(file, { force: true });
    throw err;
  }
  await handle.close();
}

/** Makes a rename durable: the folder's entry must reach the disk too. */
export async function syncFolder(file: string): Promise<void> {
  const folder = await fs.promises.open(path.dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

async function writeRecord(out: ChecksummedOutput, name: string, value: StoredValue): Promise<void> {
  if (value.kind === 'redis') return; // only a Redis-backed store holds one, and it keeps no snapshot
  await out.write(Buffer.from([RecordKind[value.kind]]));
  await out.str(Buffer.from(name, 'latin1'));
  switch (value.kind) {
    case 'tensor': {
      const { tensor } = value;
      await out.str(Buffer.from(tensor.dtype, 'latin1'));
      await out.u32(tensor.shape.length);
      for (const d of tensor.shape) await out.f64(d);
      await out.str(tensor.wireBytes);
      return;
    }
    case 'string':
      await out.str(value.bytes);
      return;
    case 'list':
      await out.u32(value.items.length);
      for (const item of value.items) await out.str(item);
      return;
    case 'hash':
      await out.u32(value.fields.size);
      for (const [field, v] of value.fields) {
        await out.str(Buffer.from(field, 'latin1'));
        await out.str(v);
      }
      return;
    case 'model': {
      const m = value.model;
      await out.str(Buffer.from(m.backend, 'latin1'));
      await out.str(Buffer.from(m.device, 'utf8'));
      await out.str(m.tag);
      await out.f64(m.batchsize);
      await out.f64(m.minbatchsize);
      await out.f64(m.minbatchtimeout);
      await out.u32(m.inputs.length);
      for (const s of m.inputs) await out.str(Buffer.from(s, 'utf8'));
      await out.u32(m.outputs.length);
      for (const s of m.outputs) await out.str(Buffer.from(s, 'utf8'));
      await out.str(m.blob);
      return;
    }
    case 'script': {
      const s = value.script;
      await out.str(Buffer.from(s.device, 'utf8'));
      await out.str(s.tag);
      await out.u32(s.entryPoints.length);
      for (const fn of s.entryPoints) await out.str(Buffer.from(fn, 'utf8'));
      await out.str(s.source);
      return;
    }
  }
}

/** A file written in order, with a running CRC-32 of every byte. */
class ChecksummedOutput {
  crc = 0;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;

  constructor(private readonly handle: fs.promises.FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    // Nothing to add, and zlib's crc32 of an empty tensor's (null) memory would reset the sum.
    if (bytes.byteLength === 0) return;
    if (bytes.byteLength >= BATCH_BYTES) {
      await this.flush();
      for (let at = 0; at < bytes.byteLength; at += CRC_SLICE) {
        const slice = bytes.subarray(at, Math.min(at + CRC_SLICE, bytes.byteLength));
        this.crc = zlib.crc32(slice, this.crc);
        await this.handle.write(slice);
      }
      return;
    }
    this.crc = zlib.crc32(bytes, this.crc);
    this.batch.push(bytes);
    this.batchBytes += bytes.byteLength;
    if (this.batchBytes >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const chunks = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    await this.handle.writev(chunks);
  }

  u32(n: number): Promise<void> {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    return this.write(b);
  }

  f64(n: number): Promise<void> {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n, 0);
    return this.write(b);
  }

  async str(bytes: Uint8Array): Promise<void> {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(bytes.byteLength), 0);
    await this.write(b);
    await this.write(bytes);
  }
}
