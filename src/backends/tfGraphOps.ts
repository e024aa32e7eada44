// TensorFlow graphs can hold ops that reach outside the model: ReadFile returns any file's bytes
// as a tensor, WriteFile writes any path, readers and datasets open files, PyFunc runs Python,
// RPC ops open connections. A stored graph with such an op is refused unless the server allows
// it (--enable-tf-io-ops yes). The GraphDef is walked here, before TensorFlow sees it: its nodes
// and the nodes of every function in its library (functions can be called from nodes).
import { Buffer } from 'node:buffer';
import { StormbreakerError } from '../errors';

/**
 * Op types that reach the file system, the network, a process or Python (a name pattern, so new
 * variants are caught too). Compute ops that merely share a word are not in it: `Snapshot` (a
 * copy) and `AudioSpectrogram` are ordinary inference ops; SnapshotDataset and the audio summary
 * writers are caught by Dataset and Summary.
 */
const REACHES_HOST = /File|Reader|Dataset|Iterator|Save|Restore|Checkpoint|PyFunc|Debug|Rpc|Summary|Print|ImmutableConst|Lmdb|LMDB|Sql|Remap|Vocab|Socket|Shell|Record/;
const MAX_GROUP_DEPTH = 32;
/** TensorFlow's own text for a blob that is no GraphDef. */
const INVALID = 'Invalid GraphDef';

class Reader {
  constructor(private readonly b: Uint8Array, public pos: number, readonly end: number) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new StormbreakerError(INVALID);
      const byte = this.b[this.pos++];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new StormbreakerError(INVALID);
  }

  /** The [start, end) of a length-delimited field's bytes, after its key. */
  bytes(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new StormbreakerError(INVALID);
    this.pos += length;
    return [start, this.pos];
  }

  skip(wireType: number, depth = 0): void {
    switch (wireType) {
      case 0: this.varint(); return;
      case 1: this.pos += 8; break;
      case 2: this.bytes(); return;
      case 5: this.pos += 4; break;
      case 3: {
        // A group nested past this depth is refused, never skipped blindly.
        if (depth >= MAX_GROUP_DEPTH) throw new StormbreakerError(INVALID);
        for (;;) {
          const key = this.varint();
          if ((key & 7) === 4) return;
          this.skip(key & 7, depth + 1);
        }
      }
      default: throw new StormbreakerError(INVALID);
    }
    if (this.pos > this.end) throw new StormbreakerError(INVALID);
  }

  /** Calls `onField(field, start, end)` for each length-delimited field of the message in [pos, end). */
  fields(onField: (field: number, start: number, end: number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wireType = key & 7;
      if (wireType === 2) {
        const [start, end] = this.bytes();
        onField(field, start, end);
      } else {
        this.skip(wireType);
      }
    }
  }
}

/** The op type and node name of a serialized NodeDef (fields 2 and 1). */
function nodeOp(blob: Uint8Array, start: number, end: number): { name: string; op: string } {
  let name = '';
  let op = '';
  new Reader(blob, start, end).fields((field, s, e) => {
    if (field === 1) name = Buffer.from(blob.buffer, blob.byteOffset + s, e - s).toString('utf8');
    if (field === 2) op = Buffer.from(blob.buffer, blob.byteOffset + s, e - s).toString('utf8');
  });
  return { name, op };
}

/**
 * The first node (of the graph, or of a function in its library) whose op reaches the host, or
 * undefined. A blob this walk cannot read is refused as TensorFlow refuses garbage: nothing is
 * let through unchecked.
 */
export function findHostOp(blob: Uint8Array): { name: string; op: string; inFunction: boolean } | undefined {
  let found: { name: string; op: string; inFunction: boolean } | undefined;
  const check = (start: number, end: number, inFunction: boolean) => {
    const node = nodeOp(blob, start, end);
    if (found === undefined && REACHES_HOST.test(node.op)) found = { ...node, inFunction };
  };
  try {
    // GraphDef: 1 node (NodeDef), 2 library (FunctionDefLibrary: 1 function (FunctionDef: 3 node_def)).
    new Reader(blob, 0, blob.length).fields((field, start, end) => {
      if (field === 1) check(start, end, false);
      if (field === 2) {
        new Reader(blob, start, end).fields((libraryField, fs, fe) => {
          if (libraryField !== 1) return;
          new Reader(blob, fs, fe).fields((functionField, ns, ne) => {
            if (functionField === 3) check(ns, ne, true);
          });
        });
      }
    });
  } catch (err) {
    if (found !== undefined) return found;
    throw err;
  }
  return found;
}

/** Refuses a TF graph with an op that reaches outside the model, unless `allowed`. */
export function checkTfGraph(blob: Uint8Array, allowed: boolean): void {
  if (allowed) return;
  const found = findHostOp(blob);
  if (found === undefined) return;
  throw new StormbreakerError(`ERR TF graph node '${found.name}'${found.inFunction ? ' (in a function)' : ''} is a ${found.op} op, ` +
    'which reaches the file system, the network or a process: refused (start the server with --enable-tf-io-ops yes to allow it)');
}
