import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Engine, Server, StormbreakerError, Tensor } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

const PT_MINIMAL = fixture('pt-minimal.pt');
const SCRIPT = `def pre(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] * 2

def post(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] - 1

def mark(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("RPUSH", keys[0], "start:" + args[0])
    y = torch.ones(256, 256)
    w = torch.ones(256, 256) / 256.0
    for _ in range(int(args[1])):
        y = torch.tanh(y @ w)
    redis.execute("RPUSH", keys[0], "end:" + args[0])
    return tensors[0] + y.sum() * 0.0
`;
const ENTRY = ['ENTRY_POINTS', 3, 'pre', 'post', 'mark'];

let server: Server;
let c: RawClient;

beforeAll(async () => {
  const started = await startServer();
  server = started.server;
  c = await RawClient.connect(started.port);
  await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
  await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', PT_MINIMAL);
  await c.call('AI.SCRIPTSTORE', 's', 'CPU', ...ENTRY, 'SOURCE', SCRIPT);
  await c.call('AI.SCRIPTSTORE', 's1', 'CPU:1', ...ENTRY, 'SOURCE', SCRIPT);
  await c.call('SET', 'str', 'v');
});
afterAll(async () => {
  await c.close();
  await server.close();
});

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
const dag = (...args: Array<string | number>) => c.call('AI.DAGEXECUTE', ...args);

describe('AI.DAGEXECUTE (spec §6, transcripts)', () => {
  it('runs a model on a loaded tensor, returns and persists its output', async () => {
    assert.deepEqual(await dag('LOAD', 1, 'a', 'PERSIST', 1, 'out', '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'out',
      '|>', 'AI.TENSORGET', 'out', 'META', 'VALUES'),
    ['OK', ['dtype', 'FLOAT', 'shape', [2, 2], 'values', ['4', '6', '4', '6']]]);
    assert.deepEqual(await c.call('AI.TENSORGET', 'out', 'VALUES'), ['4', '6', '4', '6']);
  });

  it('keeps DAG tensors local, and the newest version of a name wins', async () => {
    assert.deepEqual(await c.call('AI.DAGEXECUTE_RO', 'ROUTING', 'a', '|>', 'AI.TENSORSET', 'x', 'FLOAT', 1, 'VALUES', 5, '|>', 'AI.TENSORGET', 'x', 'VALUES'), ['OK', ['5']]);
    assert.equal(await c.call('EXISTS', 'x'), 0);
    assert.deepEqual(await dag('ROUTING', 'r', '|>', 'AI.TENSORSET', 'v', 'INT32', 1, 'VALUES', 1, '|>', 'AI.TENSORGET', 'v', 'VALUES',
      '|>', 'AI.TENSORSET', 'v', 'INT32', 1, 'VALUES', 2, '|>', 'AI.TENSORGET', 'v', 'VALUES'), ['OK', [1], 'OK', [2]]);
    assert.deepEqual(await dag('LOAD', 1, 'a', 'TIMEOUT', 1000, '|>', 'AI.TENSORGET', 'a', 'VALUES'), [['2', '3', '2', '3']]);
  });

  it('runs a preprocessing script → model → postprocessing script pipeline', async () => {
    assert.deepEqual(await dag('LOAD', 1, 'a', 'PERSIST', 1, 'final',
      '|>', 'AI.SCRIPTEXECUTE', 's', 'pre', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'p',
      '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'p', 'a', 'OUTPUTS', 1, 'q',
      '|>', 'AI.SCRIPTEXECUTE', 's', 'post', 'INPUTS', 1, 'q', 'OUTPUTS', 1, 'final',
      '|>', 'AI.TENSORGET', 'final', 'VALUES'), ['OK', 'OK', 'OK', ['5', '8', '5', '8']]);
    assert.equal(await c.call('EXISTS', 'p'), 0, 'intermediate tensors never touch the keyspace');
    assert.deepEqual(await c.call('AI.TENSORGET', 'final', 'VALUES'), ['5', '8', '5', '8']);
  });

  it('reports a failing middle op as an element, skips what follows, and persists nothing', async () => {
    const reply = (await dag('LOAD', 1, 'a', 'PERSIST', 1, 'y',
      '|>', 'AI.TENSORSET', 'x', 'FLOAT', 3, 'VALUES', 1, 2, 3,
      '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'x', 'OUTPUTS', 1, 'y',
      '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'y',
      '|>', 'AI.TENSORGET', 'y', 'VALUES')) as Parsed[];
    assert.equal(reply[0], 'OK');
    assert.match(message(reply[1]), /The size of tensor a \(2\) must match the size of tensor b \(3\)/);
    assert.deepEqual(reply.slice(2), ['NA', 'NA']);
    assert.equal(await c.call('EXISTS', 'y'), 0);
  });

  it('runs ops of different devices at the same time (both start before either ends)', async () => {
    await c.call('DEL', 'events');
    assert.deepEqual(await dag('LOAD', 1, 'a',
      '|>', 'AI.SCRIPTEXECUTE', 's', 'mark', 'KEYS', 1, 'events', 'INPUTS', 1, 'a', 'ARGS', 2, 'cpu0', 120, 'OUTPUTS', 1, 'o0',
      '|>', 'AI.SCRIPTEXECUTE', 's1', 'mark', 'KEYS', 1, 'events', 'INPUTS', 1, 'a', 'ARGS', 2, 'cpu1', 120, 'OUTPUTS', 1, 'o1'), ['OK', 'OK']);
    const events = (await c.call('LRANGE', 'events', 0, -1)) as string[];
    assert.deepEqual(events.slice(0, 2).sort(), ['start:cpu0', 'start:cpu1']);
    assert.deepEqual(events.slice(2).sort(), ['end:cpu0', 'end:cpu1']);
    // On one device the same two ops run one after the other.
    await c.call('DEL', 'events');
    await dag('LOAD', 1, 'a',
      '|>', 'AI.SCRIPTEXECUTE', 's', 'mark', 'KEYS', 1, 'events', 'INPUTS', 1, 'a', 'ARGS', 2, 'first', 50, 'OUTPUTS', 1, 'o0',
      '|>', 'AI.SCRIPTEXECUTE', 's', 'mark', 'KEYS', 1, 'events', 'INPUTS', 1, 'a', 'ARGS', 2, 'second', 50, 'OUTPUTS', 1, 'o1');
    assert.deepEqual(await c.call('LRANGE', 'events', 0, -1), ['start:first', 'end:first', 'start:second', 'end:second']);
  });

  it('replies TIMEDOUT when the DAG waits past its TIMEOUT', async () => {
    const other = await RawClient.connect(server.tcpPort);
    const busy = other.call('AI.SCRIPTEXECUTE', 's', 'mark', 'KEYS', 1, 'ev2', 'INPUTS', 1, 'a', 'ARGS', 2, 'busy', 300, 'OUTPUTS', 1, 'ob');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await dag('LOAD', 1, 'a', 'PERSIST', 1, 'late', 'TIMEOUT', 5, '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'late'), 'TIMEDOUT');
    assert.equal(await c.call('EXISTS', 'late'), 0);
    assert.equal(await busy, 'OK');
    await other.close();
  });

  it('serves DAGEXECUTE_RO readers alongside writers, and survives a client leaving mid-DAG', async () => {
    const writer = await RawClient.connect(server.tcpPort);
    const reader = await RawClient.connect(server.tcpPort);
    const writes = Array.from({ length: 20 }, (_, i) => writer.call('AI.DAGEXECUTE', 'PERSIST', 1, 'w', '|>', 'AI.TENSORSET', 'w', 'INT32', 1, 'VALUES', i));
    const reads = Array.from({ length: 20 }, () => reader.call('AI.DAGEXECUTE_RO', 'LOAD', 1, 'a', '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'r', '|>', 'AI.TENSORGET', 'r', 'VALUES'));
    assert.ok((await Promise.all(writes)).every((r) => JSON.stringify(r) === '["OK"]'));
    assert.ok((await Promise.all(reads)).every((r) => JSON.stringify(r) === '["OK",["4","6","4","6"]]'));
    assert.deepEqual(await c.call('AI.TENSORGET', 'w', 'VALUES'), [19]);
    const quitter = await RawClient.connect(server.tcpPort);
    void quitter.call('AI.DAGEXECUTE', 'LOAD', 1, 'a', 'PERSIST', 1, 'orphan', '|>', 'AI.SCRIPTEXECUTE', 's', 'mark', 'KEYS', 1, 'ev3', 'INPUTS', 1, 'a', 'ARGS', 2, 'q', 100, 'OUTPUTS', 1, 'orphan');
    await new Promise((r) => setTimeout(r, 20));
    quitter.destroy();
    assert.equal(await c.call('PING'), 'PONG');
    assert.deepEqual(await dag('LOAD', 1, 'a', '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'z', '|>', 'AI.TENSORGET', 'z', 'VALUES'), ['OK', ['4', '6', '4', '6']]);
    await writer.close();
    await reader.close();
  });

  it('runs the deprecated AI.DAGRUN and AI.DAGRUN_RO with MODELRUN and SCRIPTRUN ops', async () => {
    assert.deepEqual(await c.call('AI.DAGRUN', '|>', 'AI.TENSORSET', 't', 'FLOAT', 2, 2, 'VALUES', 1, 1, 1, 1,
      '|>', 'AI.MODELRUN', 'm', 'INPUTS', 't', 't', 'OUTPUTS', 'u', '|>', 'AI.TENSORGET', 'u', 'VALUES'), ['OK', 'OK', ['2', '2', '2', '2']]);
    assert.deepEqual(await c.call('AI.DAGRUN_RO', 'LOAD', 1, 'a', '|>', 'AI.SCRIPTRUN', 's', 'pre', 'INPUTS', 'a', 'OUTPUTS', 'd', '|>', 'AI.TENSORGET', 'd', 'VALUES'), ['OK', ['4', '6', '4', '6']]);
  });
});

describe('DAG errors (spec §14, verbatim)', () => {
  it('header errors', async () => {
    assert.equal(message(await dag('LOAD', 1, 'a')), "ERR missing arguments for 'AI.DAGEXECUTE' command");
    assert.equal(message(await c.call('AI.DAGEXECUTE_RO', 'LOAD', 1, 'a')), "ERR missing arguments for 'AI.DAGEXECUTE_RO' command");
    assert.equal(message(await c.call('AI.DAGRUN', '|>')), "ERR wrong number of arguments for 'AI.DAGRUN' command");
    assert.equal(message(await c.call('AI.DAGRUN_RO', '|>')), "ERR wrong number of arguments for 'AI.DAGRUN_RO' command");
    assert.equal(message(await dag('ROUTING', 'r', 'TIMEOUT', 5, 'LOAD', 1)), 'ERR missing arguments after LOAD keyword in DAG command');
    assert.equal(message(await dag('ROUTING', 'r', 'LOAD', 1, '|>', 'AI.TENSORGET', 'a')), 'ERR number of keys to LOAD into DAG does not match the number of given arguments');
    assert.equal(message(await dag('LOAD', 'x', 'a', '|>', 'AI.TENSORGET', 'a')), 'ERR invalid or negative value found in number of keys to LOAD');
    assert.equal(message(await dag('LOAD', 2, 'a', '|>', 'AI.TENSORGET', 'a', 'VALUES')), 'ERR number of keys to LOAD into DAG does not match the number of given arguments');
    assert.equal(message(await dag('LOAD', 1, 'nope', '|>', 'AI.TENSORGET', 'nope')), 'ERR tensor key is empty or in a different shard');
    assert.equal(message(await dag('LOAD', 1, 'str', '|>', 'AI.TENSORGET', 'str')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(message(await dag('ROUTING', 'r', 'TIMEOUT', 5, 'PERSIST', 1)), 'ERR missing arguments after PERSIST keyword in DAG command');
    assert.equal(message(await dag('PERSIST', 0, 'a', '|>', 'AI.TENSORGET', 'a')), 'ERR invalid or negative value found in number of keys to PERSIST');
    assert.equal(message(await dag('PERSIST', 2, 'k', 'k', '|>', 'AI.TENSORSET', 'k', 'FLOAT', 1)), 'ERR PERSIST keys must be unique');
    assert.equal(message(await dag('PERSIST', 3, 'k', 'j', '|>', 'AI.TENSORSET', 'k', 'FLOAT', 1)), 'ERR number of keys to PERSIST after DAG execution does not match the number of given arguments');
    assert.equal(message(await c.call('AI.DAGEXECUTE_RO', 'PERSIST', 1, 'k', '|>', 'AI.TENSORSET', 'k', 'FLOAT', 1)), 'ERR PERSIST cannot be specified in a read-only DAG');
    assert.equal(message(await dag('LOAD', 1, 'a', 'ROUTING', '|>', 'AI.TENSORGET', 'a')), 'ERR Missing ROUTING value');
    assert.equal(message(await dag('LOAD', 1, 'a', 'TIMEOUT', '|>', 'AI.TENSORGET', 'a')), 'ERR No value provided for TIMEOUT');
    assert.equal(message(await dag('LOAD', 1, 'a', 'TIMEOUT', 'x', '|>', 'AI.TENSORGET', 'a')), 'ERR Invalid value for TIMEOUT');
    assert.equal(message(await dag('LOAD', 1, 'a', 'TIMEOUT', 0, '|>', 'AI.TENSORGET', 'a')), 'ERR Invalid value for TIMEOUT', 'DESIGN.md deviation 4');
    assert.equal(message(await dag('LOAD', 1, 'a', 'LOAD', 1, 'a', '|>', 'AI.TENSORGET', 'a')), 'ERR Invalid DAG command. Unexpected argument:  LOAD');
    assert.equal(message(await dag('LOAD', 1, 'a', 'BOGUS', '|>', 'AI.TENSORGET', 'a')), 'ERR Invalid DAG command. Unexpected argument:  BOGUS');
    assert.equal(message(await dag('LOAD', 1, 'a', '|>', 'AI.TENSORGET', 'a', '|>')), 'ERR Invalid DAG command. Unexpected argument:  |>');
    assert.equal(message(await dag('TIMEOUT', 10, '|>', 'AI.TENSORSET', 'k', 'FLOAT', 1)),
      'ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords');
    assert.equal(message(await dag('LOAD', 1, 'a', 'ROUTING', 'r', 'TIMEOUT', 10)), 'ERR DAG is empty');
  });

  it('op errors', async () => {
    const load = ['LOAD', 1, 'a'];
    assert.equal(message(await dag(...load, '|>', 'AI.TENSORGET', 'a', '|>', 'PING')), 'Unsupported command within DAG');
    assert.equal(message(await dag(...load, '|>', 'AI.MODELRUN', 'm', 'INPUTS', 'a', 'a', 'OUTPUTS', 'b')), 'Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command');
    assert.equal(message(await dag(...load, '|>', 'AI.SCRIPTRUN', 's', 'pre', 'INPUTS', 'a', 'OUTPUTS', 'b')), 'Deprecated AI.SCRIPTRUN cannot be used in AI.DAGEXECUTE command');
    assert.equal(message(await c.call('AI.DAGEXECUTE_RO', ...load, '|>', 'AI.SCRIPTEXECUTE', 's', 'pre', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'b')), 'ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG');
    assert.equal(message(await c.call('AI.DAGRUN', ...load, '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'b')), 'AI.MODELEXECUTE cannot be used in a deprecated AI.DAGRUN command');
    assert.equal(message(await c.call('AI.DAGRUN', ...load, '|>', 'AI.SCRIPTEXECUTE', 's', 'pre', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'b')), 'AI.SCRIPTEXECUTE cannot be used in a deprecated AI.DAGRUN command');
    assert.equal(message(await dag(...load, '|>', 'AI.TENSORSET', 'k', 'FLOAT')), "wrong number of arguments for 'AI.TENSORSET' command");
    assert.equal(message(await dag(...load, '|>', 'AI.TENSORGET')), "wrong number of arguments for 'AI.TENSORGET' command");
    assert.equal(message(await dag(...load, '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'b', 'TIMEOUT', 10)), 'ERR TIMEOUT not allowed within a DAG command');
    assert.equal(message(await dag(...load, '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'b')), 'Number of keys given as INPUTS here does not match model definition');
    assert.equal(message(await dag(...load, '|>', 'AI.SCRIPTEXECUTE', 's', 'INPUTS', 1, 'a')), 'ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: 1');
    assert.equal(message(await dag(...load, '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'nope', 'OUTPUTS', 1, 'b')), 'ERR INPUT key cannot be found in DAG');
    assert.equal(message(await dag('LOAD', 1, 'a', 'PERSIST', 1, 'never', '|>', 'AI.TENSORGET', 'a')), 'ERR PERSIST key cannot be found in DAG');
    assert.equal(message(await dag('PERSIST', 1, 'str', '|>', 'AI.TENSORSET', 'str', 'FLOAT', 1)), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await c.call('GET', 'str'), 'v');
  });
});

describe('DAGs from the library', () => {
  it('runs engine.dag() pipelines with typed results', async () => {
    const engine = new Engine();
    await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: PT_MINIMAL });
    engine.setTensor('a', Tensor.fromArray([1, 2], 'FLOAT'));
    const results = await engine.dag({ load: ['a'], persist: ['sum'] })
      .modelExecute('m', ['a', 'a'], ['sum'])
      .tensorget('sum')
      .run();
    assert.equal(results[0], 'OK');
    assert.deepEqual((results[1] as Tensor).toArray(), [2, 4]);
    assert.deepEqual(engine.getTensor('sum').toArray(), [2, 4]);
    const failing = await engine.dag({ load: ['a'] })
      .tensorset('x', Tensor.fromArray([1, 2, 3], 'FLOAT'))
      .modelExecute('m', ['a', 'x'], ['y'])
      .tensorget('y')
      .run();
    assert.equal(failing[0], 'OK');
    assert.ok(failing[1] instanceof StormbreakerError);
    assert.equal(failing[2], 'NA');
  });
});
