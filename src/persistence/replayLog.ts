import * as fs from 'node:fs';
import { CorruptFileError } from './FileReader';
import { SNAPSHOT_MAGIC } from './snapshotFormat';
import { readSnapshotAt, Snapshot } from './snapshotReaders';

/** What reading the append-only log found. */
export interface LogContents {
  /** A rewritten log starts with a snapshot of the keys at the time of the rewrite. */
  base?: Snapshot;
  /** The commands after it, in order. */
  commands: Buffer[][];
  /** Bytes of an incomplete last command (a crash during a write), removed from the file. */
  truncatedBytes: number;
}

/**
 * Reads the log. An incomplete last command (the process died while writing it, so it was never
 * acknowledged) is cut off the file and reported; anything else that does not parse is
 * corruption, refused with the offset where it starts.
 */
export function readLog(file: string): LogContents {
  const data = fs.readFileSync(file);
  let at = 0;
  let base: Snapshot | undefined;
  if (data.length >= SNAPSHOT_MAGIC.length && data.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) {
    const read = readSnapshotAt(file);
    base = read.snapshot;
    at = read.end;
  }
  const commands: Buffer[][] = [];
  while (at < data.length) {
    const parsed = parseCommand(data, at);
    if (parsed === 'incomplete') {
      const truncatedBytes = data.length - at;
      fs.truncateSync(file, at);
      return { base, commands, truncatedBytes };
    }
    if (typeof parsed === 'string') {
      throw new CorruptFileError(`${file}: bad format at byte ${at} (${parsed}); the log is damaged, not just cut short`);
    }
    commands.push(parsed.argv);
    at = parsed.end;
  }
  return { base, commands, truncatedBytes: 0 };
}

/** One RESP array of bulk strings at `at`: the arguments, 'incomplete', or what is wrong. */
function parseCommand(data: Buffer, at: number): { argv: Buffer[]; end: number } | 'incomplete' | string {
  const line = (from: number, prefix: number): { value: number; next: number } | 'incomplete' | string => {
    if (from >= data.length) return 'incomplete';
    if (data[from] !== prefix) return `expected '${String.fromCharCode(prefix)}'`;
    const cr = data.indexOf(13, from);
    if (cr < 0 || cr + 1 >= data.length) return 'incomplete';
    if (data[cr + 1] !== 10) return 'a line not ended by CRLF';
    const text = data.toString('latin1', from + 1, cr);
    if (!/^\d{1,15}$/.test(text)) return `a bad length '${text}'`;
    return { value: Number(text), next: cr + 2 };
  };
  const count = line(at, 0x2a /* * */);
  if (typeof count !== 'object') return count;
  let next = count.next;
  const argv: Buffer[] = [];
  for (let i = 0; i < count.value; i++) {
    const length = line(next, 0x24 /* $ */);
    if (typeof length !== 'object') return length;
    const end = length.next + length.value;
    if (end + 2 > data.length) return 'incomplete';
    if (data[end] !== 13 || data[end + 1] !== 10) return 'a bulk string not ended by CRLF';
    argv.push(data.subarray(length.next, end));
    next = end + 2;
  }
  if (argv.length === 0) return 'an empty command';
  return { argv, end: next };
}
