import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { DTYPES, Engine, StormbreakerError, Tensor } from '../../src';
import { native } from '../../src/native';

describe('Tensor (library)', () => {
  it('builds from TypedArrays with the natural dtype and shape', () => {
    const t = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
    assert.equal(t.dtype, 'FLOAT');
    assert.deepEqual(t.shape, [2, 2]);
    assert.equal(t.size, 4);
    assert.equal(t.byteLength, 16);
    assert.deepEqual(Array.from(t.data as Float32Array), [1, 2, 3, 4]);
    assert.equal(Tensor.from(new BigInt64Array([5n])).dtype, 'INT64');
    assert.equal(Tensor.from(Buffer.from([1, 0]), [2], 'BOOL').dtype, 'BOOL');
  });

  it('copies JS-heap memory once into 64-byte aligned native memory', () => {
    const source = new Float32Array([1, 2, 3]);
    const t = Tensor.from(source);
    source[0] = 99;
    assert.equal((t.data as Float32Array)[0], 1, 'a JS array is copied, never adopted');
    for (const dtype of DTYPES) assert.ok(native.tensorDataAlignment(Tensor.alloc(dtype, [3]).handle) >= 64, dtype);
    assert.ok(native.tensorDataAlignment(Tensor.alloc('FLOAT', [1 << 20]).handle) >= 64, 'pooled large buffer');
  });

  it('a small tensor made from bytes keeps a copy until native memory is needed, then is one tensor', () => {
    const source = Buffer.from(new Float32Array([1, 2]).buffer);
    const t = Tensor.fromBlob('FLOAT', [2], source);
    source.fill(0);
    assert.deepEqual(Buffer.from(t.wireBytes), Buffer.from(new Float32Array([1, 2]).buffer), 'copied when made');
    assert.equal(t.byteLength, 8);
    const view = t.data as Float32Array;
    assert.ok(native.tensorDataAlignment(t.handle) >= 64, 'a view of its data is native memory');
    view[0] = 5;
    assert.deepEqual(t.toArray(), [5, 2], 'writing through the view changes the tensor');
    assert.deepEqual(Array.from(new Float32Array(new Uint8Array(t.wireBytes).buffer)), [5, 2], 'the wire sees it too');
    assert.throws(() => Tensor.fromBlob('FLOAT', [3], source), /ERR data length does not match tensor shape and type/);
    assert.throws(() => Tensor.fromBlob('BOOL', [2], Buffer.from([0, 2])), /ERR/);
  });

  it('exposes data as views over native memory, and shares memory it owns', () => {
    const t = Tensor.alloc('INT32', [4]);
    const view = t.data as Int32Array;
    view.set([1, 2, 3, 4]);
    assert.deepEqual(t.toArray(), [1, 2, 3, 4], 'writing through the view changes the tensor');
    const shared = Tensor.from(view.subarray(1, 3), [2]);
    (t.data as Int32Array)[1] = 42;
    assert.deepEqual(shared.toArray(), [42, 3], 'a tensor made from another tensor\'s view shares its memory');
  });

  it('builds from nested arrays and values with the wire\'s checks', () => {
    const t = Tensor.fromArray([[1, 2, 3], [4, 5, 6]], 'DOUBLE');
    assert.deepEqual(t.shape, [2, 3]);
    assert.deepEqual(t.toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Tensor.fromArray([true, false], 'BOOL').toArray(), [1, 0]);
    assert.deepEqual(Tensor.fromValues('INT64', [2], [2n ** 62n, -1]).toArray(), [2n ** 62n, -1]);
    const s = Tensor.fromArray(['héllo', '', 'wörld'], 'STRING');
    assert.deepEqual(s.shape, [3]);
    assert.deepEqual(s.toArray(), ['héllo', '', 'wörld']);
    assert.deepEqual(Buffer.from(s.bytes), Buffer.from('héllo\0\0wörld\0'));
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof StormbreakerError);
        return `${e.code}|${e.message}`;
      }
      return 'no error';
    };
    assert.equal(error(() => Tensor.fromValues('INT8', [1], [128])), 'ERR|ERR invalid value');
    assert.equal(error(() => Tensor.fromValues('BOOL', [1], [2])), 'ERR|ERR invalid value');
    assert.equal(error(() => Tensor.fromValues('FLOAT', [2], [1])), "ERR|ERR wrong number of values was given in 'AI.TENSORSET' command");
    assert.equal(error(() => Tensor.alloc('FLOAT', [0])), 'ERR|ERR invalid or negative value found in tensor shape');
    assert.equal(error(() => Tensor.fromBlob('FLOAT', [2], new Uint8Array(4))), 'ERR|ERR data length does not match tensor shape and type');
    // .code is stable: the Redis code a message starts with, ERR for RedisAI's unprefixed texts.
    const code = (message: string) => new StormbreakerError(message).code;
    assert.deepEqual(['WRONGTYPE Operation against a key holding the wrong kind of value', 'TIMEDOUT', 'NOAUTH Authentication required.',
      'Number of keys given as INPUTS here does not match model definition', 'Invalid GraphDef', 'script refused: f calls torch.save'].map(code),
    ['WRONGTYPE', 'TIMEDOUT', 'NOAUTH', 'ERR', 'ERR', 'ERR']);
    assert.equal(error(() => Tensor.fromBlob('BOOL', [2], new Uint8Array([0, 3]))), 'ERR|ERR BOOL tensor elements must be 0 or 1');
    assert.equal(error(() => Tensor.fromArray(['a\0b'], 'STRING')), 'ERR|ERR C-string value contains null character');
  });

  it('formats floats with C\'s %.17g, glibc rounding included', () => {
    assert.equal(native.formatDouble(0.1), '0.10000000000000001');
    assert.equal(native.formatDouble(-0), '-0');
    assert.equal(native.formatDouble(2 ** -25), '2.9802322387695312e-08');
    assert.equal(native.formatDouble(1e21), '1e+21');
    assert.equal(native.formatDouble(Infinity), 'inf');
    // Whole numbers below 2^53 take an integer path; its text must stay printf's (Python's '%.17g').
    const whole: Array<[number, string]> = [[0, '0'], [1, '1'], [-1, '-1'], [16777216, '16777216'],
      [2 ** 53 - 1, '9007199254740991'], [-(2 ** 53 - 1), '-9007199254740991'], [2 ** 53, '9007199254740992'],
      [2 ** 53 + 2, '9007199254740994'], [1e16, '10000000000000000'], [1e17, '1e+17'],
      [123456789012345680, '1.2345678901234568e+17'], [3e15 + 0.5, '3000000000000000.5'], [4.5, '4.5']];
    for (const [value, text] of whole) assert.equal(native.formatDouble(value), text, String(value));
  });
});

describe('Engine (library)', () => {
  it('puts and gets tensors; errors carry the wire text and code', () => {
    const engine = new Engine();
    const t = Tensor.fromArray([1, 2], 'FLOAT');
    engine.setTensor('a', t);
    assert.equal(engine.getTensor('a'), t);
    assert.equal(engine.type('a'), 'AI_TENSOR');
    assert.throws(() => engine.getTensor('nope'), { name: 'StormbreakerError', code: 'ERR', message: 'ERR tensor key is empty or in a different shard' });
    engine.set('s', { kind: 'string', bytes: Buffer.from('x') });
    assert.throws(() => engine.setTensor('s', t), { code: 'WRONGTYPE' });
    engine.setTensor('ключ', t);
    assert.deepEqual(engine.keys().sort(), ['a', 's', 'ключ']);
    assert.equal(engine.delete('a', 'nope'), 1);
    engine.flush();
    assert.equal(engine.size, 0);
  });
});

describe('zero-copy BLOB path', () => {
  it('a BLOB streamed into native storage becomes the tensor\'s memory without a copy', async () => {
    const { blobDestination } = await import('../../src/server/blobDestination');
    const args = ['AI.TENSORSET', 'k', 'FLOAT', '4', 'BLOB'].map((a) => Buffer.from(a));
    const target = blobDestination(args, 16)!;
    assert.ok(target !== undefined);
    assert.equal(blobDestination([Buffer.from('SET'), Buffer.from('k')], 16), undefined, 'other commands get ordinary buffers');
    target.set(Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    const tensor = Tensor.fromBlob('FLOAT', [4], target);
    target.set(Buffer.from(new Float32Array([9]).buffer), 0);
    assert.equal((tensor.data as Float32Array)[0], 9, 'the tensor adopted the decoder\'s buffer');
    assert.ok(native.tensorDataAlignment(tensor.handle) >= 64);
  });
});

describe('buffer pool', () => {
  it('reuses the memory of large tensors once they are gone', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    assert.ok(gc !== undefined, 'tests run with --expose-gc (scripts/run-tests.js)');
    const size = 1 << 18; // 1 MiB of FLOAT: above the pool's 64 KiB threshold
    let tensors: Tensor[] | undefined = Array.from({ length: 8 }, () => Tensor.alloc('FLOAT', [size]));
    assert.equal(tensors.length, 8);
    tensors = undefined;
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r)); // native finalizers run after the collection
    }
    const before = native.poolStats();
    assert.ok(before.cachedBuffers >= 1, 'freed large buffers are kept for reuse');
    const again = Array.from({ length: 4 }, () => Tensor.alloc('FLOAT', [size]));
    const after = native.poolStats();
    assert.ok(after.hits >= before.hits + 1, 'new large tensors take pooled buffers');
    assert.ok(again.every((t) => native.tensorDataAlignment(t.handle) >= 64));
  });
});
