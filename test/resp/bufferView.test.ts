import { strict as assert } from 'node:assert';
import { Buffer } from 'node:buffer';
import { describe, expect, it } from '@jest/globals';
import { bufferView } from '../../src/util/bufferView';

describe('bufferView', () => {
  it('is a Buffer over the same memory, as every caller and equality check sees one', () => {
    const memory = new ArrayBuffer(16);
    new Uint8Array(memory).set(Buffer.from('..hello world...', 'latin1'));
    const view = bufferView(memory, 2, 11);
    assert.ok(Buffer.isBuffer(view));
    assert.ok(view instanceof Buffer);
    assert.equal(view.constructor, Buffer);
    assert.equal(view.toString('latin1'), 'hello world');
    assert.ok(view.equals(Buffer.from('hello world')));
    expect(view).toEqual(Buffer.from('hello world'));
    assert.equal(view.readUInt8(0), 0x68);
    assert.ok(Buffer.isBuffer(view.subarray(6)) && view.subarray(6).toString() === 'world');
    assert.equal(Buffer.concat([view, view.slice(0, 1)]).toString(), 'hello worldh');
    // No copy: a write through the view is seen in the memory.
    view[0] = 0x48;
    assert.equal(Buffer.from(memory).toString('latin1', 2, 7), 'Hello');
  });
});
