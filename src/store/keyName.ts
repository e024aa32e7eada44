// Keys are binary-safe byte strings, held as JS strings with one char per byte (latin1), so a
// Map can index them and every byte round-trips.

/** A key as a library user passes it: text (UTF-8) or raw bytes. */
import { Buffer } from 'node:buffer';
export type Key = string | Uint8Array;

/**
 * Up to this many bytes a name is built in JS: V8 makes strings this short flat (longer ones built
 * by `+` are ropes, flattened again when hashed), and the loop costs ~75 ns with the keyspace
 * lookup that follows where toString('latin1') costs ~130 (a call into C++): a MODELEXECUTE names
 * six keys, a D1 DAG ten.
 */
const SHORT_KEY = 12;

function shortName(bytes: Buffer): string {
  let name = '';
  for (let i = 0; i < bytes.length; i++) name += String.fromCharCode(bytes[i]);
  return name;
}

/** The internal name of a key given as bytes (from the wire) or as text (UTF-8, from the library). */
export function keyName(key: string | Uint8Array): string {
  if (key instanceof Buffer) return key.length <= SHORT_KEY ? shortName(key) : key.toString('latin1'); // every wire key
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
