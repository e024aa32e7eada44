import { Buffer } from 'node:buffer';

// A Buffer over bytes that already exist: a request's arguments over the bytes read, a read
// over the socket layer's batch. Buffer.from(arrayBuffer, offset, length) checks its arguments
// and asks C++ whether the memory is an ArrayBuffer before it constructs Node's own FastBuffer:
// 55-100 ns a view here, ~10% of the event loop's time under D1 (a DAG is 31 arguments). A
// Uint8Array subclass constructed directly costs half that. Its instances are Buffers in every
// way code can see: Buffer.prototype's methods, `instanceof Buffer`, Buffer.isBuffer, and
// `constructor === Buffer` (as Node's own FastBuffer instances have it), so equality checks
// that compare constructors see no difference.
class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
Object.defineProperty(BufferView.prototype, 'constructor', { value: Buffer, writable: true, configurable: true, enumerable: false });

/** A Buffer viewing `length` bytes of `memory` from `offset` (no copy). */
export function bufferView(memory: ArrayBufferLike, offset: number, length: number): Buffer {
  return new BufferView(memory as ArrayBuffer, offset, length) as unknown as Buffer;
}
