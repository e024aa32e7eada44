import { strict as assert } from 'node:assert';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Server } from '../../src';
import { RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';

let server: Server;
let client: RawClient;
let bin: RawClient;

beforeAll(async () => {
  const started = await startServer();
  server = started.server;
  client = await RawClient.connect(started.port);
  bin = await RawClient.connect(started.port, { returnBuffers: true });
});
afterAll(async () => {
  await client.close();
  await bin.close();
  await server.close();
});

async function error(...args: Array<string | Buffer | number>): Promise<string> {
  const reply = await client.call(...args);
  assert.ok(reply instanceof Error, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.message;
}

describe('AI.TENSORSET / AI.TENSORGET round trips (spec §2-§3)', () => {
  it('answers the recorded transcript for a FLOAT tensor', async () => {
    assert.equal(await client.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3), 'OK');
    assert.deepEqual(await client.call('AI.TENSORGET', 'a', 'META'), ['dtype', 'FLOAT', 'shape', [2, 2]]);
    assert.deepEqual(await client.call('AI.TENSORGET', 'a', 'VALUES'), ['2', '3', '2', '3']);
    assert.deepEqual(await client.call('AI.TENSORGET', 'a', 'VALUES', 'META'),
      ['dtype', 'FLOAT', 'shape', [2, 2], 'values', ['2', '3', '2', '3']]);
    const blob = Buffer.from('\x00\x00\x00@\x00\x00@@\x00\x00\x00@\x00\x00@@', 'latin1');
    assert.deepEqual(await bin.call('AI.TENSORGET', 'a', 'BLOB'), blob);
    const whole = (await bin.call('AI.TENSORGET', 'a')) as Buffer[];
    assert.equal(whole.length, 6);
    assert.deepEqual(whole[4], Buffer.from('blob'));
    assert.deepEqual(whole[5], blob);
  });

  it('writes floats as %.17g bulk strings on RESP2 and as doubles on RESP3', async () => {
    await client.call('AI.TENSORSET', 'd', 'DOUBLE', 3, 'VALUES', '0.1', '1e300', '-0');
    assert.deepEqual(await client.call('AI.TENSORGET', 'd', 'VALUES'), ['0.10000000000000001', '1.0000000000000001e+300', '-0']);
    await client.call('AI.TENSORSET', 'f', 'FLOAT', 1, 'VALUES', '1.1');
    assert.deepEqual(await client.call('AI.TENSORGET', 'f', 'VALUES'), ['1.1000000238418579']);
    await client.call('AI.TENSORSET', 'inf', 'FLOAT', 2, 'VALUES', 'inf', '-inf');
    assert.deepEqual(await client.call('AI.TENSORGET', 'inf', 'VALUES'), ['inf', '-inf']);
    const raw = await RawClient.connect(server.tcpPort);
    await raw.raw('HELLO 3\r\n', 1);
    await new Promise((r) => setTimeout(r, 50));
    const reply = await raw.raw('AI.TENSORGET a VALUES\r\n', 18);
    assert.equal(reply.toString('latin1'), '*4\r\n,2\r\n,3\r\n,2\r\n,3\r\n');
    await raw.close();
  });

  it('round-trips every dtype through VALUES and BLOB', async () => {
    const cases: Array<[string, string[], Buffer]> = [
      ['FLOAT', ['1.5', '-2'], Buffer.from(new Float32Array([1.5, -2]).buffer)],
      ['DOUBLE', ['1.5', '-2'], Buffer.from(new Float64Array([1.5, -2]).buffer)],
      ['INT8', ['-128', '127'], Buffer.from(new Int8Array([-128, 127]).buffer)],
      ['INT16', ['-32768', '32767'], Buffer.from(new Int16Array([-32768, 32767]).buffer)],
      ['INT32', ['-2147483648', '2147483647'], Buffer.from(new Int32Array([-2147483648, 2147483647]).buffer)],
      ['INT64', ['-9223372036854775808', '9223372036854775807'], Buffer.from(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]).buffer)],
      ['UINT8', ['0', '255'], Buffer.from([0, 255])],
      ['UINT16', ['0', '65535'], Buffer.from(new Uint16Array([0, 65535]).buffer)],
      ['BOOL', ['1', '0'], Buffer.from([1, 0])],
      ['STRING', ['héllo', 'wörld'], Buffer.from('héllo\0wörld\0')],
    ];
    for (const [dtype, values, blob] of cases) {
      assert.equal(await client.call('AI.TENSORSET', `v_${dtype}`, dtype.toLowerCase(), 2, 'VALUES', ...values), 'OK', dtype);
      assert.deepEqual(await bin.call('AI.TENSORGET', `v_${dtype}`, 'BLOB'), blob, `${dtype} VALUES → BLOB`);
      assert.equal(await client.call('AI.TENSORSET', `b_${dtype}`, dtype, 2, 'BLOB', blob), 'OK', dtype);
      const got = (await client.call('AI.TENSORGET', `b_${dtype}`, 'META', 'VALUES')) as unknown[];
      assert.deepEqual(got[1], dtype, `${dtype} META dtype`);
      assert.deepEqual(got[3], [2], `${dtype} META shape`);
      // redis-parser reads integers as JS numbers; INT64 exactness is checked on the raw bytes below.
      const numeric = !['FLOAT', 'DOUBLE', 'STRING'].includes(dtype);
      if (dtype !== 'INT64') assert.deepEqual(got[5], numeric ? values.map(Number) : values, `${dtype} BLOB → VALUES`);
    }
  });

  it('replies VALUES of a BLOB tensor wherever its bytes fell in the request (any alignment)', async () => {
    // Keys of 1 to 8 characters move the BLOB's first byte through every offset modulo 8.
    const cases: Array<[string, Buffer, unknown[]]> = [
      ['FLOAT', Buffer.from(new Float32Array([0.1, -3]).buffer), ['0.10000000149011612', '-3']],
      ['DOUBLE', Buffer.from(new Float64Array([0.1, 1e300]).buffer), ['0.10000000000000001', '1.0000000000000001e+300']],
      ['INT16', Buffer.from(new Int16Array([-2, 300]).buffer), [-2, 300]],
      ['INT32', Buffer.from(new Int32Array([-7, 70000]).buffer), [-7, 70000]],
      ['INT64', Buffer.from(new BigInt64Array([-5n, 2n ** 40n]).buffer), [-5, 2 ** 40]],
      ['UINT16', Buffer.from(new Uint16Array([1, 65535]).buffer), [1, 65535]],
    ];
    for (const [dtype, blob, values] of cases) {
      for (let length = 1; length <= 8; length++) {
        const key = 'k'.repeat(length);
        assert.equal(await client.call('AI.TENSORSET', key, dtype, 2, 'BLOB', blob), 'OK');
        assert.deepEqual(await client.call('AI.TENSORGET', key, 'VALUES'), values, `${dtype}, key of ${length}`);
      }
    }
  });

  it('replies integer elements as RESP integers, exactly for INT64 extremes', async () => {
    const raw = await RawClient.connect(server.tcpPort);
    const reply = await raw.raw('AI.TENSORGET v_INT64 VALUES\r\n', 49);
    assert.equal(reply.toString(), '*2\r\n:-9223372036854775808\r\n:9223372036854775807\r\n');
    await raw.close();
  });

  it('makes scalars, zero-filled tensors and empty-string tensors', async () => {
    await client.call('AI.TENSORSET', 'sc', 'INT32', 'VALUES', 5);
    assert.deepEqual(await client.call('AI.TENSORGET', 'sc', 'META', 'VALUES'), ['dtype', 'INT32', 'shape', [], 'values', [5]]);
    await client.call('AI.TENSORSET', 'z', 'UINT8', 3);
    assert.deepEqual(await client.call('AI.TENSORGET', 'z', 'VALUES'), [0, 0, 0]);
    await client.call('AI.TENSORSET', 'zs', 'STRING', 2);
    assert.deepEqual(await bin.call('AI.TENSORGET', 'zs', 'BLOB'), Buffer.from([0, 0]));
    await client.call('AI.TENSORSET', 'es', 'STRING', 2, 'VALUES', '', 'x\0');
    assert.deepEqual(await client.call('AI.TENSORGET', 'es', 'VALUES'), ['', 'x']);
  });

  it('accepts keywords, dtypes and formats in any case', async () => {
    assert.equal(await client.call('ai.tensorset', 'lc', 'float', 1, 'values', 7), 'OK');
    assert.deepEqual(await client.call('ai.tensorget', 'lc', 'meta', 'values'), ['dtype', 'FLOAT', 'shape', [1], 'values', ['7']]);
  });

  it('replaces an existing tensor and reports TYPE AI_TENSOR', async () => {
    await client.call('AI.TENSORSET', 'r', 'FLOAT', 1, 'VALUES', 1);
    await client.call('AI.TENSORSET', 'r', 'INT8', 2, 'VALUES', 1, 2);
    assert.deepEqual(await client.call('AI.TENSORGET', 'r', 'META'), ['dtype', 'INT8', 'shape', [2]]);
    assert.equal(await client.call('TYPE', 'r'), 'AI_TENSOR');
  });
});

describe('AI.TENSORSET / AI.TENSORGET errors (spec §14, verbatim)', () => {
  it('wrong arity names the command as the client typed it (RedisModule_WrongArity; RedisAI\'s own tests)', async () => {
    assert.equal(await error('AI.TENSORSET'), "ERR wrong number of arguments for 'AI.TENSORSET' command");
    assert.equal(await error('AI.TENSORSET', 'k'), "ERR wrong number of arguments for 'AI.TENSORSET' command");
    assert.equal(await error('AI.TENSORSET', 'k', 'FLOAT'), "ERR wrong number of arguments for 'AI.TENSORSET' command");
    assert.equal(await error('AI.TENSORGET'), "ERR wrong number of arguments for 'AI.TENSORGET' command");
    assert.equal(await error('AI.TENSORGET', 'a', 'META', 'VALUES', 'extra'), "ERR wrong number of arguments for 'AI.TENSORGET' command");
    assert.equal(await error('ai.tensorset', 'k'), "ERR wrong number of arguments for 'ai.tensorset' command");
    assert.equal(await error('Ai.ModelStore', 'k'), "ERR wrong number of arguments for 'Ai.ModelStore' command");
    // Redis's own commands keep Redis 7's registered lower-case name.
    assert.equal(await error('GET'), "ERR wrong number of arguments for 'get' command");
  });

  it('WRONGTYPE before the dtype is looked at', async () => {
    await client.call('SET', 'str', 'v');
    const wrongType = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    assert.equal(await error('AI.TENSORSET', 'str', 'INT32', 2, 'unsupported', 2, 3), wrongType);
    assert.equal(await error('AI.TENSORSET', 'str', 'FLOAT', 1), wrongType);
    assert.equal(await error('AI.TENSORGET', 'str'), wrongType);
    assert.equal(await error('AI.TENSORGET', 'str', 'BOGUS'), wrongType);
  });

  it('dtype and shape', async () => {
    for (const t of ['INT128', 'UINT32', 'UINT64', 'FLOAT16', 'HALF', 'int']) {
      assert.equal(await error('AI.TENSORSET', 'k', t, 1), 'ERR invalid data type', t);
    }
    for (const d of ['0', '-1', 'x', '1.5', '01']) {
      assert.equal(await error('AI.TENSORSET', 'k', 'FLOAT', d, 'VALUES', 1), 'ERR invalid or negative value found in tensor shape', d);
    }
  });

  it('BLOB argument count, length and content', async () => {
    const single = "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command";
    assert.equal(await error('AI.TENSORSET', 'k', 'FLOAT', 1, 'BLOB'), single);
    assert.equal(await error('AI.TENSORSET', 'k', 'FLOAT', 1, 'BLOB', 'abcd', 'efgh'), single);
    assert.equal(await error('AI.TENSORSET', 'k', 'FLOAT', 2, 'BLOB', 'abcd'), 'ERR data length does not match tensor shape and type');
    assert.equal(await error('AI.TENSORSET', 'k', 'STRING', 2, 'BLOB', 'a\0'), 'ERR Number of string elements in data blob does not match tensor length');
    assert.equal(await error('AI.TENSORSET', 'k', 'STRING', 1, 'BLOB', 'a'), 'ERR Number of string elements in data blob does not match tensor length');
  });

  it('a BOOL BLOB is checked on every byte, the last one included (DESIGN.md deviation 2)', async () => {
    const message = 'ERR BOOL tensor elements must be 0 or 1';
    assert.equal(await error('AI.TENSORSET', 'k', 'BOOL', 3, 'BLOB', Buffer.from([2, 0, 1])), message);
    assert.equal(await error('AI.TENSORSET', 'k', 'BOOL', 3, 'BLOB', Buffer.from([0, 1, 2])), message);
    assert.equal(await client.call('AI.TENSORSET', 'k', 'BOOL', 3, 'BLOB', Buffer.from([0, 1, 1])), 'OK');
  });

  it('VALUES count and each value', async () => {
    const count = "ERR wrong number of values was given in 'AI.TENSORSET' command";
    assert.equal(await error('AI.TENSORSET', 'a', 'FLOAT', 1, 'VALUES', 1, 2), count);
    assert.equal(await error('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES'), count);
    const invalid = 'ERR invalid value';
    const refused: Array<[string, string]> = [
      ['FLOAT', 'x'], ['FLOAT', 'nan'], ['FLOAT', '1e400'], ['FLOAT', ' 1'], ['FLOAT', '1 '], ['FLOAT', ''],
      ['INT32', '1.0'], ['INT32', '1.87'], ['INT32', '+1'], ['INT32', '01'], ['INT32', '2147483648'],
      ['INT8', '128'], ['INT8', '-129'], ['UINT8', '256'], ['UINT8', '-1'], ['UINT16', '65536'],
      ['BOOL', '2'], ['BOOL', '-1'], ['INT64', '9223372036854775808'],
    ];
    for (const [dtype, value] of refused) {
      assert.equal(await error('AI.TENSORSET', 'k', dtype, 1, 'VALUES', value), invalid, `${dtype} ${JSON.stringify(value)}`);
    }
    assert.equal(await error('AI.TENSORSET', 'k', 'STRING', 1, 'VALUES', 'a\0b'), 'ERR C-string value contains null character');
  });

  it('a refused TENSORSET leaves the old value in place', async () => {
    await client.call('AI.TENSORSET', 'keep', 'FLOAT', 1, 'VALUES', 3);
    await error('AI.TENSORSET', 'keep', 'FLOAT', 1, 'VALUES', 'nan');
    assert.deepEqual(await client.call('AI.TENSORGET', 'keep', 'VALUES'), ['3']);
  });

  it('in-range negative integers are accepted (DESIGN.md deviation 1)', async () => {
    assert.equal(await client.call('AI.TENSORSET', 'neg', 'INT8', 2, 'VALUES', -1, -128), 'OK');
    assert.deepEqual(await client.call('AI.TENSORGET', 'neg', 'VALUES'), [-1, -128]);
  });

  it('TENSORGET key and format errors', async () => {
    assert.equal(await error('AI.TENSORGET', 'missing'), 'ERR tensor key is empty or in a different shard');
    assert.equal(await error('AI.TENSORGET', 'a', 'BOGUS'), 'ERR unsupported data format');
    assert.equal(await error('AI.TENSORGET', 'a', 'BLOB', 'VALUES'), 'ERR both BLOB and VALUES specified');
    assert.equal(await error('AI.TENSORGET', 'missing', 'BOGUS'), 'ERR tensor key is empty or in a different shard');
  });

  it('a tensor made without data may not exceed proto-max-bulk-len', async () => {
    const message = await error('AI.TENSORSET', 'huge', 'DOUBLE', 1000000, 1000000);
    assert.equal(message, 'ERR tensor of 8000000000000 bytes is larger than proto-max-bulk-len (536870912)');
    assert.equal(await client.call('EXISTS', 'huge'), 0);
  });
});
