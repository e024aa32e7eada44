// Keys are binary-safe byte strings, held as JS strings with one char per byte (latin1), so a
// Map can index them and every byte round-trips.

/** A key as a library user passes it: text (UTF-8) or raw bytes. */
import { Buffer } from 'node:buffer';
export type Key = string | Uint8Array;

/** The internal name of a key given as bytes (from the wire) or as text (UTF-8, from the library). */
export function keyName(key: string | Uint8Array): string {
  if (key instanceof Buffer) return key.toString('latin1'); // every wire key: no new view needed
  if (typeof key !== 'string') return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(key) ? key : Buffer.from(key, 'utf8').toString('latin1');
}

/** The bytes of an internal key name. */
export function keyBytes(name: string): Buffer {
  return Buffer.from(name, 'latin1');
}

/** An internal key name as text, decoded as UTF-8 (what a library user passed in). */
export function keyText(name: string): string {
  return Buffer.from(name, 'latin1').toString('utf8');
}
