import { Buffer } from 'node:buffer';
import type { Command } from './Command';

/**
 * Finds a command by the bytes of the name a request typed, ASCII case-insensitively, as the
 * table's `get(name.toLowerCase())` would, without making a string of it first: the string,
 * its lower-case copy and their hashes were ~6% of the event loop's time on pipelined TENSORGETs.
 */
export class CommandIndex {
  private readonly buckets = new Map<number, Array<{ name: string; command: Command }>>();

  constructor(private readonly table: ReadonlyMap<string, Command>) {
    for (const [name, command] of table) {
      const codes = Buffer.from(name, 'latin1');
      const hash = foldedHash(codes);
      let bucket = this.buckets.get(hash);
      if (bucket === undefined) this.buckets.set(hash, (bucket = []));
      bucket.push({ name, command });
    }
  }

  find(typed: Uint8Array): Command | undefined {
    const hash = foldedHash(typed);
    // A byte past ASCII: toLowerCase folds Latin-1 letters too, so the table decides.
    if (hash === NOT_ASCII) return this.table.get(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('latin1').toLowerCase());
    const bucket = this.buckets.get(hash);
    if (bucket === undefined) return undefined;
    for (const entry of bucket) if (sameFolded(typed, entry.name)) return entry.command;
    return undefined;
  }
}

const NOT_ASCII = -1;

/** A hash of the bytes with A–Z folded to a–z; NOT_ASCII when a byte is past 127. */
function foldedHash(bytes: Uint8Array): number {
  let hash = 17;
  for (let i = 0; i < bytes.length; i++) {
    let c = bytes[i];
    if (c > 127) return NOT_ASCII;
    if (c >= 65 && c <= 90) c += 32;
    hash = (Math.imul(hash, 31) + c) & 0x3fffffff;
  }
  return hash;
}

function sameFolded(typed: Uint8Array, name: string): boolean {
  if (typed.length !== name.length) return false;
  for (let i = 0; i < typed.length; i++) {
    let c = typed[i];
    if (c >= 65 && c <= 90) c += 32;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}
