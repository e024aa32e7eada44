// --store redis://…: a node keeps no data; tensors, models and scripts live in a real redis-server
// (started here) in the documented layout, any number of nodes share them, and the commands that
// are not AI.* are Redis's own.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import Redis from 'ioredis';
import { comparable, STEPS } from '../helpers/commandCorpus';
import { fixture } from '../helpers/fixtures';
import { RawClient } from '../helpers/RawClient';
import { freePort, run, startRedisServer, startServer } from '../helpers/servers';
import { multiOutputModel } from '../helpers/torchModels';
import { createServer } from '../../src/server/Server';
import { STORE_NO_PERSISTENCE } from '../../src/server/StoreMode';
import { parseServerArgs } from '../../src/server/parseServerArgs';
import { RedisKeyspace } from '../../src/store/RedisKeyspace';
import { RedisConnection } from '../../src/store/redis/RedisConnection';
import { parseStoreUrl } from '../../src/store/redis/storeUrl';
import { Tensor } from '../../src';

/** A fresh redis-server and `count` nodes on it (the StoreSettings given to each). */
async function fleet(count: number, settings: Record<string, number> = {}) {
  const redisPort = await startRedisServer();
  const url = `redis://127.0.0.1:${redisPort}`;
  const nodes = [];
  for (let i = 0; i < count; i++) nodes.push(await startServer({ store: { url, ...settings } }));
  const redis = await RawClient.connect(redisPort, { returnBuffers: true });
  const clients = await Promise.all(nodes.map((n) => RawClient.connect(n.port)));
  return { redisPort, url, redis, clients, nodes };
}

/** The fields of a hash, as field → value text (binary values as Buffers). */
async function hashOf(redis: RawClient, key: string): Promise<Map<string, Buffer>> {
  const flat = await redis.call('HGETALL', key) as Buffer[];
  const fields = new Map<string, Buffer>();
  for (let i = 0; i < flat.length; i += 2) fields.set(flat[i].toString(), flat[i + 1]);
  return fields;
}

/** An error reply's text, or the reply as text. */
function text(reply: unknown): string {
  return reply instanceof Error ? reply.message : String(reply);
}

async function netOutput(redis: RawClient): Promise<number> {
  const info = text(await redis.call('INFO', 'stats'));
  return Number(/total_net_output_bytes:(\d+)/.exec(info)![1]);
}

describe('a node whose data lives in a real redis-server (--store redis://)', () => {
  it('gives every reply of the command corpus that the embedded store gives', async () => {
    const embedded = await startServer();
    const { clients: [node] } = await fleet(1);
    const e = await RawClient.connect(embedded.port);
    for (const step of STEPS) {
      const expected = await e.call(...step.args);
      const reply = await node.call(...step.args);
      assert.deepEqual(comparable(step, reply), comparable(step, expected), `${step.args.slice(0, 3).map(String).join(' ')}: the same reply as the embedded store`);
    }
  });

  it('keeps tensors, models and scripts as documented hashes that redis-cli can read', async () => {
    const { redis, clients: [node], nodes } = await fleet(1);
    assert.equal(await node.call('AI.TENSORSET', 't', 'INT16', 2, 3, 'VALUES', 1, 2, 3, 4, 5, -6), 'OK');
    const tensor = await hashOf(redis, 't');
    assert.deepEqual([...tensor.keys()].sort(), ['blob', 'dtype', 'format', 'shape', 'stormbreaker']);
    assert.equal(tensor.get('stormbreaker')!.toString(), 'tensor');
    assert.equal(tensor.get('format')!.toString(), '1');
    assert.equal(tensor.get('dtype')!.toString(), 'INT16');
    assert.equal(tensor.get('shape')!.toString(), '2 3');
    const bytes = await RawClient.connect(nodes[0].port, { returnBuffers: true });
    assert.deepEqual(tensor.get('blob'), await bytes.call('AI.TENSORGET', 't', 'BLOB'), 'blob is the exact TENSORGET BLOB');
    assert.deepEqual(tensor.get('blob'), Buffer.from(new Int16Array([1, 2, 3, 4, 5, -6]).buffer));

    const blob = fixture('pt-minimal.pt');
    assert.equal(await node.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'TAG', 'v1', 'BLOB', blob), 'OK');
    const model = await hashOf(redis, 'm');
    assert.equal(model.get('stormbreaker')!.toString(), 'model');
    assert.equal(model.get('backend')!.toString(), 'TORCH');
    assert.equal(model.get('tag')!.toString(), 'v1');
    assert.equal(model.get('size')!.toString(), String(blob.length));
    assert.match(model.get('digest')!.toString(), /^[0-9a-f]{64}$/);
    assert.deepEqual(model.get('inlineblob'), blob, 'a small model is inline');
    const firstVersion = model.get('version')!.toString();
    await node.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'TAG', 'v1', 'BLOB', blob);
    assert.notEqual((await hashOf(redis, 'm')).get('version')!.toString(), firstVersion, 'every store makes a new version');

    assert.equal(await node.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', 'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n'), 'OK');
    const script = await hashOf(redis, 's');
    assert.equal(script.get('stormbreaker')!.toString(), 'script');
    assert.equal(script.get('entrypoints')!.toString(), '["bar"]');
    assert.match(script.get('source')!.toString(), /def bar/);
    assert.equal(text(await node.call('TYPE', 't')), 'AI_TENSOR', 'TYPE names AI types as RedisAI does');
  });

  it('moves no blob for AI.TENSORGET META', async () => {
    const { redis, clients: [node] } = await fleet(1);
    const blob = Buffer.alloc(1 << 20, 7);
    assert.equal(await node.call('AI.TENSORSET', 'big', 'UINT8', blob.length, 'BLOB', blob), 'OK');
    const before = await netOutput(redis);
    for (let i = 0; i < 4; i++) assert.deepEqual(await node.call('AI.TENSORGET', 'big', 'META'), ['dtype', 'UINT8', 'shape', [blob.length]]);
    const meta = await netOutput(redis) - before;
    assert.ok(meta < 64 * 1024, `4 META reads moved ${meta} bytes out of Redis`);
    const beforeBlob = await netOutput(redis);
    assert.equal((await node.call('AI.TENSORGET', 'big', 'BLOB') as string).length > 0, true);
    assert.ok(await netOutput(redis) - beforeBlob >= blob.length, 'while one BLOB read moves the megabyte (the measure works)');
  });

  it('runs on node B the model that node A stored last, with no wait in between', async () => {
    const { clients: [a, b] } = await fleet(2);
    await a.call('AI.TENSORSET', 'x', 'FLOAT', 2, 2, 'VALUES', 1, 2, 3, 4);
    assert.equal(await a.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    assert.equal(await b.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'y'), 'OK');
    assert.deepEqual(await a.call('AI.TENSORGET', 'y', 'VALUES'), ['2', '4', '6', '8'], "B's output is in Redis for A");
    // A stores another model under the same key: B's next run must use it (its cached copy is an old version).
    assert.equal(await a.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', await multiOutputModel()), 'OK');
    assert.equal(await b.call('AI.MODELEXECUTE', 'm', 'INPUTS', 1, 'x', 'OUTPUTS', 3, 'd', 's', 'p'), 'OK');
    assert.deepEqual(await b.call('AI.TENSORGET', 'd', 'VALUES'), ['2', '4', '6', '8']);
    assert.deepEqual(await b.call('AI.TENSORGET', 's', 'VALUES'), ['10']);
    assert.equal(await a.call('AI.MODELDEL', 'm'), 'OK');
    assert.equal(text(await b.call('AI.MODELEXECUTE', 'm', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'z')), 'ERR model key is empty');
  });

  it('lists with AI._MODELSCAN and AI._SCRIPTSCAN what the whole store holds, not what one node loaded', async () => {
    const { redis, clients: [a, b] } = await fleet(2);
    assert.equal(await a.call('AI.MODELSTORE', 'm1', 'TORCH', 'CPU', 'TAG', 'v1', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    assert.equal(await a.call('AI.MODELSTORE', 'm2', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    assert.equal(await a.call('AI.SCRIPTSTORE', 's', 'CPU', 'TAG', 'st', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', 'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n'), 'OK');
    await a.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 1);
    await redis.call('HSET', 'plain', 'f', 'v');
    const sorted = (rows: unknown) => (rows as string[][]).map(([k, t]) => `${k}:${t}`).sort();
    assert.deepEqual(sorted(await b.call('AI._MODELSCAN')), ['m1:v1', 'm2:'], 'node B never loaded them');
    assert.deepEqual(sorted(await b.call('AI._SCRIPTSCAN')), ['s:st']);
    await a.call('AI.MODELDEL', 'm1');
    assert.deepEqual(sorted(await b.call('AI._MODELSCAN')), ['m2:']);
    assert.equal(text(await b.call('AI._MODELSCAN', 'x')), "ERR wrong number of arguments for 'AI._MODELSCAN' command");
  });

  it('keeps a large model in chunk keys of its own slot, reads it on another node, and leaves no chunk behind', async () => {
    const { redis, clients: [a, b], nodes } = await fleet(2, { inlineModelBytes: 100, modelChunkBytes: 500 });
    const blob = fixture('pt-minimal.pt');
    const chunks = async () => ((await redis.call('KEYS', 'stormbreaker:chunk:*')) as Buffer[]).map(String).sort();
    assert.equal(await a.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', blob), 'OK');
    const model = await hashOf(redis, 'm');
    assert.equal(model.has('inlineblob'), false);
    const count = Math.ceil(blob.length / 500);
    assert.equal(model.get('chunks')!.toString(), String(count));
    const first = await chunks();
    assert.equal(first.length, count);
    for (const key of first) assert.equal(await redis.call('TTL', key), -1, 'a chunk in use has no time to live');
    const bBytes = await RawClient.connect(nodes[1].port, { returnBuffers: true });
    assert.deepEqual(await bBytes.call('AI.MODELGET', 'm', 'BLOB'), blob, 'B joined the chunks into the exact blob');
    await b.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.equal(await b.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'y'), 'OK');
    assert.deepEqual(await b.call('AI.TENSORGET', 'y', 'VALUES'), ['2', '4']);
    // Storing it again replaces the chunks; deleting it (AI.MODELDEL, or DEL as Redis has it) removes them.
    assert.equal(await b.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', blob), 'OK');
    const second = await chunks();
    assert.equal(second.length, count);
    assert.deepEqual(second.filter((k) => first.includes(k)), [], 'the old version\'s chunks are gone');
    assert.equal(await a.call('AI.MODELDEL', 'm'), 'OK');
    assert.deepEqual(await chunks(), []);
    assert.equal(await a.call('AI.MODELSTORE', 'm2', 'TORCH', 'CPU', 'BLOB', blob), 'OK');
    assert.equal(await b.call('DEL', 'm2'), 1);
    assert.deepEqual(await chunks(), []);
  });

  it('stores a model over 512 MB (Redis\'s largest string) through one node and runs it on another', async () => {
    // 150M FLOATs (600 MB) that y = W[idx] reads back: W[i] = i mod 1000. Default chunk size (64 MiB).
    const file = path.join(os.tmpdir(), `stormbreaker-600mb-${process.pid}.onnx`);
    const made = await run('/usr/bin/python3', ['-c', `
import sys, numpy as np
from onnx import helper, TensorProto, numpy_helper
w = np.tile(np.arange(1000, dtype=np.float32), 150000)
graph = helper.make_graph([helper.make_node('Gather', ['W', 'idx'], ['y'], axis=0)], 'big',
    [helper.make_tensor_value_info('idx', TensorProto.INT64, [None])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, [None])], [numpy_helper.from_array(w, 'W')])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
open(sys.argv[1], 'wb').write(model.SerializeToString())
`, file]);
    assert.equal(made.code, 0, made.stderr);
    const blob = fs.readFileSync(file);
    fs.rmSync(file);
    assert.ok(blob.length > 512 * 1024 * 1024);
    const { redis, clients: [a, b] } = await fleet(2);
    // A client sends it in two BLOB arguments, each under the 512 MB bulk limit.
    const half = blob.length >> 1;
    assert.equal(await a.call('AI.MODELSTORE', 'big', 'ONNX', 'CPU', 'BLOB', blob.subarray(0, half), blob.subarray(half)), 'OK');
    const model = await hashOf(redis, 'big');
    assert.equal(model.get('size')!.toString(), String(blob.length));
    assert.equal(model.get('chunks')!.toString(), String(Math.ceil(blob.length / (64 * 1024 * 1024))));
    await b.call('AI.TENSORSET', 'idx', 'INT64', 3, 'VALUES', 0, 1999, 149_999_999);
    assert.equal(await b.call('AI.MODELEXECUTE', 'big', 'INPUTS', 1, 'idx', 'OUTPUTS', 1, 'y'), 'OK');
    assert.deepEqual(await b.call('AI.TENSORGET', 'y', 'VALUES'), ['0', '999', '999']);
    assert.equal(await b.call('AI.MODELDEL', 'big'), 'OK');
    assert.deepEqual(await redis.call('KEYS', 'stormbreaker:chunk:*'), [], 'no chunk left behind');
  });

  it('writes a command\'s outputs all or nothing: a WRONGTYPE output leaves the others untouched', async () => {
    const { redis, clients: [node] } = await fleet(1);
    await node.call('SET', 'str', 'text');
    const reply = await node.call('AI.DAGEXECUTE', 'PERSIST', 2, 'o1', 'str', '|>', 'AI.TENSORSET', 'o1', 'FLOAT', 1, 'VALUES', 1,
      '|>', 'AI.TENSORSET', 'str', 'FLOAT', 1, 'VALUES', 2);
    assert.equal(text(reply), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await redis.call('EXISTS', 'o1'), 0);
    assert.equal(text(await redis.call('GET', 'str')), 'text');
  });

  it('refuses the whole write when another client changed an output\'s type after the command read it', async () => {
    const redisPort = await startRedisServer();
    const connection = RedisConnection.create(parseStoreUrl(`redis://127.0.0.1:${redisPort}`), { commandTimeoutMs: 5000, connectTimeoutMs: 5000, failoverDeadlineMs: 1000 });
    await connection.connect();
    const keyspace = new RedisKeyspace(connection, { inlineModelBytes: 1 << 20, modelChunkBytes: 1 << 20, waitReplicas: 0, waitTimeoutMs: 0 });
    const redis = await RawClient.connect(redisPort);
    try {
      await keyspace.load(['o1', 'o2']);
      assert.equal(await redis.call('SET', 'o2', 'written meanwhile'), 'OK');
      keyspace.set('o1', { kind: 'tensor', tensor: Tensor.fromArray([1], 'FLOAT') });
      keyspace.set('o2', { kind: 'tensor', tensor: Tensor.fromArray([2], 'FLOAT') });
      await assert.rejects(keyspace.flush(['o1', 'o2']), { message: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
      assert.equal(await redis.call('EXISTS', 'o1'), 0, 'nothing of the command was written');
      assert.equal(await redis.call('GET', 'o2'), 'written meanwhile');
    } finally {
      await connection.close();
    }
  });

  it('runs a script stored through one node on another, its redis.execute writing to Redis', async () => {
    const { redis, clients: [a, b] } = await fleet(2);
    const source = 'def keyed(tensors: List[Tensor], keys: List[str], args: List[str]):\n    redis.execute("SET", keys[0], args[0])\n    redis.execute("RPUSH", keys[1], args[0], args[0])\n    return tensors[0] * 2\n';
    assert.equal(await a.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'keyed', 'SOURCE', source), 'OK');
    await a.call('AI.TENSORSET', 'x', 'INT32', 2, 'VALUES', 3, 4);
    assert.equal(await b.call('AI.SCRIPTEXECUTE', 's', 'keyed', 'KEYS', 2, 'k', 'l', 'INPUTS', 1, 'x', 'ARGS', 1, 'hi', 'OUTPUTS', 1, 'y'), 'OK');
    assert.deepEqual(await a.call('AI.TENSORGET', 'y', 'VALUES'), [6, 8]);
    assert.equal(text(await redis.call('GET', 'k')), 'hi');
    assert.deepEqual((await redis.call('LRANGE', 'l', 0, -1) as Buffer[]).map(String), ['hi', 'hi']);
  });

  it('sends the commands that are not AI.* to Redis: its types, its errors, its transactions', async () => {
    const { clients: [node] } = await fleet(1);
    assert.equal(await node.call('SADD', 'set', 'a', 'b', 'a'), 2);
    assert.deepEqual(((await node.call('SMEMBERS', 'set')) as string[]).sort(), ['a', 'b']);
    assert.equal(await node.call('ZADD', 'z', 1, 'one'), 1);
    assert.deepEqual(await node.call('ZRANGE', 'z', 0, -1, 'WITHSCORES'), ['one', '1']);
    assert.equal(text(await node.call('AI.TENSORGET', 'set', 'META')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(text(await node.call('TYPE', 'set')), 'set');
    await node.call('SET', 'n', 'x');
    assert.equal(text(await node.call('INCR', 'n')), 'ERR value is not an integer or out of range');
    assert.match(text(await node.call('NOSUCHCOMMAND', 'a')), /^ERR unknown command 'NOSUCHCOMMAND'/);
    assert.equal(await node.call('EXPIRE', 'set', 100), 1);
    assert.equal(await node.call('TTL', 'set'), 100);
    assert.equal(await node.call('MULTI'), 'OK');
    assert.equal(await node.call('SET', 'n', '1'), 'QUEUED');
    assert.equal(await node.call('INCRBY', 'n', 5), 'QUEUED');
    assert.equal(await node.call('SADD', 'set', 'c'), 'QUEUED');
    assert.deepEqual(await node.call('EXEC'), ['OK', 6, 1], 'one MULTI/EXEC in Redis');
    assert.equal(text(await node.call('WATCH', 'n')), 'ERR WATCH is not supported by a node started with --store: Redis keeps the data, use WATCH there');
    assert.equal(text(await node.call('CLUSTER', 'KEYSLOT', 'n')), text(await node.call('CLUSTER', 'KEYSLOT', '{n}x')));
  });

  it('answers CLUSTER SLOTS as one shard owning every slot, so a cluster client connects unchanged', async () => {
    const { nodes: [node] } = await fleet(1);
    const raw = await RawClient.connect(node.port);
    assert.deepEqual(await raw.call('CLUSTER', 'SLOTS'), [[0, 16383, ['127.0.0.1', node.port, await raw.call('CLUSTER', 'MYID')]]]);
    const cluster = new Redis.Cluster([{ host: '127.0.0.1', port: node.port }], { lazyConnect: true, enableOfflineQueue: true });
    try {
      await cluster.connect();
      assert.equal(await cluster.call('AI.TENSORSET', 'ct', 'FLOAT', '2', 'VALUES', '1', '2'), 'OK');
      assert.deepEqual(await cluster.call('AI.TENSORGET', 'ct', 'VALUES'), ['1', '2']);
      assert.equal(await cluster.set('plain', 'v'), 'OK');
      assert.equal(await cluster.get('plain'), 'v');
    } finally {
      cluster.disconnect();
    }
    const embedded = await RawClient.connect((await startServer()).port);
    assert.equal(text(await embedded.call('CLUSTER', 'SLOTS')), 'ERR This instance has cluster support disabled');
  });

  it('says a write may or may not be applied when --redis-wait finds too few replicas', async () => {
    const { redis, clients: [node] } = await fleet(1, { waitReplicas: 1, waitTimeoutMs: 50 });
    const reply = text(await node.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 1));
    assert.equal(reply, 'ERR the write reached the primary but only 0 of 1 replicas acknowledged it within 50 ms: it may or may not have been applied');
    assert.equal(await redis.call('EXISTS', 't'), 1, 'here it was applied: the primary has it');
  });

  it('keeps the chunks of a model whose write was applied though --redis-wait found too few replicas', async () => {
    // The model is in chunk keys; the write that references them reached the primary, so they
    // must stay: dropping them would leave a model no node can read until it is stored again.
    const { redis, clients: [a, b] } = await fleet(2, { waitReplicas: 1, waitTimeoutMs: 50, inlineModelBytes: 100, modelChunkBytes: 400 });
    assert.match(text(await a.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'))), /may or may not have been applied/);
    const model = await hashOf(redis, 'm');
    const chunks = (await redis.call('KEYS', 'stormbreaker:chunk:*') as Buffer[]).map(String).sort();
    assert.deepEqual(chunks, Array.from({ length: Number(model.get('chunks')) }, (_, i) => `${model.get('chunkprefix')}${i}`).sort());
    assert.match(text(await b.call('AI.TENSORSET', 'x', 'INT32', 1, 'VALUES', 3)), /may or may not have been applied/);
    assert.match(text(await b.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'y')), /may or may not have been applied/);
    assert.deepEqual(await b.call('AI.TENSORGET', 'y', 'VALUES'), [6], 'node B read the model from its chunks and ran it');
  });

  it('answers WRONGTYPE under --redis-wait when the write is refused, and leaves no chunk of a refused model', async () => {
    const { redis, clients: [node] } = await fleet(1, { waitReplicas: 1, waitTimeoutMs: 50, inlineModelBytes: 100, modelChunkBytes: 400 });
    await redis.call('SET', 's', 'text');
    assert.equal(text(await node.call('AI.TENSORSET', 's', 'FLOAT', 1, 'VALUES', 1)), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(text(await node.call('AI.MODELSTORE', 's', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'))), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.deepEqual(await redis.call('KEYS', 'stormbreaker:chunk:*'), [], 'the refused model\'s uploaded chunks were removed');
    assert.equal(String(await redis.call('GET', 's')), 'text');
  });

  it('logs in to a Redis that requires a password, and refuses to start with a wrong one or with no Redis there', async () => {
    const redisPort = await startRedisServer(['--requirepass', 'p@ss:word']);
    const { port } = await startServer({ store: { url: `redis://:p%40ss%3Aword@127.0.0.1:${redisPort}` } });
    const node = await RawClient.connect(port);
    assert.equal(await node.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 7), 'OK');
    assert.deepEqual(await node.call('AI.TENSORGET', 't', 'VALUES'), ['7']);
    assert.equal(await node.call('HGET', 't', 'dtype'), 'FLOAT', 'forwarded commands use the same login');
    await assert.rejects(startServer({ store: { url: `redis://:wrong@127.0.0.1:${redisPort}` } }), /WRONGPASS invalid username-password pair/);
    // Nothing listening: the node gives up after the failover deadline rather than waiting for ever.
    const nobody = await freePort();
    await assert.rejects(startServer({ store: { url: `redis://127.0.0.1:${nobody}`, failoverDeadlineMs: 500 } }),
      new RegExp(`^Error: cannot reach the store at 127\\.0\\.0\\.1:${nobody}: connect ECONNREFUSED`));
  });

  it('refuses its own persistence settings: durability is Redis\'s', () => {
    assert.throws(() => parseServerArgs(['--store', 'redis://127.0.0.1:6379', '--appendonly', 'yes']), { message: STORE_NO_PERSISTENCE });
    assert.throws(() => parseServerArgs(['--save', '60 1', '--store', 'redis://127.0.0.1:6379']), { message: STORE_NO_PERSISTENCE });
    assert.throws(() => createServer({ store: { url: 'redis://127.0.0.1:6379' }, persistence: {} }), { message: STORE_NO_PERSISTENCE });
    assert.throws(() => parseServerArgs(['--store', 'http://x']), /--store has an unknown scheme http:/);
    assert.throws(() => parseServerArgs(['--redis-wait', '1']), /need --store/);
    const parsed = parseServerArgs(['--store', 'redis+sentinel://h1:26379,h2/mymaster', '--redis-wait', '1', '250']);
    assert.deepEqual(parsed.store, { url: 'redis+sentinel://h1:26379,h2/mymaster', waitReplicas: 1, waitTimeoutMs: 250 });
    assert.deepEqual(parseStoreUrl('redis+sentinel://h1:26379,h2/mymaster'), {
      kind: 'sentinel', nodes: [{ host: 'h1', port: 26379 }, { host: 'h2', port: 26379 }], masterName: 'mymaster', username: undefined, password: undefined, tls: false, database: 0,
    });
    assert.deepEqual(parseStoreUrl('rediss://user:p%40ss@h:6380/2'), {
      kind: 'standalone', nodes: [{ host: 'h', port: 6380 }], masterName: undefined, username: 'user', password: 'p@ss', tls: true, database: 2,
    });
  });
});
