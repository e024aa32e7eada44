import { strict as assert } from 'node:assert';
import { Buffer } from 'node:buffer';
import { describe, it } from '@jest/globals';
import { keyBytes, keyName } from '../../src/store/keyName';

describe('internal key names', () => {
  it('map every byte to one char and back, for names built in JS (short) and by Buffer (long)', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const length of [0, 1, 5, 12, 13, 40, 256]) {
      for (let start = 0; start + length <= 256; start += 37) {
        const bytes = all.subarray(start, start + length);
        const name = keyName(bytes);
        assert.equal(name, bytes.toString('latin1'), `${length} bytes from ${start}`);
        assert.deepEqual(keyBytes(name), bytes);
      }
    }
  });

  it('give the same name for a key as wire bytes, as a Uint8Array and as UTF-8 text', () => {
    for (const text of ['a', 'tensor:é', '{user:1234}:input', 'ключ']) {
      const bytes = Buffer.from(text, 'utf8');
      assert.equal(keyName(bytes), keyName(text));
      assert.equal(keyName(new Uint8Array(bytes)), keyName(text));
    }
  });
});
