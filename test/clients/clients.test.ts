// Real third-party clients against a real `stormbreaker-server` process, each doing what its
// users would: round-trip tensors (VALUES and binary BLOB) and see errors.
import { strict as assert } from 'node:assert';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import Redis from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, run, startServerProcess, toolEnv } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';
import { fixture, fixturePath } from '../helpers/fixtures';

let port: number;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ port, stop } = await startServerProcess());
});
afterAll(async () => {
  await stop();
});

const blob = Buffer.from(new Float32Array([1.5, -2, 0, 3.25]).buffer);
const PT_MINIMAL_PATH = fixturePath('pt-minimal.pt');

describe('redis-cli (Debian redis-tools)', () => {
  const cli = (args: string[], input?: Buffer) => run('redis-cli', ['-p', String(port), ...args], input);

  it('sets and gets tensors, including a binary BLOB from stdin', async () => {
    assert.equal((await cli(['AI.TENSORSET', 'cli_a', 'FLOAT', '2', '2', 'VALUES', '1', '2', '3', '4'])).stdout, 'OK\n');
    assert.equal((await cli(['AI.TENSORGET', 'cli_a', 'VALUES'])).stdout, '1\n2\n3\n4\n');
    assert.equal((await cli(['-x', 'AI.TENSORSET', 'cli_b', 'FLOAT', '4', 'BLOB'], blob)).stdout, 'OK\n');
    assert.equal((await cli(['AI.TENSORGET', 'cli_b', 'VALUES'])).stdout, '1.5\n-2\n0\n3.25\n');
    const meta = await cli(['--no-raw', 'AI.TENSORGET', 'cli_b', 'META']);
    assert.equal(meta.stdout, '1) "dtype"\n2) "FLOAT"\n3) "shape"\n4) 1) (integer) 4\n');
  });

  it('shows errors as its users see them', async () => {
    const r = await cli(['AI.TENSORGET', 'missing']);
    assert.equal(r.stdout.trim(), 'ERR tensor key is empty or in a different shard');
    const tty = await cli(['--no-raw', 'AI.TENSORSET', 'k', 'INT128', '1']);
    assert.equal(tty.stdout, '(error) ERR invalid data type\n');
  });

  it('works with PING, INFO and pipe mode', async () => {
    assert.equal((await cli(['PING'])).stdout, 'PONG\n');
    assert.match((await cli(['INFO', 'server'])).stdout, /redis_version:7\.0\.15/);
    const commands = Array.from({ length: 100 }, (_, i) => `AI.TENSORSET pipe_${i} INT32 1 VALUES ${i}\r\n`).join('');
    const piped = await cli(['--pipe'], Buffer.from(commands));
    assert.match(piped.stdout, /errors: 0, replies: 100/);
    assert.equal((await cli(['AI.TENSORGET', 'pipe_99', 'VALUES'])).stdout, '99\n');
  });
});

describe('redis-cli --stat', () => {
  it('shows keys, memory, clients and blocked clients as numbers', async () => {
    const r = await run('timeout', ['2.5', 'stdbuf', '-oL', 'redis-cli', '-p', String(port), '--stat', '-i', '1']);
    const rows = r.stdout.split('\n').filter((l) => /^\d/.test(l));
    assert.ok(rows.length >= 1, r.stdout + r.stderr);
    // keys, mem (human), clients, blocked, requests: blocked was -9223372036854775808 without blocked_clients.
    assert.match(rows[0], /^\d+\s+[\d.]+[BKMG]\s+\d+\s+0\s+\d+ \(\+\d+\)/);
  });
});

describe('ioredis', () => {
  it('round-trips tensors and reports errors as ReplyError', async () => {
    const redis = new Redis({ port, lazyConnect: true });
    closeAfterFile(() => redis.disconnect());
    await redis.connect();
    assert.equal(await redis.call('AI.TENSORSET', 'io_a', 'FLOAT', '4', 'BLOB', blob), 'OK');
    assert.deepEqual(await redis.callBuffer('AI.TENSORGET', 'io_a', 'BLOB'), blob);
    assert.deepEqual(await redis.call('AI.TENSORGET', 'io_a', 'META', 'VALUES'),
      ['dtype', 'FLOAT', 'shape', [4], 'values', ['1.5', '-2', '0', '3.25']]);
    await assert.rejects(redis.call('AI.TENSORGET', 'nope'), { name: 'ReplyError', message: 'ERR tensor key is empty or in a different shard' });
    await redis.set('io_s', 'x');
    await assert.rejects(redis.call('AI.TENSORSET', 'io_s', 'FLOAT', '1'), { message: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    const results = await redis.pipeline().call('AI.TENSORSET', 'io_p', 'INT8', '2', 'VALUES', '-1', '7').call('AI.TENSORGET', 'io_p', 'VALUES').exec();
    assert.deepEqual(results, [[null, 'OK'], [null, [-1, 7]]]);
    redis.disconnect();
  });

  it('stores and runs a TorchScript model, a script and an ONNX model', async () => {
    const redis = new Redis({ port });
    closeAfterFile(() => redis.disconnect());
    assert.equal(await redis.call('AI.MODELSTORE', 'io_m', 'TORCH', 'CPU', 'TAG', 'v1', 'BLOB', fs.readFileSync(PT_MINIMAL_PATH)), 'OK');
    await redis.call('AI.TENSORSET', 'io_in', 'FLOAT', '2', 'VALUES', '1', '2');
    assert.equal(await redis.call('AI.MODELEXECUTE', 'io_m', 'INPUTS', '2', 'io_in', 'io_in', 'OUTPUTS', '1', 'io_out'), 'OK');
    assert.deepEqual(await redis.call('AI.TENSORGET', 'io_out', 'VALUES'), ['2', '4']);
    await assert.rejects(redis.call('AI.MODELEXECUTE', 'io_m', 'INPUTS', '1', 'io_in', 'OUTPUTS', '1', 'x'),
      { message: 'Number of keys given as INPUTS here does not match model definition' });
    const source = 'def twice(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0] * 2\n';
    assert.equal(await redis.call('AI.SCRIPTSTORE', 'io_script', 'CPU', 'ENTRY_POINTS', '1', 'twice', 'SOURCE', source), 'OK');
    assert.equal(await redis.call('AI.SCRIPTEXECUTE', 'io_script', 'twice', 'INPUTS', '1', 'io_out', 'OUTPUTS', '1', 'io_twice'), 'OK');
    assert.deepEqual(await redis.call('AI.TENSORGET', 'io_twice', 'VALUES'), ['4', '8']);
    assert.equal(await redis.call('AI.MODELSTORE', 'io_iris', 'ONNX', 'CPU', 'BLOB', fixture('linear_iris.onnx')), 'OK');
    await redis.call('AI.TENSORSET', 'io_flower', 'FLOAT', '1', '4', 'VALUES', '5.1', '3.5', '1.4', '0.2');
    assert.equal(await redis.call('AI.MODELEXECUTE', 'io_iris', 'INPUTS', '1', 'io_flower', 'OUTPUTS', '1', 'io_pred'), 'OK');
    assert.deepEqual(await redis.call('AI.TENSORGET', 'io_pred', 'VALUES'), ['-0.090524077415466309']);
    redis.disconnect();
  });
});

describe('Lua scripts from clients', () => {
  it("ioredis's defineCommand (EVALSHA, then EVAL on NOSCRIPT) reads and writes tensors", async () => {
    const redis = new Redis({ port });
    closeAfterFile(() => redis.disconnect());
    await redis.script('FLUSH');
    redis.defineCommand('scaleTensor', {
      numberOfKeys: 2,
      lua: "local v = redis.call('AI.TENSORGET', KEYS[1], 'VALUES') "
        + "return redis.call('AI.TENSORSET', KEYS[2], 'FLOAT', #v, 'VALUES', v[1] * ARGV[1], v[2] * ARGV[1])",
    });
    await redis.call('AI.TENSORSET', 'lua_in', 'FLOAT', '2', 'VALUES', '1.5', '-2');
    const scale = (redis as unknown as { scaleTensor(...a: string[]): Promise<string> }).scaleTensor;
    assert.equal(await scale.call(redis, 'lua_in', 'lua_out', '3'), 'OK');
    assert.equal(await scale.call(redis, 'lua_in', 'lua_out', '2'), 'OK');
    assert.deepEqual(await redis.call('AI.TENSORGET', 'lua_out', 'VALUES'), ['3', '-4']);
    redis.disconnect();
  });

  it("redis-py's register_script, and RedisAI's refusal of execution commands inside scripts as its tests see it", async () => {
    const script = `
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
r.script_flush()
incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
print(incr(keys=['py_lua_n'], args=[5]), incr(keys=['py_lua_n'], args=[2]))
try:
    r.eval("return redis.pcall('AI.MODELEXECUTE', 'no_model', 'INPUTS', 1, 'no_input', 'OUTPUTS', 1, 'no_output')", 0)
except redis.exceptions.ResponseError as e:
    print(str(e))
`;
    const r = await run('/usr/bin/python3', ['-c', script, String(port)]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '5 7\nCannot run RedisAI command within a transaction or a LUA script\n');
  });
});

describe('node-redis', () => {
  it('round-trips tensors over RESP2 and RESP3 and reports errors', async () => {
    for (const RESP of [2, 3] as const) {
      const client = createClient({ socket: { port }, RESP });
      closeAfterFile(() => client.destroy());
      await client.connect();
      assert.equal(await client.sendCommand(['AI.TENSORSET', 'nr_a', 'FLOAT', '4', 'BLOB', blob]), 'OK');
      const typeMapping = { [RESP_TYPES.BLOB_STRING]: Buffer };
      assert.deepEqual(await client.sendCommand(['AI.TENSORGET', 'nr_a', 'BLOB'], { typeMapping }), blob);
      const values = await client.sendCommand(['AI.TENSORGET', 'nr_a', 'VALUES']);
      assert.deepEqual(values, RESP === 2 ? ['1.5', '-2', '0', '3.25'] : [1.5, -2, 0, 3.25]);
      await assert.rejects(client.sendCommand(['AI.TENSORGET', 'nope']), { message: 'ERR tensor key is empty or in a different shard' });
      assert.equal(await client.ping(), 'PONG');
      await client.close();
    }
  });
});

describe('redis-py (Debian python3-redis) with numpy', () => {
  it('round-trips a numpy array, sees errors, and runs TORCH and ONNX models and a script', async () => {
    const script = `
import sys, numpy as np, redis
r = redis.Redis(port=int(sys.argv[1]))
a = np.arange(6, dtype=np.float32).reshape(2, 3) / 3
assert r.execute_command('AI.TENSORSET', 'py_a', 'FLOAT', *a.shape, 'BLOB', a.tobytes()) == b'OK'
meta = r.execute_command('AI.TENSORGET', 'py_a', 'META', 'BLOB')
back = np.frombuffer(meta[5], dtype=np.float32).reshape(meta[3])
assert meta[1] == b'FLOAT' and meta[3] == [2, 3] and (back == a).all()
vals = r.execute_command('AI.TENSORGET', 'py_a', 'VALUES')
assert [float(v) for v in vals] == [float(x) for x in a.flatten()], vals
r.execute_command('AI.TENSORSET', 'py_s', 'STRING', 2, 'VALUES', 'hé', 'x')
assert r.execute_command('AI.TENSORGET', 'py_s', 'BLOB') == 'hé\\0x\\0'.encode()
try:
    r.execute_command('AI.TENSORSET', 'py_b', 'BOOL', 2, 'BLOB', bytes([0, 5]))
    raise SystemExit('no error')
except redis.exceptions.ResponseError as e:
    print('error:', e)
p = r.pipeline(transaction=False)
for i in range(50):
    p.execute_command('AI.TENSORSET', f'py_p{i}', 'INT64', 1, 'VALUES', i * 10**15)
p.execute_command('AI.TENSORGET', 'py_p49', 'VALUES')
out = p.execute()
assert out[-1] == [49 * 10**15], out[-1]
with open(sys.argv[2], 'rb') as f:
    assert r.execute_command('AI.MODELSTORE', 'py_m', 'torch', 'cpu', 'BLOB', f.read()) == b'OK'
x = np.array([[2, 3], [2, 3]], dtype=np.float32)
r.execute_command('AI.TENSORSET', 'py_x', 'FLOAT', 2, 2, 'BLOB', x.tobytes())
assert r.execute_command('AI.MODELEXECUTE', 'py_m', 'INPUTS', 2, 'py_x', 'py_x', 'OUTPUTS', 1, 'py_y') == b'OK'
y = np.frombuffer(r.execute_command('AI.TENSORGET', 'py_y', 'BLOB'), dtype=np.float32).reshape(2, 2)
assert (y == x + x).all(), y
info = r.execute_command('AI.INFO', 'py_m')
assert info[info.index(b'calls') + 1] == 1
src = 'def double(tensors: List[Tensor], keys: List[str], args: List[str]):\\n    return tensors[0] * float(args[0])\\n'
assert r.execute_command('AI.SCRIPTSTORE', 'py_script', 'CPU', 'ENTRY_POINTS', 1, 'double', 'SOURCE', src) == b'OK'
assert r.execute_command('AI.SCRIPTEXECUTE', 'py_script', 'double', 'INPUTS', 1, 'py_x', 'ARGS', 1, '3', 'OUTPUTS', 1, 'py_z') == b'OK'
z = np.frombuffer(r.execute_command('AI.TENSORGET', 'py_z', 'BLOB'), dtype=np.float32).reshape(2, 2)
assert (z == x * 3).all(), z
with open(sys.argv[3], 'rb') as f:
    assert r.execute_command('AI.MODELSTORE', 'py_mnist', 'ONNX', 'CPU', 'BLOB', f.read()) == b'OK'
with open(sys.argv[4], 'rb') as f:
    digit = np.frombuffer(f.read(), dtype=np.float32).reshape(1, 1, 28, 28)
r.execute_command('AI.TENSORSET', 'py_digit', 'FLOAT', *digit.shape, 'BLOB', digit.tobytes())
assert r.execute_command('AI.MODELEXECUTE', 'py_mnist', 'INPUTS', 1, 'py_digit', 'OUTPUTS', 1, 'py_scores') == b'OK'
scores = np.frombuffer(r.execute_command('AI.TENSORGET', 'py_scores', 'BLOB'), dtype=np.float32)
assert int(scores.argmax()) == 1, scores
print('ok')
`;
    const r = await run('/usr/bin/python3', ['-c', script, String(port), PT_MINIMAL_PATH,
      fixturePath('mnist.onnx'), fixturePath('one.raw')]);
    assert.equal(r.stderr, '');
    // redis-py strips the leading "ERR " from error messages, as its users see them.
    assert.equal(r.stdout, 'error: BOOL tensor elements must be 0 or 1\nok\n');
  });
});

describe('SmartRedis 0.6.1 (PyPI wheel, get_deps.sh --with-test-tools)', () => {
  it('stores, polls, reads, copies, renames and deletes datasets, aggregation lists, tensors, models and scripts', async () => {
    const script = `
import sys, numpy as np
from smartredis import Client, Dataset
c = Client(address="127.0.0.1:" + sys.argv[1], cluster=False)
x = np.arange(12, dtype=np.float64).reshape(3, 4)
c.put_tensor("sr_x", x)
assert c.poll_tensor("sr_x", 10, 10) and (c.get_tensor("sr_x") == x).all()
ds = Dataset("sr_ds")
ds.add_tensor("ints", np.array([1, 2, 3], dtype=np.int32))
ds.add_tensor("image", np.ones((2, 2, 3), dtype=np.uint8))
ds.add_meta_scalar("step", 7)
ds.add_meta_scalar("step", 8)
ds.add_meta_scalar("dt", 0.25)
ds.add_meta_string("run", "alpha")
c.put_dataset(ds)
assert c.dataset_exists("sr_ds") and c.poll_dataset("sr_ds", 10, 10)
got = c.get_dataset("sr_ds")
assert got.get_tensor("ints").tolist() == [1, 2, 3]
assert got.get_tensor("image").shape == (2, 2, 3)
assert list(got.get_meta_scalars("step")) == [7, 8] and list(got.get_meta_scalars("dt")) == [0.25]
assert got.get_meta_strings("run") == ["alpha"] and sorted(got.get_tensor_names()) == ["image", "ints"]
c.copy_dataset("sr_ds", "sr_copy")
c.rename_dataset("sr_copy", "sr_moved")
assert c.dataset_exists("sr_moved") and not c.dataset_exists("sr_copy")
assert c.get_dataset("sr_moved").get_tensor("ints").tolist() == [1, 2, 3]
c.delete_dataset("sr_moved")
assert not c.dataset_exists("sr_moved")
c.append_to_list("sr_list", ds)
c.append_to_list("sr_list", got)
assert c.get_list_length("sr_list") == 2 and c.poll_list_length("sr_list", 2, 10, 10)
assert [d.get_name() for d in c.get_datasets_from_list("sr_list")] == ["sr_ds", "sr_ds"]
with open(sys.argv[2], "rb") as f:
    c.set_model("sr_m", f.read(), "TORCH", "CPU")
a = np.array([[2, 3], [2, 3]], dtype=np.float32)
c.put_tensor("sr_a", a)
c.run_model("sr_m", ["sr_a", "sr_a"], ["sr_b"])
assert (c.get_tensor("sr_b") == a + a).all() and c.model_exists("sr_m")
c.set_script("sr_s", "def triple(a):\\n    return a * 3\\n", "CPU")
c.run_script("sr_s", "triple", ["sr_a"], ["sr_c"])
assert (c.get_tensor("sr_c") == a * 3).all()
print("ok")
`;
    const r = await run('/usr/bin/python3', ['-c', script, String(port), PT_MINIMAL_PATH], undefined, {
      env: toolEnv({ PYTHONPATH: path.join(ROOT, 'deps', 'python-clients'), SR_LOG_FILE: '/dev/null', SR_LOG_LEVEL: 'QUIET' }),
    });
    assert.equal(r.stdout.trim().split('\n').pop(), 'ok', r.stderr + r.stdout);
  });
});
