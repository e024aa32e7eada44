import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startRedisServer, startServer } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';
import { fixture } from '../helpers/fixtures';

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

describe('lists, hashes and counters', () => {
  it('behave as in Redis, with WRONGTYPE across kinds', async () => {
    const { server, port } = await startServer();
    const c = await RawClient.connect(port);
    assert.equal(await c.call('RPUSH', 'l', 'a', 'b'), 2);
    assert.equal(await c.call('LPUSH', 'l', 'z'), 3);
    assert.deepEqual(await c.call('LRANGE', 'l', 0, -1), ['z', 'a', 'b']);
    assert.deepEqual(await c.call('LRANGE', 'l', -2, 10), ['a', 'b']);
    assert.equal(await c.call('LPOP', 'l'), 'z');
    assert.deepEqual(await c.call('RPOP', 'l', 5), ['b', 'a']);
    assert.equal(await c.call('EXISTS', 'l'), 0, 'an emptied list is removed');
    assert.equal(await c.call('LLEN', 'l'), 0);
    assert.equal(await c.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2'), 2);
    assert.equal(await c.call('HSET', 'h', 'f1', 'v3'), 0);
    assert.equal(await c.call('HGET', 'h', 'f1'), 'v3');
    assert.equal(await c.call('HGET', 'h', 'nope'), null);
    assert.deepEqual(await c.call('HGETALL', 'h'), ['f1', 'v3', 'f2', 'v2']);
    assert.deepEqual(await c.call('HVALS', 'h'), ['v3', 'v2']);
    assert.deepEqual(await c.call('HKEYS', 'h'), ['f1', 'f2']);
    assert.equal(await c.call('HLEN', 'h'), 2);
    assert.equal(await c.call('HDEL', 'h', 'f1', 'x'), 1);
    assert.equal(await c.call('TYPE', 'h'), 'hash');
    assert.equal(message(await c.call('HSET', 'h', 'f')), "ERR wrong number of arguments for 'hset' command");
    assert.equal(await c.call('INCR', 'n'), 1);
    assert.equal(await c.call('INCRBY', 'n', 41), 42);
    assert.equal(await c.call('DECR', 'n'), 41);
    assert.equal(await c.call('DECRBY', 'n', 1), 40);
    assert.deepEqual(await c.call('MGET', 'n', 'h', 'nope'), ['40', null, null]);
    await c.call('SET', 's', 'abc');
    assert.equal(message(await c.call('INCR', 's')), 'ERR value is not an integer or out of range');
    await c.call('SET', 'big', '9223372036854775807');
    assert.equal(message(await c.call('INCR', 'big')), 'ERR increment or decrement would overflow');
    await c.call('AI.TENSORSET', 't', 'FLOAT', 1);
    const wrong = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    assert.equal(message(await c.call('LPUSH', 't', 'x')), wrong);
    assert.equal(message(await c.call('HGET', 't', 'x')), wrong);
    assert.equal(message(await c.call('AI.TENSORGET', 'h')), wrong);
    const raw = await RawClient.connect(port);
    await raw.raw('HELLO 3\r\n', 100);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await raw.raw('HGETALL h\r\n', 20)).toString(), '%1\r\n$2\r\nf2\r\n$2\r\nv2\r\n');
    await raw.close();
    await c.close();
    await server.close();
  });
});

/** Sends every command to our server and to a real redis-server 7, one by one, and compares the replies. */
async function repliesMatchRedis(commands: ReadonlyArray<ReadonlyArray<string | number>>): Promise<void> {
  const { port } = await startServer();
  const ours = await RawClient.connect(port);
  const theirs = await RawClient.connect(await startRedisServer());
  try {
    for (const command of commands) {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      const show = (r: Parsed) => (r instanceof Error ? `error: ${r.message}` : r);
      assert.deepEqual(show(a), show(b), command.join(' '));
    }
  } finally {
    await ours.close();
    await theirs.close();
  }
}

describe('hash commands SmartRedis and other clients use', () => {
  it('reply exactly as redis-server 7 does, errors included', async () => {
    const commands: Array<Array<string | number>> = [
      ['HMSET', 'ds', 'meta', '{"a":1}', 'count', '10'], ['HMSET', 'ds', 'odd'], ['HMGET', 'ds', 'meta', 'nope', 'count'], ['HMGET', 'none', 'a'],
      ['HEXISTS', 'ds', 'meta'], ['HEXISTS', 'ds', 'nope'], ['HEXISTS', 'none', 'x'],
      ['HSETNX', 'ds', 'meta', 'other'], ['HSETNX', 'ds', 'fresh', 'v'], ['HGET', 'ds', 'fresh'],
      ['HINCRBY', 'ds', 'count', '5'], ['HINCRBY', 'ds', 'count', '-20'], ['HINCRBY', 'ds', 'new', '3'], ['HINCRBY', 'ds', 'meta', '1'],
      ['HINCRBY', 'ds', 'count', 'x'], ['HSET', 'big', 'n', '9223372036854775807'], ['HINCRBY', 'big', 'n', '1'],
      ['HSTRLEN', 'ds', 'meta'], ['HSTRLEN', 'ds', 'nope'], ['HSTRLEN', 'none', 'x'],
      ['SET', 's', 'x'], ['HMSET', 's', 'a', 'b'], ['HMGET', 's', 'a'], ['HEXISTS', 's', 'a'], ['HSETNX', 's', 'a', 'b'], ['HINCRBY', 's', 'a', '1'],
      ['HEXISTS', 'ds'], ['HGETALL', 'ds'],
    ];
    await repliesMatchRedis(commands);
  });
});

describe('string commands clients use', () => {
  it('reply exactly as redis-server 7 does, errors included', async () => {
    await repliesMatchRedis([
      ['SET', 'a', '1', 'NX'], ['SET', 'a', '2', 'NX'], ['GET', 'a'], ['SET', 'a', '3', 'XX'], ['SET', 'b', '1', 'XX'], ['EXISTS', 'b'],
      ['SET', 'a', '4', 'GET'], ['SET', 'c', '1', 'NX', 'GET'], ['SET', 'c', '2', 'NX', 'GET'], ['SET', 'a', '5', 'NX', 'XX'], ['SET', 'a', '5', 'GET', 'GET'], ['SET', 'a', '6', 'NX', 'NX'], ['SET', 'a', '7', 'XX', 'XX', 'GET'],
      ['SET', 'a', '5', 'BOGUS'], ['RPUSH', 'l', 'x'], ['SET', 'l', 'v', 'GET'], ['TYPE', 'l'], ['SET', 'l', 'v', 'XX'], ['TYPE', 'l'],
      ['SETNX', 'a', 'x'], ['SETNX', 'n', 'x'], ['GET', 'n'], ['SETNX', 'l', 'x'],
      ['GETSET', 'a', 'g'], ['GETSET', 'fresh', 'g'], ['GET', 'fresh'], ['GETSET', 'h1', 'x'], ['HSET', 'h', 'f', 'v'], ['GETSET', 'h', 'x'],
      ['GETDEL', 'fresh'], ['EXISTS', 'fresh'], ['GETDEL', 'fresh'], ['GETDEL', 'h'],
      ['APPEND', 'ap', 'Hello'], ['APPEND', 'ap', ' World'], ['GET', 'ap'], ['APPEND', 'h', 'x'], ['STRLEN', 'ap'], ['STRLEN', 'nope'], ['STRLEN', 'h'],
      ['MSET', 'm1', 'a', 'm2', 'b'], ['MGET', 'm1', 'm2'], ['MSET', 'm1'], ['MSET', 'm1', 'a', 'm2'],
      ['MSETNX', 'm1', 'x', 'm3', 'y'], ['EXISTS', 'm3'], ['MSETNX', 'm3', 'x', 'm4', 'y'], ['MGET', 'm3', 'm4'], ['MSETNX', 'm5'],
      ['GETSET', 'a'], ['APPEND', 'a'], ['SETNX', 'a'], ['STRLEN'], ['GETDEL'],
    ]);
  });

});

describe('list commands clients use', () => {
  it('reply exactly as redis-server 7 does, errors included', async () => {
    await repliesMatchRedis([
      ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'd'], ['LINDEX', 'l', 0], ['LINDEX', 'l', -1], ['LINDEX', 'l', 10], ['LINDEX', 'l', 'x'], ['LINDEX', 'nope', 0],
      ['LSET', 'l', 1, 'B'], ['LSET', 'l', -1, 'D'], ['LSET', 'l', 10, 'x'], ['LSET', 'nope', 0, 'x'], ['LSET', 'l', 'x', 'y'], ['LRANGE', 'l', 0, -1],
      ['LREM', 'l', 1, 'a'], ['LRANGE', 'l', 0, -1], ['RPUSH', 'l', 'a', 'a'], ['LREM', 'l', -2, 'a'], ['LRANGE', 'l', 0, -1], ['LREM', 'l', 0, 'a'],
      ['LRANGE', 'l', 0, -1], ['LREM', 'l', 0, 'zz'], ['LREM', 'nope', 0, 'a'], ['LREM', 'l', 'x', 'a'],
      ['RPUSH', 't', 1, 2, 3, 4, 5, 6], ['LTRIM', 't', 1, -2], ['LRANGE', 't', 0, -1], ['LTRIM', 't', -2, 100], ['LRANGE', 't', 0, -1],
      ['LTRIM', 't', 5, 1], ['EXISTS', 't'], ['LTRIM', 'nope', 0, 1], ['LTRIM', 'l', 'x', 1],
      ['SET', 's', 'v'], ['LINDEX', 's', 0], ['LSET', 's', 0, 'x'], ['LREM', 's', 0, 'x'], ['LTRIM', 's', 0, 1], ['LINDEX', 'l'],
    ]);
  });
});

describe('key expiry', () => {
  it('replies exactly as redis-server 7 does, errors included (times that do not depend on the clock)', async () => {
    await repliesMatchRedis([
      ['SET', 'k', 'v'], ['EXPIRE', 'k', 100], ['TTL', 'k'], ['EXPIRE', 'k', 100, 'NX'], ['EXPIRE', 'k', 50, 'GT'], ['EXPIRE', 'k', 200, 'GT'],
      ['EXPIRE', 'k', 50, 'LT'], ['TTL', 'k'], ['EXPIRE', 'k', 10, 'NX', 'XX'], ['EXPIRE', 'k', 10, 'GT', 'LT'], ['EXPIRE', 'k', 10, 'FOO'],
      ['EXPIRE', 'k', 'x'], ['EXPIRE', 'k', '9223372036854775807'], ['PEXPIRE', 'k', '9223372036854775807'], ['EXPIRE', 'nope', 10],
      ['TTL', 'nope'], ['PTTL', 'nope'], ['PERSIST', 'k'], ['PERSIST', 'k'], ['TTL', 'k'], ['EXPIRETIME', 'k'], ['EXPIRETIME', 'nope'],
      ['PEXPIRETIME', 'k'], ['SET', 'plain', 'v'], ['EXPIRE', 'plain', 100, 'GT'], ['EXPIRE', 'plain', 100, 'LT'], ['TTL', 'plain'],
      ['SET', 'k', 'v', 'EX', 0], ['SET', 'k', 'v', 'EX', -1], ['SET', 'k', 'v', 'EX', 'x'], ['SET', 'k', 'v', 'EX', 'x', 'BOGUS'],
      ['SET', 'k', 'v', 'EX', 10, 'PX', 10], ['SET', 'k', 'v', 'EX', 10, 'KEEPTTL'], ['SET', 'k', 'v', 'KEEPTTL', 'EX', 10], ['SET', 'k', 'v', 'EX'],
      ['SET', 'k', 'v', 'EX', 100], ['TTL', 'k'], ['SET', 'k', 'v2', 'KEEPTTL'], ['TTL', 'k'], ['SET', 'k', 'v3'], ['TTL', 'k'],
      ['EXPIRE', 'k', 100], ['APPEND', 'k', 'x'], ['TTL', 'k'], ['GETSET', 'k', 'y'], ['TTL', 'k'],
      ['INCR', 'n'], ['EXPIRE', 'n', 100], ['INCR', 'n'], ['TTL', 'n'], ['RENAME', 'n', 'n2'], ['TTL', 'n2'], ['EXISTS', 'n'],
      ['RPUSH', 'l', 'a'], ['EXPIRE', 'l', 100], ['RPUSH', 'l', 'b'], ['TTL', 'l'], ['DEL', 'l'], ['RPUSH', 'l', 'c'], ['TTL', 'l'],
      ['EXPIRE', 'k', -1], ['EXISTS', 'k'], ['SET', 'k', 'v', 'PXAT', 1], ['EXISTS', 'k'], ['SET', 'k', 'v', 'EXAT', '99999999999'], ['TTL', 'k'],
      ['MSET', 'm', '1'], ['EXPIREAT', 'm', '99999999999'], ['EXPIRETIME', 'm'], ['PEXPIREAT', 'm', '99999999999000'], ['PEXPIRETIME', 'm'],
      ['TTL'], ['EXPIRE', 'k'], ['PERSIST'],
    ]);
  });

  it('deletes a key once its time has passed, when read and in the background, and tensors expire like any key', async () => {
    const { server, port } = await startServer();
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    assert.equal(String(await c.call('SET', 'soon', 'v', 'PX', 50)), 'OK');
    await c.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 1);
    assert.equal(await c.call('PEXPIRE', 't', 50), 1);
    for (let i = 0; i < 20; i++) await c.call('SET', `background:${i}`, 'v', 'PX', 50);
    assert.match(String(await c.call('INFO', 'keyspace')), /db0:keys=22,expires=22,avg_ttl=\d+/);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await c.call('GET', 'soon'), null, 'read after its time: gone');
    assert.equal(message(await c.call('AI.TENSORGET', 't', 'VALUES')), 'ERR tensor key is empty or in a different shard');
    // Nobody reads these: the background sweep (ten times a second) deletes them.
    for (let i = 0; i < 50 && server.engine.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.engine.size, 0, 'every expired key was swept');
    assert.equal(await c.call('DBSIZE'), 0);
  });
});

describe('MEMORY USAGE', () => {
  it('answers nil for a missing key, and its errors, as redis-server 7 does', async () => {
    await repliesMatchRedis([
      ['MEMORY', 'USAGE', 'nope'], ['SET', 'k', 'v'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'], ['MEMORY', 'USAGE', 'k', 'FOO'],
      ['MEMORY', 'USAGE', 'k', 'SAMPLES'], ['MEMORY', 'USAGE'], ['MEMORY', 'FOO'], ['MEMORY'],
    ]);
  });

  it('counts a tensor\'s data and a model\'s blob', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    await c.call('AI.TENSORSET', 'small', 'FLOAT', 1, 4);
    await c.call('AI.TENSORSET', 'big', 'FLOAT', 1000, 1000);
    const small = Number(await c.call('MEMORY', 'USAGE', 'small'));
    const big = Number(await c.call('MEMORY', 'USAGE', 'big', 'SAMPLES', 0));
    assert.ok(small > 16 && small < 400, String(small));
    assert.ok(big >= 4_000_000 && big < 4_000_400, String(big));
    const blob = fixture('pt-minimal.pt');
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', blob);
    assert.ok(Number(await c.call('MEMORY', 'USAGE', 'm')) >= blob.length);
  });
});
