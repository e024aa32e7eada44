import { strict as assert } from 'node:assert';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Engine, Server, Tensor } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

const SOURCE = `def bar(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] + tensors[1]

def two(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0], tensors[0] * 2

def scaled(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] * float(args[0]) + float(len(keys))

def nothing(tensors: List[Tensor], keys: List[str], args: List[str]):
    return 7

def legacy(a: Tensor, rest: List[Tensor]):
    return a + rest[0] + rest[1]

def odd(a: Tensor, b: int):
    return a

def none_of(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0][0:0]
`;

let server: Server;
let c: RawClient;

beforeAll(async () => {
  const started = await startServer();
  server = started.server;
  c = await RawClient.connect(started.port);
  await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
  await c.call('SET', 'str', 'v');
});
afterAll(async () => {
  await c.close();
  await server.close();
});

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

describe('TorchScript scripts (spec §5, transcripts)', () => {
  it('stores, describes and runs a script as RedisAI does', async () => {
    assert.equal(await c.call('AI.SCRIPTSTORE', 'sc1', 'CPU', 'TAG', 't1', 'ENTRY_POINTS', 4, 'bar', 'two', 'scaled', 'nothing', 'SOURCE', SOURCE), 'OK');
    assert.deepEqual(await c.call('AI.SCRIPTGET', 'sc1', 'META'), ['device', 'CPU', 'tag', 't1', 'Entry Points', ['bar', 'two', 'scaled', 'nothing']]);
    assert.equal(await c.call('AI.SCRIPTGET', 'sc1', 'SOURCE'), SOURCE);
    assert.equal(((await c.call('AI.SCRIPTGET', 'sc1')) as Parsed[])[7], SOURCE);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'bar', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'e'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'e', 'VALUES'), ['4', '6', '4', '6']);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'two', 'INPUTS', 1, 'a', 'OUTPUTS', 2, 'e1', 'e2'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'e2', 'VALUES'), ['4', '6', '4', '6']);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'scaled', 'KEYS', 2, 'k1', 'k2', 'INPUTS', 1, 'a', 'ARGS', 1, '0.5', 'OUTPUTS', 1, 's'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 's', 'VALUES'), ['3', '3.5', '3', '3.5']);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'nothing', 'INPUTS', 1, 'a'), 'OK', 'without OUTPUTS the return value is ignored');
    assert.equal(await c.call('TYPE', 'sc1'), 'AI_SCRIPT');
    assert.deepEqual(await c.call('AI._SCRIPTSCAN'), [['sc1', 't1']]);
    const info = (await c.call('AI.INFO', 'sc1')) as Parsed[];
    assert.deepEqual(info.slice(0, 10), ['key', 'sc1', 'type', 'SCRIPT', 'backend', 'TORCH', 'device', 'CPU', 'tag', 't1']);
    assert.deepEqual(info.slice(12), ['samples', -1, 'calls', 4, 'errors', 0]);
  });

  it('reports runtime errors as TorchScript does, without a C++ backtrace', async () => {
    const r = await c.call('AI.SCRIPTEXECUTE', 'sc1', 'bar', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'e');
    assert.match(message(r), /^The following operation failed in the TorchScript interpreter\. .*RuntimeError: list index out of range $/);
    assert.doesNotMatch(message(r), /Exception raised from|frame #/);
    assert.equal(message(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'nofn', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'e')), 'Function does not exist: nofn');
    assert.equal(message(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'two', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'e')), 'Function returned unexpected number of outputs - two');
    assert.equal(message(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'nothing', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'e')), 'Function returned non-tensor valuesnothing');
  });

  it('calls non-entry-point functions in best-effort mode, and runs AI.SCRIPTRUN', async () => {
    assert.equal(await c.call('AI.SCRIPTSET', 'legacy', 'CPU', 'SOURCE', SOURCE), 'OK');
    assert.deepEqual(await c.call('AI.SCRIPTGET', 'legacy', 'META'), ['device', 'CPU', 'tag', '', 'Entry Points', []]);
    assert.equal(await c.call('AI.SCRIPTRUN', 'legacy', 'legacy', 'INPUTS', 'a', '$', 'a', 'a', 'OUTPUTS', 'l'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'l', 'VALUES'), ['6', '9', '6', '9']);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'legacy', 'legacy', 'INPUTS', 3, 'a', 'a', 'a', 'OUTPUTS', 1, 'l2'), 'OK');
    assert.equal(message(await c.call('AI.SCRIPTRUN', 'legacy', 'odd', 'INPUTS', 'a', 'a', 'OUTPUTS', 'x')), 'Unsupported input type in function definition: odd');
    assert.equal(message(await c.call('AI.SCRIPTRUN', 'legacy', 'legacy', 'INPUTS', 'OUTPUTS', 'x')), 'Wrong number of inputs provided to function: legacy');
  });
});

describe('script command errors (spec §14, verbatim)', () => {
  it('AI.SCRIPTSTORE and AI.SCRIPTSET', async () => {
    const store = (...args: Array<string | number>) => c.call('AI.SCRIPTSTORE', 'e', ...args);
    assert.equal(message(await c.call('AI.SCRIPTSTORE', 'e', 'CPU', 'SOURCE', SOURCE)), "ERR wrong number of arguments for 'AI.SCRIPTSTORE' command");
    assert.equal(message(await store('CPU', 'TAG', 't', 'NOT_EP', 1, 'bar', 'SOURCE', SOURCE)), 'ERR Insufficient arguments, missing script entry points');
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 'x', 'bar', 'SOURCE', SOURCE)), 'ERR Non numeric entry points number provided to AI.SCRIPTSTORE command');
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 5, 'bar', 'SOURCE', SOURCE)), 'ERR Insufficient arguments, missing script entry points');
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 2, 'bar', 'two', 'NOT_SOURCE', SOURCE)), 'ERR Insufficient arguments, missing script SOURCE');
    assert.equal(message(await store('TPU', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', SOURCE)), 'ERR unsupported device');
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', 'return 1')),
      'expected def but found \'return\' here:   File "<string>", line 1 return 1 ~~~~~~ <--- HERE ');
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 1, 'nope', 'SOURCE', SOURCE)), 'Function nope does not exist in the given script.');
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 1, 'legacy', 'SOURCE', SOURCE)), 'Wrong number of inputs in function legacy. Expected 3 but was 2');
    const wrongTypes = 'def f(a: Tensor, b: List[str], c: List[str]):\n    return a\n';
    assert.equal(message(await store('CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', wrongTypes)),
      'Wrong inputs type in function f. Expected signature similar to: def f(tensors: List[Tensor], keys: List[str], args: List[str])');
    assert.equal(message(await c.call('AI.SCRIPTSTORE', 'str', 'CPU', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', SOURCE)), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(message(await c.call('AI.SCRIPTSET', 'e', 'CPU', 'SOURCE')), "ERR wrong number of arguments for 'AI.SCRIPTSET' command");
    assert.equal(message(await c.call('AI.SCRIPTSET', 'e', 'CPU', 'NOTSOURCE', SOURCE)), 'ERR Insufficient arguments, missing script SOURCE');
  });

  it('AI.SCRIPTGET, AI.SCRIPTDEL, AI._SCRIPTSCAN', async () => {
    assert.equal(message(await c.call('AI.SCRIPTGET', 'nope')), 'ERR script key is empty');
    assert.equal(message(await c.call('AI.SCRIPTGET', 'a')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(message(await c.call('AI.SCRIPTGET')), "ERR wrong number of arguments for 'AI.SCRIPTGET' command");
    assert.equal(message(await c.call('AI.SCRIPTDEL', 'nope')), 'ERR script key is empty');
    assert.equal(message(await c.call('AI._SCRIPTSCAN', 'x')), "ERR wrong number of arguments for 'AI._SCRIPTSCAN' command");
  });

  it('AI.SCRIPTEXECUTE', async () => {
    const run = (...args: Array<string | number>) => c.call('AI.SCRIPTEXECUTE', 'sc1', 'bar', ...args);
    assert.equal(message(await c.call('AI.SCRIPTEXECUTE', 'sc1')), "ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command");
    assert.equal(message(await c.call('AI.SCRIPTEXECUTE', 'nope', 'bar', 'INPUTS', 1, 'a')), 'ERR script key is empty');
    assert.equal(message(await c.call('AI.SCRIPTEXECUTE', 'sc1', 'bar')), 'ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command', 'DESIGN.md deviation 8');
    assert.equal(message(await run('OUTPUTS', 1, 'e')), 'ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command');
    assert.equal(message(await run('KEYS', 1)), 'ERR Missing arguments after KEYS keyword');
    assert.equal(message(await run('KEYS', 0, 'k')), 'ERR Invalid or negative value found in number of KEYS');
    assert.equal(message(await run('KEYS', 3, 'k', 'j')), 'ERR Number of pre declared KEYS to be used in the command does not match the number of given arguments');
    assert.equal(message(await run('INPUTS')), 'ERR Invalid arguments provided to AI.SCRIPTEXECUTE');
    assert.equal(message(await run('INPUTS', 'x')), 'ERR Invalid argument for inputs count in AI.SCRIPTEXECUTE');
    assert.equal(message(await run('INPUTS', 1, 'a', 'ARGS', 'x')), 'ERR Invalid argument for keys count in AI.SCRIPTEXECUTE');
    assert.equal(message(await run('INPUTS', 1, 'a', 'OUTPUTS', 'x')), 'ERR Invalid argument for outputs count in AI.SCRIPTEXECUTE');
    assert.equal(message(await run('INPUTS', 3, 'a')), 'ERR number of inputs to AI.SCRIPTEXECUTE command does not match the number of given arguments');
    assert.equal(message(await run('INPUTS', 1, 'a', 'ARGS', 2, 'x')), 'ERR number of args to AI.SCRIPTEXECUTE command does not match the number of given arguments');
    assert.equal(message(await run('INPUTS', 1, 'a', 'OUTPUTS', 2, 'x')), 'ERR number of outputs to AI.SCRIPTEXECUTE command does not match the number of given arguments');
    assert.equal(message(await run('INPUTS', 1, 'a', 'INPUTS', 1, 'a')), 'ERR Already Encountered INPUTS scope in AI.SCRIPTEXECUTE command');
    assert.equal(message(await run('KEYS', 1, 'k', 'KEYS', 1, 'k')), 'ERR Already Encountered KEYS scope in AI.SCRIPTEXECUTE command');
    assert.equal(message(await run('INPUTS', 1, 'a', 'BOGUS')), 'ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: BOGUS');
    assert.equal(message(await run('INPUTS', 1, 'a', 'TIMEOUT')), 'ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE');
    assert.equal(message(await run('INPUTS', 1, 'a', 'TIMEOUT', 0)), 'ERR Invalid value for TIMEOUT');
    assert.equal(message(await run('INPUTS', 1, 'a', 'TIMEOUT', 10, 'x')), 'ERR Encountered problem parsing AI.SCRIPTEXECUTE');
    assert.equal(message(await run('INPUTS', 2, 'a', 'missing')), 'ERR tensor key is empty or in a different shard');
    assert.equal(message(await run('INPUTS', 2, 'a', 'str')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  it('AI.SCRIPTRUN', async () => {
    const run = (...args: Array<string | number>) => c.call('AI.SCRIPTRUN', 'legacy', 'legacy', ...args);
    assert.equal(message(await c.call('AI.SCRIPTRUN', 'legacy')), "ERR wrong number of arguments for 'AI.SCRIPTRUN' command");
    assert.equal(message(await run('TIMEOUT', 10, 'TIMEOUT', 10, 'INPUTS', 'a')), 'ERR Already encountered an TIMEOUT section in SCRIPTRUN');
    assert.equal(message(await run('INPUTS', 'INPUTS', 'a')), 'ERR Already encountered an INPUTS keyword in SCRIPTRUN');
    assert.equal(message(await run('INPUTS', 'a', 'OUTPUTS', 'x', 'INPUTS')), 'ERR Already encountered an INPUTS section in SCRIPTRUN');
    assert.equal(message(await run('INPUTS', 'a', 'OUTPUTS', 'x', 'OUTPUTS')), 'ERR Already encountered an OUTPUTS keyword in SCRIPTRUN');
    assert.equal(message(await run('$', 'INPUTS', 'a')), 'ERR Encountered a variable size list of tensors outside of input section');
    assert.equal(message(await run('INPUTS', '$', 'a', '$', 'a')), 'ERR Already encountered a variable size list of tensors');
    assert.equal(message(await run('stray', 'INPUTS', 'a')), 'ERR Unrecongnized parameter to SCRIPTRUN');
  });

  it('an empty FLOAT or DOUBLE output replies VALUES as an empty array, META with its 0 dim', async () => {
    assert.equal(await c.call('AI.SCRIPTSTORE', 'empty', 'CPU', 'ENTRY_POINTS', 1, 'none_of', 'SOURCE', SOURCE), 'OK');
    assert.equal(await c.call('AI.TENSORSET', 'd', 'DOUBLE', 2, 1, 'VALUES', 0.5, -1), 'OK');
    for (const input of ['a', 'd']) {
      assert.equal(await c.call('AI.SCRIPTEXECUTE', 'empty', 'none_of', 'INPUTS', 1, input, 'OUTPUTS', 1, 'e'), 'OK');
      const dims = input === 'a' ? [0, 2] : [0, 1];
      assert.deepEqual(await c.call('AI.TENSORGET', 'e', 'META', 'VALUES'), ['dtype', input === 'a' ? 'FLOAT' : 'DOUBLE', 'shape', dims, 'values', []]);
    }
  });

  it('AI.SCRIPTDEL deletes the script and its statistics', async () => {
    assert.equal(await c.call('AI.SCRIPTDEL', 'legacy'), 'OK');
    assert.equal(message(await c.call('AI.INFO', 'legacy')), 'ERR cannot find run info for key');
  });
});

describe('scripts from the library', () => {
  it('stores and runs a script function on tensors', async () => {
    const engine = new Engine();
    await engine.storeScript('s', { device: 'CPU', source: SOURCE, entryPoints: ['bar', 'scaled'] });
    const a = Tensor.fromArray([1, 2], 'FLOAT');
    const [sum] = await engine.runScript('s', 'bar', [a, a]);
    assert.deepEqual(sum.toArray(), [2, 4]);
    const [scaled] = await engine.runScript('s', 'scaled', [a], { keys: ['k'], args: ['10'] });
    assert.deepEqual(scaled.toArray(), [11, 21]);
    await assert.rejects(engine.storeScript('t', { device: 'CPU', source: 'return 1', entryPoints: ['f'] }), { name: 'StormbreakerError' });
  });
});

describe('script extensions: redis.execute, redis.asList, redisAI.model_execute (spec §5.9)', () => {
  const EXTENSIONS = `def store(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", keys[0], args[0])
    n = redis.execute("INCR", keys[1])
    redis.execute("RPUSH", keys[2], "x", "y")
    items = redis.asList(redis.execute("LRANGE", keys[2], "0", "-1"))
    return tensors[0] * float(len(items)) + float(str(n))

def bad_arity(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", keys[0])
    return tensors[0]

def wrong_type(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("LPUSH", keys[0], "v")
    return tensors[0]

def hash_values(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("HSET", keys[0], "a", "1", "b", "2")
    values = redis.asList(redis.execute("HVALS", keys[0]))
    total = 0
    for v in values:
        total += int(str(v))
    return tensors[0] + float(total)

def via_model(tensors: List[Tensor], keys: List[str], args: List[str]):
    out = redisAI.model_execute(keys[0], [tensors[0], tensors[0]], 1)
    return out[0]
`;

  it('lets scripts run Redis commands and stored models', async () => {
    await c.call('AI.MODELSTORE', 'pt', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.TENSORSET', 'v', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.equal(await c.call('AI.SCRIPTSTORE', 'ext', 'CPU', 'ENTRY_POINTS', 5, 'store', 'bad_arity', 'wrong_type', 'hash_values', 'via_model', 'SOURCE', EXTENSIONS), 'OK');
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'ext', 'store', 'KEYS', 3, 'k1', 'k2', 'k3', 'INPUTS', 1, 'v', 'ARGS', 1, 'hello', 'OUTPUTS', 1, 'o'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'o', 'VALUES'), ['3', '5']);
    assert.equal(await c.call('GET', 'k1'), 'hello');
    assert.equal(await c.call('GET', 'k2'), '1');
    assert.deepEqual(await c.call('LRANGE', 'k3', 0, -1), ['x', 'y']);
    assert.match(message(await c.call('AI.SCRIPTEXECUTE', 'ext', 'bad_arity', 'KEYS', 1, 'k1', 'INPUTS', 1, 'v', 'OUTPUTS', 1, 'o')),
      /Redis command returned an error: Invalid argument/);
    assert.match(message(await c.call('AI.SCRIPTEXECUTE', 'ext', 'wrong_type', 'KEYS', 1, 'k1', 'INPUTS', 1, 'v', 'OUTPUTS', 1, 'o')),
      /Redis command returned an error: WRONGTYPE Operation against a key holding the wrong kind of value/);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'ext', 'hash_values', 'KEYS', 1, 'h', 'INPUTS', 1, 'v', 'OUTPUTS', 1, 'hv'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'hv', 'VALUES'), ['4', '5']);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'ext', 'via_model', 'KEYS', 1, 'pt', 'INPUTS', 1, 'v', 'OUTPUTS', 1, 'mo'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'mo', 'VALUES'), ['2', '4']);
    assert.match(message(await c.call('AI.SCRIPTEXECUTE', 'ext', 'via_model', 'KEYS', 1, 'nomodel', 'INPUTS', 1, 'v', 'OUTPUTS', 1, 'mo')),
      /ERR model key is empty/);
    assert.equal(await c.call('PING'), 'PONG');
  });
});
