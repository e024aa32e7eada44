import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { Parsed, RawClient } from '../helpers/RawClient';
import { ROOT, run, startRedisServer, startServer, startServerProcess } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';
import { fixture } from '../helpers/fixtures';

const show = (r: Parsed) => (r instanceof Error ? `error: ${r.message}` : Buffer.isBuffer(r) ? r.toString('latin1') : r);
const asBuffer = (r: Parsed): Buffer => {
  assert.ok(Buffer.isBuffer(r), `not a bulk string: ${String(r)}`);
  return r;
};

/** A reply with HGETALL's pairs sorted: a hashtable-encoded hash has no order of its own. */
function comparable(command: ReadonlyArray<string | number>, reply: Parsed): Parsed {
  if (command[0] !== 'HGETALL' || !Array.isArray(reply)) return reply;
  const pairs: string[] = [];
  for (let i = 0; i < reply.length; i += 2) pairs.push(`${String(reply[i])}=${String(reply[i + 1])}`);
  return pairs.sort();
}

/** Our server and a real redis-server 7, both answering with Buffers. */
async function bothServers(): Promise<{ ours: RawClient; theirs: RawClient }> {
  const { port } = await startServer();
  const ours = await RawClient.connect(port, { returnBuffers: true });
  const theirs = await RawClient.connect(await startRedisServer(), { returnBuffers: true });
  closeAfterFile(() => Promise.all([ours.close(), theirs.close()]));
  return { ours, theirs };
}

// Values that make redis-server 7 use each of its encodings: integers, short and LZF-compressed
// strings; listpack and quicklist lists (with plain nodes for big elements); listpack and
// hashtable hashes.
const long = 'abcdefgh'.repeat(500);
// `type` is the payload's first byte: Redis's RDB type for that encoding.
const VALUES: Array<{ key: string; type: number; make: Array<Array<string | number>>; read: Array<string | number> }> = [
  { key: 'int', type: 0, make: [['SET', 'int', '-12345']], read: ['GET', 'int'] },
  { key: 'small', type: 0, make: [['SET', 'small', 'hello']], read: ['GET', 'small'] },
  { key: 'lzf', type: 0, make: [['SET', 'lzf', long]], read: ['GET', 'lzf'] },
  { key: 'binary', type: 0, make: [['SET', 'binary', '\u0000\u00ff\r\n']], read: ['GET', 'binary'] },
  { key: 'l1', type: 18, make: [['RPUSH', 'l1', 'a', '1', '-7', '300', '70000', '-5000000000', long]], read: ['LRANGE', 'l1', 0, -1] },
  { key: 'l2', type: 18, make: [['RPUSH', 'l2', ...Array.from({ length: 3000 }, (_, i) => `item-${i}`)]], read: ['LRANGE', 'l2', 0, -1] },
  { key: 'l3', type: 18, make: [['RPUSH', 'l3', 'x'.repeat(10_000), 'y', 'z'.repeat(20_000)]], read: ['LRANGE', 'l3', 0, -1] },
  { key: 'h0', type: 16, make: [['HSET', 'h0', 'f', 'v', 'n', '42', 'neg', '-1', 'wide', '-70000', 'huge', '9000000000']], read: ['HGETALL', 'h0'] },
  { key: 'h1', type: 4, make: [['HSET', 'h1', 'f', 'v', 'n', '42', 'neg', '-1', 'big', long]], read: ['HGETALL', 'h1'] },
  { key: 'h2', type: 4, make: [['HSET', 'h2', ...Array.from({ length: 600 }, (_, i) => [`field${i}`, `${i}`]).flat()]], read: ['HGETALL', 'h2'] },
];

describe('DUMP and RESTORE of Redis values', () => {
  it('restores what redis-server 7 dumps, in every encoding it uses, and redis-server restores what we dump', async () => {
    const { ours, theirs } = await bothServers();
    for (const { key, type, make, read } of VALUES) {
      for (const command of make) await theirs.call(...command);
      const payload = asBuffer(await theirs.call('DUMP', key));
      assert.equal(payload[0], type, `${key} is kept in the encoding this case is for`);
      assert.equal(show(await ours.call('RESTORE', key, 0, payload)), 'OK', key);
      assert.deepEqual(comparable(read, await ours.call(...read)), comparable(read, await theirs.call(...read)), key);
      // And back: our payload into Redis under another name.
      const ourPayload = asBuffer(await ours.call('DUMP', key));
      const copy = `${key}-copy`;
      assert.equal(show(await theirs.call('RESTORE', copy, 0, ourPayload)), 'OK', key);
      const readCopy = read.map((a) => (a === key ? copy : a));
      assert.deepEqual(comparable(read, await theirs.call(...readCopy)), comparable(read, await theirs.call(...read)), key);
    }
    assert.equal(await ours.call('DUMP', 'missing'), null);
  });

  it('answers every option and bad input as redis-server 7 does', async () => {
    const { ours, theirs } = await bothServers();
    await Promise.all([ours.call('SET', 'src', 'value'), theirs.call('SET', 'src', 'value')]);
    const payload = asBuffer(await theirs.call('DUMP', 'src'));
    const damaged = Buffer.from(payload);
    damaged[1] ^= 1;
    const newer = Buffer.from(payload);
    newer.writeUInt16LE(12, payload.length - 10);
    const commands: Array<Array<string | number | Buffer>> = [
      ['RESTORE', 'src', 0, payload], ['RESTORE', 'a', 0, damaged], ['RESTORE', 'a', 0, newer], ['RESTORE', 'a', 0, 'short'],
      ['RESTORE', 'a', -1, payload], ['RESTORE', 'a', 'x', payload], ['RESTORE', 'a', 0, payload, 'BOGUS'],
      ['RESTORE', 'a', 0, payload, 'IDLETIME', -1], ['RESTORE', 'a', 0, payload, 'IDLETIME', 'x'], ['RESTORE', 'a', 0, payload, 'FREQ', 256],
      ['RESTORE', 'a', 0, payload, 'FREQ', 1, 'IDLETIME', 1], ['RESTORE', 'a', 0, payload, 'IDLETIME'], ['RESTORE', 'a', 0],
      ['RESTORE', 'a', 0, payload, 'IDLETIME', 10], ['GET', 'a'], ['RESTORE', 'a', 0, payload], ['RESTORE', 'a', 0, payload, 'REPLACE', 'FREQ', 5],
      ['RESTORE', 'src', 0, damaged, 'REPLACE'], ['GET', 'src'],
      ['RESTORE', 'ttl', 100000, payload], ['RESTORE', 'gone', 1, payload, 'ABSTTL'], ['EXISTS', 'gone'],
      ['RESTORE', 'src', 1, payload, 'ABSTTL', 'REPLACE'], ['EXISTS', 'src'], ['DUMP'], ['DUMP', 'a', 'b'],
    ];
    for (const command of commands) {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      assert.deepEqual(show(a), show(b), command.map((x) => (Buffer.isBuffer(x) ? '<payload>' : x)).join(' '));
    }
    const pttl = Number(await ours.call('PTTL', 'ttl'));
    assert.ok(pttl > 90_000 && pttl <= 100_000, `PTTL ${pttl}`);
    const at = Date.now() + 3_600_000;
    assert.equal(show(await ours.call('RESTORE', 'abs', at, payload, 'ABSTTL')), 'OK');
    assert.equal(Number(await ours.call('PEXPIRETIME', 'abs')), at);
  });

  it('refuses a set, a sorted set or a stream with a clear error, and garbage with Redis\'s', async () => {
    const { ours, theirs } = await bothServers();
    await theirs.call('SADD', 'set', 'a', 'b');
    await theirs.call('ZADD', 'zset', 1, 'a');
    await theirs.call('XADD', 'stream', '*', 'f', 'v');
    for (const [key, what] of [['set', 'a set'], ['zset', 'a sorted set'], ['stream', 'a stream']]) {
      const reply = await ours.call('RESTORE', key, 0, asBuffer(await theirs.call('DUMP', key)));
      assert.equal(show(reply), `error: ERR Bad data format: the payload holds ${what}, which this server does not store`);
    }
    // A well-sealed payload whose value is cut short.
    await theirs.call('RPUSH', 'l', 'a', 'b', 'c');
    const good = asBuffer(await theirs.call('DUMP', 'l'));
    const cut = reseal(good.subarray(0, good.length - 14));
    assert.equal(show(await theirs.call('RESTORE', 'x', 0, cut)), 'error: ERR Bad data format');
    assert.equal(show(await ours.call('RESTORE', 'x', 0, cut)), 'error: ERR Bad data format');
  });
});

/** A payload body with a fresh footer (RDB version 10 and the right CRC), made with Redis's own DUMP of a string as a check of our CRC. */
function reseal(body: Buffer): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { crc64 } = require('../../src/dump/crc64') as typeof import('../../src/dump/crc64');
  const head = Buffer.concat([body, Buffer.from([10, 0])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]);
}

describe('DUMP and RESTORE of tensors, models and scripts', () => {
  it('round-trips each through DUMP and RESTORE: tensors byte for byte, models that run, scripts that compile', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port, { returnBuffers: true });
    closeAfterFile(() => c.close());
    await c.call('AI.TENSORSET', 't', 'FLOAT', 2, 2, 'VALUES', 1, 2, 3, 4);
    await c.call('AI.TENSORSET', 's', 'STRING', 3, 'VALUES', 'a', '', 'ccc');
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'TAG', 'v1', 'BATCHSIZE', 4, 'MINBATCHSIZE', 2, 'MINBATCHTIMEOUT', 5, 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.MODELSTORE', 'g', 'TF', 'CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', fixture('graph.pb'));
    const source = 'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0] + tensors[1]\n';
    await c.call('AI.SCRIPTSTORE', 'sc', 'CPU', 'TAG', 'x', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', source);
    await c.call('AI.MODELSTORE', 'onx', 'ONNX', 'CPU', 'BLOB', fixture('linear_iris.onnx'));
    await c.call('AI.MODELSTORE', 'lite', 'TFLITE', 'CPU', 'BLOB', fixture('mnist_model_quant.tflite'));
    for (const [key, dtype, values] of [['b', 'BOOL', [1, 0, 1]], ['i8', 'INT8', [-1, 7, 3]], ['u16', 'UINT16', [65535, 0, 9]], ['d', 'DOUBLE', [0.1, -2, 3]]] as const) {
      await c.call('AI.TENSORSET', key, dtype, 3, 'VALUES', ...values);
    }
    for (const key of ['t', 's', 'b', 'i8', 'u16', 'd', 'm', 'g', 'onx', 'lite', 'sc']) {
      assert.equal(show(await c.call('RESTORE', `${key}2`, 0, asBuffer(await c.call('DUMP', key)))), 'OK', key);
      assert.equal(String(await c.call('TYPE', `${key}2`)), String(await c.call('TYPE', key)));
    }
    assert.deepEqual(await c.call('AI.TENSORGET', 't2', 'BLOB'), await c.call('AI.TENSORGET', 't', 'BLOB'));
    assert.deepEqual(await c.call('AI.TENSORGET', 't2', 'META'), await c.call('AI.TENSORGET', 't', 'META'));
    assert.deepEqual(await c.call('AI.TENSORGET', 's2', 'VALUES'), await c.call('AI.TENSORGET', 's', 'VALUES'));
    for (const key of ['b', 'i8', 'u16', 'd']) {
      assert.deepEqual(await c.call('AI.TENSORGET', `${key}2`, 'META', 'BLOB'), await c.call('AI.TENSORGET', key, 'META', 'BLOB'), key);
    }
    assert.deepEqual(await c.call('AI.MODELGET', 'onx2'), await c.call('AI.MODELGET', 'onx'));
    assert.deepEqual(await c.call('AI.MODELGET', 'lite2'), await c.call('AI.MODELGET', 'lite'));
    assert.deepEqual(await c.call('AI.MODELGET', 'm2'), await c.call('AI.MODELGET', 'm'));
    assert.deepEqual(await c.call('AI.MODELGET', 'g2'), await c.call('AI.MODELGET', 'g'));
    assert.deepEqual(await c.call('AI.SCRIPTGET', 'sc2'), await c.call('AI.SCRIPTGET', 'sc'));
    assert.equal(show(await c.call('AI.MODELEXECUTE', 'm2', 'INPUTS', 2, 't', 't', 'OUTPUTS', 1, 'o')), 'OK');
    assert.deepEqual(String(await c.call('AI.TENSORGET', 'o', 'VALUES')), '2,4,6,8');
    assert.equal(show(await c.call('AI.MODELEXECUTE', 'g2', 'INPUTS', 2, 't', 't', 'OUTPUTS', 1, 'o2')), 'OK');
    assert.equal(show(await c.call('AI.SCRIPTEXECUTE', 'sc2', 'bar', 'INPUTS', 2, 't', 't', 'OUTPUTS', 1, 'o3')), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'o3', 'VALUES'), await c.call('AI.TENSORGET', 'o', 'VALUES'));
    // A model payload whose blob no backend loads is refused with the backend's reason, and nothing is stored.
    const reply = await c.call('RESTORE', 'bad', 0, corruptModelBlob(asBuffer(await c.call('DUMP', 'm'))));
    assert.ok(reply instanceof Error, 'refused');
    assert.equal(await c.call('EXISTS', 'bad'), 0);
  });

  it('logs a RESTORE in the append-only log: the key is there after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-restore-'));
    const args = ['--dir', dir, '--appendonly', 'yes', '--save', ''];
    const first = await startServerProcess(args);
    let c = await RawClient.connect(first.port, { returnBuffers: true });
    await c.call('AI.TENSORSET', 't', 'INT32', 3, 'VALUES', 1, 2, 3);
    await c.call('RESTORE', 'copy', 100_000, asBuffer(await c.call('DUMP', 't')));
    // A TF model from RedisAI's first encoding has no node names, so no AI.MODELSTORE could store
    // it again: it must still come back from the log and from a snapshot.
    assert.equal(String(await c.call('RESTORE', 'tf0', 0, redisaiDump('v0_tf_model'))), 'OK');
    const meta = String(await c.call('AI.MODELGET', 'tf0', 'META'));
    await c.close();
    await first.stop();
    const second = await startServerProcess(args);
    c = await RawClient.connect(second.port, { returnBuffers: true });
    assert.deepEqual(String(await c.call('AI.TENSORGET', 'copy', 'VALUES')), '1,2,3');
    assert.ok(Number(await c.call('PTTL', 'copy')) > 0, 'with its expiry');
    assert.equal(String(await c.call('AI.MODELGET', 'tf0', 'META')), meta, 'replayed from the log');
    assert.equal(String(await c.call('SAVE')), 'OK');
    await c.close();
    await second.stop();
    const third = await startServerProcess(['--dir', dir, '--appendonly', 'no', '--save', '']);
    c = await RawClient.connect(third.port, { returnBuffers: true });
    assert.equal(String(await c.call('AI.MODELGET', 'tf0', 'META')), meta, 'loaded from the snapshot');
    assert.doesNotMatch(second.output() + third.output(), /cannot run|replaying .* from the append only file/);
    await c.close();
    await third.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** A model's DUMP payload with one byte of its blob changed (and the footer sealed again). */
function corruptModelBlob(payload: Buffer): Buffer {
  const body = Buffer.from(payload.subarray(0, payload.length - 10));
  const magic = body.indexOf(Buffer.from('PK'));
  body.fill(0x55, magic, magic + 64); // the zip archive's first header
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { crc64 } = require('../../src/dump/crc64') as typeof import('../../src/dump/crc64');
  const head = Buffer.concat([body, Buffer.from([9, 0])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]);
}

/** A DUMP payload RedisAI itself produced (test/fixtures/redisai-dumps, from RedisAI's serialization tests). */
const redisaiDump = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'redisai-dumps', `${name}.bin`));
const utf8 = (r: Parsed): unknown => (Buffer.isBuffer(r) ? r.toString('utf8') : Array.isArray(r) ? r.map(utf8) : r);

describe('RESTORE of the payloads RedisAI wrote, encoding versions 0 to 4', () => {
  it('restores tensors, models and scripts of every version: metadata as RedisAI reports it, models that run, scripts that compile', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port, { returnBuffers: true });
    closeAfterFile(() => c.close());
    const call = async (...args: Array<string | number | Buffer>) => utf8(await c.call(...args));
    await call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
    await call('AI.TENSORSET', 'b', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
    await call('AI.TENSORSET', 'features', 'FLOAT', 1, 4, 'VALUES', 5.1, 3.5, 1.4, 0.2);
    const meta = async (key: string) => {
      const m = (await call('AI.MODELGET', key, 'META')) as unknown[];
      const field = (name: string) => m[m.indexOf(name) + 1];
      return [field('backend'), field('device'), field('tag'), field('batchsize'), field('minbatchsize'), field('minbatchtimeout'), field('inputs'), field('outputs')];
    };
    for (const v of [0, 1, 2, 3, 4]) {
      const batch = v >= 2 ? [4, 2, v >= 2 ? 1000 : 0] : [0, 0, 0];
      // TF: v0 kept no node names (RedisAI's own test does not run it); from v1 on it runs a*b.
      assert.equal(await call('RESTORE', 'tf', 0, redisaiDump(`v${v}_tf_model`), 'REPLACE'), 'OK', `v${v} tf`);
      const tfNames = v === 0 ? [[], []] : [['a', 'b'], [v === 1 ? 'c' : 'mul']];
      assert.deepEqual(await meta('tf'), ['TF', 'CPU', `TF_GRAPH_V${v}`, ...batch, ...tfNames], `v${v} tf`);
      if (v > 0) {
        assert.equal(await call('AI.MODELEXECUTE', 'tf', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'c'), 'OK');
        assert.deepEqual(await call('AI.TENSORGET', 'c', 'VALUES'), ['4', '9', '4', '9'], `v${v} tf`);
      }
      assert.equal(await call('RESTORE', 'pt', 0, redisaiDump(`v${v}_torch_model`), 'REPLACE'), 'OK', `v${v} torch`);
      assert.deepEqual(await meta('pt'), ['TORCH', 'CPU', `PT_MINIMAL_V${v}`, ...batch, ['a', 'b'], ['']], `v${v} torch`);
      assert.equal(await call('AI.MODELEXECUTE', 'pt', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'c'), 'OK');
      assert.deepEqual(await call('AI.TENSORGET', 'c', 'VALUES'), ['4', '6', '4', '6'], `v${v} torch`);
      assert.equal(await call('RESTORE', 'onnx', 0, redisaiDump(`v${v}_onnx_model`), 'REPLACE'), 'OK', `v${v} onnx`);
      assert.deepEqual(await meta('onnx'), ['ONNX', 'CPU', `ONNX_LINEAR_IRIS_V${v}`, ...batch, ['float_input'], ['variable']], `v${v} onnx`);
      assert.equal(await call('AI.MODELEXECUTE', 'onnx', 'INPUTS', 1, 'features', 'OUTPUTS', 1, 'out'), 'OK');
      assert.deepEqual(await call('AI.TENSORGET', 'out', 'VALUES'), ['-0.090524077415466309'], `v${v} onnx`);
    }
    // Scripts: v2 wrote what v1 did (RedisAI's tests reuse the v1 payload); v0-v2 scripts have no entry points.
    for (const v of [0, 1, 3, 4]) {
      assert.equal(await call('RESTORE', 'script', 0, redisaiDump(`v${v}_torch_script`), 'REPLACE'), 'OK', `v${v} script`);
      const m = (await call('AI.SCRIPTGET', 'script', 'META')) as unknown[];
      assert.deepEqual(m, ['device', 'CPU', 'tag', `TORCH_SCRIPT_V${v}`, 'Entry Points', v >= 3 ? ['bar', 'bar_variadic'] : []], `v${v} script`);
      assert.equal(await call('AI.SCRIPTEXECUTE', 'script', 'bar', 'KEYS', 1, 'a', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'c'), 'OK', `v${v} script`);
      assert.deepEqual(await call('AI.TENSORGET', 'c', 'VALUES'), ['4', '6', '4', '6'], `v${v} script`);
    }
    for (const v of [0, 1, 3, 4]) {
      assert.equal(await call('RESTORE', 'tensor', 0, redisaiDump(`v${v}_tensor`), 'REPLACE'), 'OK', `v${v} tensor`);
      assert.deepEqual(await call('AI.TENSORGET', 'tensor', 'META'), ['dtype', 'INT32', 'shape', [2, 1]], `v${v} tensor`);
      assert.deepEqual(await call('AI.TENSORGET', 'tensor', 'VALUES'), [1, 2], `v${v} tensor`);
    }
    // Version 2 of tensors and scripts is laid out as version 1 (RedisAI's tests restore v1 bytes
    // for it); the same payloads marked as version 2, and as a version RedisAI never wrote.
    const asVersion = (name: string, encver: number) => {
      const body = Buffer.from(redisaiDump(name).subarray(0, -10));
      body[9] = encver; // the low byte of the module type id is its encoding version
      return reseal(body);
    };
    assert.equal(await call('RESTORE', 'tensor', 0, asVersion('v1_tensor', 2), 'REPLACE'), 'OK');
    assert.deepEqual(await call('AI.TENSORGET', 'tensor', 'VALUES'), [1, 2]);
    assert.equal(await call('RESTORE', 'script', 0, asVersion('v1_torch_script', 2), 'REPLACE'), 'OK');
    assert.equal(await call('AI.SCRIPTEXECUTE', 'script', 'bar', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'c'), 'OK');
    for (const name of ['v4_tensor', 'v4_torch_model', 'v4_torch_script']) {
      assert.equal(show(await c.call('RESTORE', 'future', 0, asVersion(name, 5))), 'error: ERR Bad data format', name);
    }
    assert.equal(await call('RESTORE', 'strings', 0, redisaiDump('v4_str_tensor')), 'OK');
    assert.deepEqual(await call('AI.TENSORGET', 'strings', 'META'), ['dtype', 'STRING', 'shape', [2]]);
    assert.deepEqual(await call('AI.TENSORGET', 'strings', 'VALUES'), ['str_val1', 'str_val2']);
    // What we DUMP of a RedisAI value is byte for byte what RedisAI itself wrote (its newest encoding).
    for (const [key, name] of [['tensor', 'v4_tensor'], ['strings', 'v4_str_tensor']]) {
      assert.deepEqual(await c.call('DUMP', key), redisaiDump(name), name);
    }
  });
});

// Redis 6 (where RedisAI ran) kept small lists and hashes as ziplists; no Redis 6 runs here, so
// these payloads are built by hand from the ziplist layout (ziplist.c): every entry encoding once.
type ZipEntry = { text: string; encoding: Buffer };
function zipEntry(text: string): ZipEntry {
  const n = Number(text);
  const int = (marker: number, size: number, write: (b: Buffer) => void) => {
    const b = Buffer.alloc(1 + size);
    b[0] = marker;
    write(b);
    return { text, encoding: b };
  };
  if (String(n) === text && Number.isSafeInteger(n) && text.length > 0) {
    if (n >= 0 && n <= 12) return { text, encoding: Buffer.from([0xf1 + n]) };
    if (n >= -128 && n <= 127) return int(0xfe, 1, (b) => b.writeInt8(n, 1));
    if (n >= -32768 && n <= 32767) return int(0xc0, 2, (b) => b.writeInt16LE(n, 1));
    if (n >= -8388608 && n <= 8388607) return int(0xf0, 3, (b) => b.writeIntLE(n, 1, 3));
    if (n >= -2147483648 && n <= 2147483647) return int(0xd0, 4, (b) => b.writeInt32LE(n, 1));
    return int(0xe0, 8, (b) => b.writeBigInt64LE(BigInt(n), 1));
  }
  const bytes = Buffer.from(text);
  const head = bytes.length < 64 ? Buffer.from([bytes.length]) : Buffer.from([0x40 | (bytes.length >> 8), bytes.length & 0xff]);
  return { text, encoding: Buffer.concat([head, bytes]) };
}
function ziplist(texts: string[]): Buffer {
  const parts: Buffer[] = [];
  let previous = 0;
  let tail = 10;
  for (const text of texts) {
    const { encoding } = zipEntry(text);
    const prevlen = previous < 254 ? Buffer.from([previous]) : Buffer.concat([Buffer.from([0xfe]), Buffer.alloc(4)]);
    if (previous >= 254) prevlen.writeUInt32LE(previous, 1);
    const entry = Buffer.concat([prevlen, encoding]);
    tail = 10 + parts.reduce((n, p) => n + p.length, 0);
    parts.push(entry);
    previous = entry.length;
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(10);
  header.writeUInt32LE(10 + body.length + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(texts.length, 8);
  return Buffer.concat([header, body, Buffer.from([0xff])]);
}
/** An RDB string (lengths under 16384 bytes). */
const rdbString = (b: Buffer) => Buffer.concat([b.length < 64 ? Buffer.from([b.length]) : Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]), b]);

describe('RESTORE of Redis 6 ziplist payloads', () => {
  it('reads every ziplist entry encoding, in plain ziplist lists, quicklists and hashes', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    const texts = ['a', '0', '12', '13', '-100', '300', '-100000', '70000', '5000000000', '-5000000000', 'x'.repeat(300), 'after a long entry', ''];
    const zl = ziplist(texts);
    assert.equal(await c.call('RESTORE', 'zl', 0, reseal(Buffer.concat([Buffer.from([10]), rdbString(zl)]))), 'OK'); // RDB_TYPE_LIST_ZIPLIST
    assert.deepEqual(await c.call('LRANGE', 'zl', 0, -1), texts);
    const quick = Buffer.concat([Buffer.from([14, 2]), rdbString(zl), rdbString(ziplist(['tail']))]); // RDB_TYPE_LIST_QUICKLIST, 2 nodes
    assert.equal(await c.call('RESTORE', 'ql', 0, reseal(quick)), 'OK');
    assert.deepEqual(await c.call('LRANGE', 'ql', 0, -1), [...texts, 'tail']);
    const hash = ziplist(['field', 'value', 'n', '42', 'neg', '-7']);
    assert.equal(await c.call('RESTORE', 'zh', 0, reseal(Buffer.concat([Buffer.from([13]), rdbString(hash)]))), 'OK'); // RDB_TYPE_HASH_ZIPLIST
    assert.deepEqual(await c.call('HGETALL', 'zh'), ['field', 'value', 'n', '42', 'neg', '-7']);
    // A ziplist whose header miscounts its bytes is bad data, not a crash.
    const broken = Buffer.from(zl);
    broken.writeUInt32LE(zl.length + 5, 0);
    assert.equal(show(await c.call('RESTORE', 'bad', 0, reseal(Buffer.concat([Buffer.from([10]), rdbString(broken)])))), 'error: ERR Bad data format');
  });
});

describe('scripts/migrate-from-redisai', () => {
  it('moves every key, with its time to live, from a Redis and from a server holding RedisAI values; --replace overwrites', async () => {
    const redisPort = await startRedisServer();
    const { port: aiPort } = await startServer(); // holds RedisAI's types, dumped in RedisAI's encoding
    const { port: targetPort } = await startServer();
    const redis = await RawClient.connect(redisPort);
    const ai = await RawClient.connect(aiPort);
    const target = await RawClient.connect(targetPort);
    closeAfterFile(() => Promise.all([redis.close(), ai.close(), target.close()]));
    await redis.call('SET', 'greeting', 'hello');
    await redis.call('RPUSH', 'queue', 'a', 'b');
    await redis.call('HSET', 'dataset', 'meta', '{}', 'count', '3');
    await redis.call('SET', 'session', 'x', 'PX', 600_000);
    await ai.call('AI.TENSORSET', 't', 'FLOAT', 2, 'VALUES', 1, 2);
    await ai.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await ai.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE',
      'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n');
    await target.call('SET', 'greeting', 'already here');
    const script = path.join(ROOT, 'dist', 'scripts', 'migrate-from-redisai.js');
    const migrate = (from: number, ...extra: string[]) =>
      run(process.execPath, [script, '--from', `redis://127.0.0.1:${from}`, '--to', `redis://127.0.0.1:${targetPort}`, '--count', '2', ...extra]);

    let r = await migrate(redisPort);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /moved 3 keys, skipped 1 /);
    assert.equal(await target.call('GET', 'greeting'), 'already here', 'not overwritten without --replace');
    r = await migrate(redisPort, '--replace', '--match', 'gree*');
    assert.match(r.stdout, /moved 1 keys, skipped 0/);
    assert.equal(await target.call('GET', 'greeting'), 'hello');
    assert.deepEqual(await target.call('LRANGE', 'queue', 0, -1), ['a', 'b']);
    assert.deepEqual(await target.call('HGETALL', 'dataset'), ['meta', '{}', 'count', '3']);
    const pttl = Number(await target.call('PTTL', 'session'));
    assert.ok(pttl > 500_000 && pttl <= 600_000, `session keeps its time to live (${pttl})`);

    r = await migrate(aiPort);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /moved 3 keys/);
    assert.deepEqual(await target.call('AI.TENSORGET', 't', 'VALUES'), ['1', '2']);
    assert.equal(await target.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 't', 't', 'OUTPUTS', 1, 'y'), 'OK');
    assert.deepEqual(await target.call('AI.TENSORGET', 'y', 'VALUES'), ['2', '4']);
    assert.equal(await target.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 't', 'OUTPUTS', 1, 'z'), 'OK');
  });
});
