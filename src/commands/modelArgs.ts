import { Buffer } from 'node:buffer';
import type { ServerInfo } from './Command';
import { Errors, StormbreakerError } from '../errors';
import { parseDouble, parseInt64, parseSafeInteger, plainInteger } from '../util/redisNumbers';

// Small argument readers shared by the commands.

export const upper = (arg: Buffer | undefined): string => (arg === undefined ? '' : arg.toString('latin1').toUpperCase());
export const text = (arg: Buffer): string => arg.toString('latin1');

/** A non-negative whole number; like RedisAI, a value such as `3.0` is accepted. */
export function parseCount(arg: Buffer | undefined, error: string): number {
  const v = arg === undefined ? undefined : parseDouble(text(arg));
  if (v === undefined || v < 0 || !Number.isSafeInteger(v)) throw new StormbreakerError(error);
  return v;
}

/** A strict integer, or throws `error`. */
export function parseInteger(arg: Buffer | undefined, error: string): number {
  const v = arg === undefined ? undefined : plainInteger(arg) ?? parseSafeInteger(text(arg));
  if (v === undefined) throw new StormbreakerError(error);
  return v;
}

/**
 * A signed 64-bit integer as Redis reads one (list indexes, expiry times: a value past 2^53 is
 * still an integer, only less exact), or Redis's not-an-integer error.
 */
export function int64Arg(arg: Buffer): number {
  const v = parseInt64(text(arg));
  if (v === undefined) throw new StormbreakerError(Errors.notInteger);
  return Number(v);
}

/** The model bytes: the one BLOB argument itself, or its chunks joined. */
export function joinBlob(chunks: readonly Buffer[]): Buffer {
  // A small argument may be a view of a whole socket read; keep only its own bytes.
  if (chunks.length === 1) return chunks[0].length < 64 * 1024 ? Buffer.from(chunks[0]) : chunks[0];
  return Buffer.concat(chunks);
}

/** The log line of a model stored by a command: which, where, how big, and how long its backend took to load it. */
export function logModelLoad(server: ServerInfo, key: Buffer, spec: { backend: string; device: string; blob: Uint8Array }, ms: number): void {
  server.logNotice(`Model ${key.toString('utf8')} stored: ${spec.backend} on ${spec.device}, ${spec.blob.byteLength} bytes, loaded in ${ms} ms`);
}
