import { Buffer } from 'node:buffer';
import { OutputBuffer } from './OutputBuffer';
import { native } from '../native';
import { DoubleReply, ErrorReply, FloatsReply, MapReply, NullArray, Reply, SimpleString, VerbatimReply } from './Reply';

/** The most bytes encodeFloatsReply writes for `n` elements: `$24\r\n`, 24 chars and `\r\n` each, and the header. */
const floatsReplyRoom = (n: number) => 24 + n * 32;

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
    out.inPlace(floatsReplyRoom(bytes.byteLength / (isDouble ? 8 : 4)),
      (buf, pos) => native.encodeFloatsReply(bytes, isDouble, protocol === 3, buf, pos));
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
