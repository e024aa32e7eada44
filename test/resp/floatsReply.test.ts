import { describe, expect, it } from '@jest/globals';
import { native } from '../../src/native';
import { CHUNK_SIZE, OutputBuffer } from '../../src/resp/OutputBuffer';
import { DoubleReply, FloatsReply, Reply } from '../../src/resp/Reply';
import { encodeReply, Protocol } from '../../src/resp/ReplyEncoder';

/** The bytes `reply` encodes to on `protocol`. */
function encoded(reply: Reply, protocol: Protocol, out = new OutputBuffer()): Buffer {
  encodeReply(reply, protocol, out);
  return Buffer.concat(out.take());
}

/** What a VALUES reply was before FloatsReply: one DoubleReply per element, from formatFloats' texts. */
function asDoubleReplies(bytes: Uint8Array, isDouble: boolean): Reply[] {
  return bytes.byteLength === 0 ? [] : native.formatFloats(bytes, isDouble).split(' ').map((text) => new DoubleReply(text));
}

// Values whose texts take every length and spelling %.17g has: specials, signed zero,
// subnormals, the extremes, and texts of 1 to 24 characters (so the bulk length has one or two digits).
const SPECIAL = [0, -0, 1, -1, 1.5, 0.1, 1 / 3, 2 ** 24, 123456789, 1e21, 1e-7, Infinity, -Infinity, NaN,
  Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -2.2250738585072014e-308, 5e-324];

describe('FloatsReply', () => {
  it.each([2, 3] as const)('encodes DOUBLE and FLOAT elements exactly as one DoubleReply each would (RESP%i)', (protocol) => {
    const doubles = new Float64Array([...SPECIAL, ...Array.from({ length: 500 }, (_, i) => Math.sin(i) * 10 ** ((i % 40) - 20))]);
    const floats = new Float32Array(doubles);
    for (const [array, isDouble] of [[doubles, true], [floats, false]] as const) {
      const bytes = new Uint8Array(array.buffer);
      const got = encoded(new FloatsReply(bytes, isDouble), protocol);
      expect(got.toString('latin1')).toBe(encoded(asDoubleReplies(bytes, isDouble), protocol).toString('latin1'));
    }
  });

  it('reads elements at any alignment and writes after what the buffer already holds', () => {
    const backing = new Uint8Array(1 + 3 * 8);
    const values = [Math.PI, -0, 1e300];
    Buffer.from(new Float64Array(values).buffer).copy(backing, 1);
    const bytes = backing.subarray(1);
    const out = new OutputBuffer();
    out.ascii('+before\r\n');
    const got = encoded(new FloatsReply(bytes, true), 2, out).toString('latin1');
    expect(got).toBe('+before\r\n*3\r\n$18\r\n3.1415926535897931\r\n$2\r\n-0\r\n$23\r\n1.0000000000000001e+300\r\n');
  });

  it('writes a large tensor in chunks of the usual size, not one buffer of its worst case', () => {
    const floats = new Float32Array(100_000).map((_, i) => Math.cos(i) * 1e-3);
    const bytes = new Uint8Array(floats.buffer);
    const out = new OutputBuffer();
    encodeReply(new FloatsReply(bytes, false), 2, out);
    const chunks = out.take();
    expect(chunks.length).toBeGreaterThan(100);
    for (const chunk of chunks) expect(chunk.buffer.byteLength).toBeLessThanOrEqual(CHUNK_SIZE);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(encoded(asDoubleReplies(bytes, false), 2).toString('latin1'));
  });

  it('encodes no elements as an empty array, and a RESP3 reply as doubles', () => {
    expect(encoded(new FloatsReply(new Uint8Array(0), false), 2).toString('latin1')).toBe('*0\r\n');
    expect(encoded(new FloatsReply(new Uint8Array(new Float32Array([2, -0.5]).buffer), false), 3).toString('latin1'))
      .toBe('*2\r\n,2\r\n,-0.5\r\n');
  });

  it('refuses bytes that are not whole elements and a target without room, writing nothing', () => {
    const target = new Uint8Array(64);
    expect(() => native.encodeFloatsReply(new Uint8Array(6), false, false, target, 0)).toThrow('not a whole number of elements');
    expect(() => native.encodeFloatsReply(new Uint8Array(8), false, false, target, 40)).toThrow('target too small');
    expect(() => native.encodeFloatsReply(new Uint8Array(8), false, false, target, 65)).toThrow('target too small');
    expect(target.every((b) => b === 0)).toBe(true);
  });
});
