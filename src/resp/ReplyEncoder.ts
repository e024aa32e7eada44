import { Buffer } from 'node:buffer';
import { CHUNK_SIZE, OutputBuffer } from './OutputBuffer';
import { native } from '../native';
import { DoubleReply, ErrorReply, FloatsReply, MapReply, NullArray, Reply, SimpleString, VerbatimReply } from './Reply';

/** The most bytes encodeFloatsReply writes per element: `$24\r\n`, 24 chars and `\r\n`. */
const FLOAT_ELEMENT_ROOM = 32;
/**
 * Elements encoded by one call: their room fits a fresh chunk of the output buffer, so a large
 * tensor's reply takes chunks of the usual size, not one allocation of its own worst case.
 */
const FLOATS_PER_CALL = CHUNK_SIZE / FLOAT_ELEMENT_ROOM;

export type Protocol = 2 | 3;

/** Encodes a reply as RESP2 or RESP3 into `out`. */
export function encodeReply(reply: Reply, protocol: Protocol, out: OutputBuffer): void {
  if (reply === null) {
    out.ascii(protocol === 3 ? '_\r\n' : '$-1\r\n');
  } else if (reply instanceof NullArray) {
    out.ascii(protocol === 3 ? '_\r\n' : '*-1\r\n');
  } else if (typeof reply === 'number' || typeof reply === 'bigint') {
    out.ascii(`:${reply}\r\n`);
  } else if (typeof reply === 'string') {
    out.ascii(`$${Buffer.byteLength(reply, 'utf8')}\r\n`);
    out.utf8(reply);
    out.ascii('\r\n');
  } else if (reply instanceof Uint8Array) {
    out.ascii(`$${reply.length}\r\n`);
    out.bytes(reply);
    out.ascii('\r\n');
  } else if (Array.isArray(reply)) {
    out.ascii(`*${reply.length}\r\n`);
    for (const item of reply as readonly Reply[]) encodeReply(item, protocol, out);
  } else if (reply instanceof SimpleString) {
    out.ascii(`+${reply.value}\r\n`);
  } else if (reply instanceof ErrorReply) {
    // A message must stay on one line: CR and LF become spaces, as Redis does for module errors.
    out.utf8(`-${reply.message.replace(/[\r\n]/g, ' ')}\r\n`);
  } else if (reply instanceof DoubleReply) {
    out.ascii(protocol === 3 ? `,${reply.text}\r\n` : `$${reply.text.length}\r\n${reply.text}\r\n`);
  } else if (reply instanceof FloatsReply) {
    const { bytes, isDouble } = reply;
    const size = isDouble ? 8 : 4;
    const count = bytes.byteLength / size;
    out.ascii(`*${count}\r\n`);
    for (let first = 0; first < count; first += FLOATS_PER_CALL) {
      const n = Math.min(FLOATS_PER_CALL, count - first);
      const part = n === count ? bytes : bytes.subarray(first * size, (first + n) * size);
      out.inPlace(n * FLOAT_ELEMENT_ROOM, (buf, pos) => native.encodeFloatsReply(part, isDouble, protocol === 3, buf, pos));
    }
  } else if (reply instanceof MapReply) {
    out.ascii(protocol === 3 ? `%${reply.entries.length}\r\n` : `*${reply.entries.length * 2}\r\n`);
    for (const [k, v] of reply.entries) {
      encodeReply(k, protocol, out);
      encodeReply(v, protocol, out);
    }
  } else if (reply instanceof VerbatimReply) {
    if (protocol === 3) {
      out.ascii(`=${Buffer.byteLength(reply.text, 'utf8') + 4}\r\ntxt:`);
    } else {
      out.ascii(`$${Buffer.byteLength(reply.text, 'utf8')}\r\n`);
    }
    out.utf8(reply.text);
    out.ascii('\r\n');
  } else {
    throw new TypeError(`not a reply: ${String(reply)}`);
  }
}
