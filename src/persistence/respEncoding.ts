import { Buffer } from 'node:buffer';
import type { OutputBuffer } from '../resp/OutputBuffer';

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Appends a command as a RESP array of bulk strings to `out` and returns its size in bytes.
 * Headers and small arguments are packed into `out`'s shared chunks; large ones (tensor bytes,
 * model blobs) are passed through uncopied. String arguments are written as UTF-8 (most are ASCII
 * words; TF node names, entry points and script sources may not be).
 */
export function encodeCommandInto(argv: ReadonlyArray<Uint8Array | string>, out: OutputBuffer): number {
  let size = 0;
  const header = `*${argv.length}\r\n`;
  out.ascii(header);
  size += header.length;
  for (const arg of argv) {
    if (typeof arg === 'string' && ASCII.test(arg)) {
      const text = `$${arg.length}\r\n${arg}\r\n`;
      out.ascii(text);
      size += text.length;
      continue;
    }
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    const head = `$${bytes.byteLength}\r\n`;
    out.ascii(head);
    out.bytes(bytes);
    out.ascii('\r\n');
    size += head.length + bytes.byteLength + 2;
  }
  return size;
}
