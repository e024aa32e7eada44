// The append-only log's encoding of a command: byte lengths are UTF-8 bytes, not characters.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { OutputBuffer } from '../../src/resp/OutputBuffer';
import { encodeCommandInto } from '../../src/persistence/respEncoding';

describe('encodeCommandInto', () => {
  it('writes ASCII words, non-ASCII text (TF node names, entry points) as UTF-8, and bytes as they are, with their byte lengths', () => {
    const out = new OutputBuffer();
    const size = encodeCommandInto(['AI.MODELSTORE', 'nœud', Buffer.from([0, 0xff])], out);
    const bytes = Buffer.concat(out.take());
    const expected = Buffer.concat([
      Buffer.from('*3\r\n$13\r\nAI.MODELSTORE\r\n$5\r\n'), Buffer.from('nœud', 'utf8'), Buffer.from('\r\n$2\r\n'), Buffer.from([0, 0xff]), Buffer.from('\r\n'),
    ]);
    assert.deepEqual(bytes, expected, 'œ is two bytes in UTF-8: the length says 5');
    assert.equal(size, expected.length);
  });
});
