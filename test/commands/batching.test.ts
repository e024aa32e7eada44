// Autobatching (spec §10.2), queue bounds and the queue statistics INFO shows. The models add
// their input's dim 0 to it (or keep one row), so each reply shows how many rows the one backend
// call saw; waits are made certain with MINBATCHSIZE, never with sleeps.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Engine, Server, Tensor } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { run, startServer } from '../helpers/servers';
import { firstRowModel, rowCountModel } from '../helpers/torchModels';

let server: Server;
let port: number;
let c1: RawClient;
let c2: RawClient;
let c3: RawClient;
let rowCount: Buffer;

beforeAll(async () => {
  ({ server, port } = await startServer());
  [c1, c2, c3] = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
  rowCount = await rowCountModel();
});
afterAll(async () => {
  await Promise.all([c1.close(), c2.close(), c3.close()]);
  await server.close();
});

/** The `ai_queue_<device>_*` counters of INFO MODULES. */
async function queueInfo(client: RawClient, device = 'CPU'): Promise<Record<string, number>> {
  const text = String(await client.call('INFO', 'MODULES'));
  const out: Record<string, number> = {};
  for (const line of text.split('\r\n')) {
    const m = /^ai_queue_([^_]+)_([a-z_]+):([\d.]+)$/.exec(line);
    if (m !== null && m[1] === device) out[m[2]] = Number(m[3]);
  }
  return out;
}

/** Waits (without a deadline of its own) until `device`'s queue holds `pending` requests. */
async function untilPending(client: RawClient, pending: number, device = 'CPU'): Promise<void> {
  while ((await queueInfo(client, device)).pending !== pending) await new Promise((r) => setTimeout(r, 5));
}

const values = (client: RawClient, key: string) => client.call('AI.TENSORGET', key, 'VALUES');
const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

describe('autobatching (spec §10.2)', () => {
  it('serves two clients with one run: each gets its own rows, and INFO counts one batch of two', async () => {
    await c1.call('AI.MODELSTORE', 'pair', 'TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'BLOB', rowCount);
    await c1.call('AI.TENSORSET', 'x1', 'FLOAT', 1, 2, 'VALUES', 1, 2);
    await c2.call('AI.TENSORSET', 'x2', 'FLOAT', 1, 2, 'VALUES', 10, 20);
    const before = await queueInfo(c3);
    const first = c1.call('AI.MODELEXECUTE', 'pair', 'INPUTS', 1, 'x1', 'OUTPUTS', 1, 'y1');
    await untilPending(c3, 1); // held: MINBATCHSIZE 2 is not reached by one request
    const second = c2.call('AI.MODELEXECUTE', 'pair', 'INPUTS', 1, 'x2', 'OUTPUTS', 1, 'y2');
    assert.deepEqual(await Promise.all([first, second]), ['OK', 'OK']);
    // The backend saw 2 rows (x + 2), and each client got back its own row.
    assert.deepEqual(await values(c1, 'y1'), ['3', '4']);
    assert.deepEqual(await values(c2, 'y2'), ['12', '22']);
    const afterRun = await queueInfo(c3);
    assert.equal(afterRun.batches - before.batches, 1);
    assert.equal(afterRun.batched_runs - before.batched_runs, 2);
    assert.ok(afterRun.mean_batch_size >= 2);
    // Spec §7: both ops count a call and their own samples, and each is charged the whole run.
    const info = (await c1.call('AI.INFO', 'pair')) as Parsed[];
    assert.equal(info[info.indexOf('calls') + 1], 2);
    assert.equal(info[info.indexOf('samples') + 1], 2);
    const duration = info[info.indexOf('duration') + 1] as number;
    assert.ok(duration > 0 && duration % 2 === 0, `one shared duration added twice, got ${duration}`);
  });

  it('merges requests of different batch sizes up to BATCHSIZE, in queue order', async () => {
    await c1.call('AI.MODELSTORE', 'three', 'TORCH', 'CPU', 'BATCHSIZE', 3, 'MINBATCHSIZE', 3, 'BLOB', rowCount);
    await c1.call('AI.TENSORSET', 'one', 'FLOAT', 1, 2, 'VALUES', 1, 2);
    await c2.call('AI.TENSORSET', 'two', 'FLOAT', 2, 2, 'VALUES', 3, 4, 5, 6);
    const first = c1.call('AI.MODELEXECUTE', 'three', 'INPUTS', 1, 'one', 'OUTPUTS', 1, 'one_out');
    await untilPending(c3, 1);
    const second = c2.call('AI.MODELEXECUTE', 'three', 'INPUTS', 1, 'two', 'OUTPUTS', 1, 'two_out');
    assert.deepEqual(await Promise.all([first, second]), ['OK', 'OK']);
    assert.deepEqual(await c1.call('AI.TENSORGET', 'one_out', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [1, 2], 'values', ['4', '5']]);
    assert.deepEqual(await c1.call('AI.TENSORGET', 'two_out', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [2, 2], 'values', ['6', '7', '8', '9']]);
  });

  it('releases a partial batch after MINBATCHTIMEOUT, run alone', async () => {
    await c1.call('AI.MODELSTORE', 'patient', 'TORCH', 'CPU', 'BATCHSIZE', 4, 'MINBATCHSIZE', 4, 'MINBATCHTIMEOUT', 50, 'BLOB', rowCount);
    await c1.call('AI.TENSORSET', 'lonely', 'FLOAT', 1, 2, 'VALUES', 1, 2);
    assert.equal(await c1.call('AI.MODELEXECUTE', 'patient', 'INPUTS', 1, 'lonely', 'OUTPUTS', 1, 'lonely_out'), 'OK');
    assert.deepEqual(await values(c1, 'lonely_out'), ['2', '3']); // x + 1: the backend saw one row
  });

  it('never merges inputs whose shapes differ beyond dim 0', async () => {
    await c1.call('AI.MODELSTORE', 'shapes', 'TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'MINBATCHTIMEOUT', 50, 'BLOB', rowCount);
    await c1.call('AI.TENSORSET', 'narrow', 'FLOAT', 1, 2, 'VALUES', 1, 2);
    await c2.call('AI.TENSORSET', 'wide', 'FLOAT', 1, 3, 'VALUES', 1, 2, 3);
    const before = await queueInfo(c3);
    const replies = await Promise.all([
      c1.call('AI.MODELEXECUTE', 'shapes', 'INPUTS', 1, 'narrow', 'OUTPUTS', 1, 'narrow_out'),
      c2.call('AI.MODELEXECUTE', 'shapes', 'INPUTS', 1, 'wide', 'OUTPUTS', 1, 'wide_out'),
    ]);
    assert.deepEqual(replies, ['OK', 'OK']);
    assert.deepEqual(await values(c1, 'narrow_out'), ['2', '3']);
    assert.deepEqual(await values(c2, 'wide_out'), ['2', '3', '4']);
    assert.equal((await queueInfo(c3)).batches, before.batches);
  });

  it('never merges requests for a model that was re-stored meanwhile', async () => {
    await c1.call('AI.MODELSTORE', 'moving', 'TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'MINBATCHTIMEOUT', 50, 'BLOB', rowCount);
    await c1.call('AI.TENSORSET', 'm_in', 'FLOAT', 1, 1, 'VALUES', 5);
    const first = c1.call('AI.MODELEXECUTE', 'moving', 'INPUTS', 1, 'm_in', 'OUTPUTS', 1, 'm_out1');
    await untilPending(c3, 1);
    await c3.call('AI.MODELSTORE', 'moving', 'TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'MINBATCHTIMEOUT', 50, 'BLOB', rowCount);
    const second = c2.call('AI.MODELEXECUTE', 'moving', 'INPUTS', 1, 'm_in', 'OUTPUTS', 1, 'm_out2');
    assert.deepEqual(await Promise.all([first, second]), ['OK', 'OK']);
    assert.deepEqual(await values(c1, 'm_out1'), ['6']);
    assert.deepEqual(await values(c1, 'm_out2'), ['6']);
  });

  it('fails every request of a batch whose model returns the wrong batch size', async () => {
    await c1.call('AI.MODELSTORE', 'broken', 'TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'BLOB', await firstRowModel());
    await c1.call('AI.TENSORSET', 'b1', 'FLOAT', 1, 2, 'VALUES', 1, 2);
    await c2.call('AI.TENSORSET', 'b2', 'FLOAT', 1, 2, 'VALUES', 3, 4);
    const first = c1.call('AI.MODELEXECUTE', 'broken', 'INPUTS', 1, 'b1', 'OUTPUTS', 1, 'bo1');
    await untilPending(c3, 1);
    const second = c2.call('AI.MODELEXECUTE', 'broken', 'INPUTS', 1, 'b2', 'OUTPUTS', 1, 'bo2');
    for (const reply of await Promise.all([first, second])) {
      assert.equal(message(reply), 'ERR Model did not generate the expected batch size');
    }
    assert.equal(await c1.call('EXISTS', 'bo1', 'bo2'), 0);
    const info = (await c1.call('AI.INFO', 'broken')) as Parsed[];
    assert.equal(info[info.indexOf('errors') + 1], 2);
    // Alone, the same model answers: one row is the right batch size for one row.
    await c1.call('AI.MODELSTORE', 'broken', 'TORCH', 'CPU', 'BLOB', await firstRowModel());
    assert.equal(await c1.call('AI.MODELEXECUTE', 'broken', 'INPUTS', 1, 'b1', 'OUTPUTS', 1, 'bo1'), 'OK');
  });

  it('batches a model op inside a DAG with a plain MODELEXECUTE', async () => {
    await c1.call('AI.MODELSTORE', 'dagged', 'TORCH', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'BLOB', rowCount);
    await c2.call('AI.TENSORSET', 'd2', 'FLOAT', 1, 1, 'VALUES', 100);
    const dag = c1.call('AI.DAGEXECUTE', 'ROUTING', 'dagged', '|>', 'AI.TENSORSET', 'd1', 'FLOAT', 1, 1, 'VALUES', 7,
      '|>', 'AI.MODELEXECUTE', 'dagged', 'INPUTS', 1, 'd1', 'OUTPUTS', 1, 'dy', '|>', 'AI.TENSORGET', 'dy', 'VALUES');
    await untilPending(c3, 1);
    const plain = c2.call('AI.MODELEXECUTE', 'dagged', 'INPUTS', 1, 'd2', 'OUTPUTS', 1, 'd2_out');
    assert.deepEqual(await dag, ['OK', 'OK', ['9']]);
    assert.equal(await plain, 'OK');
    assert.deepEqual(await values(c2, 'd2_out'), ['102']);
  });

  it('batches STRING tensors (ONNX identity)', async () => {
    const file = path.join(os.tmpdir(), `stormbreaker-string-rows-${process.pid}.onnx`);
    const made = await run('/usr/bin/python3', ['-c', `
from onnx import helper, TensorProto, save
x = helper.make_tensor_value_info('x', TensorProto.STRING, ['N', 2])
y = helper.make_tensor_value_info('y', TensorProto.STRING, ['N', 2])
graph = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'identity', [x], [y])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)]), ${JSON.stringify(file)})
`]);
    assert.equal(made.code, 0, made.stderr);
    await c1.call('AI.MODELSTORE', 'words', 'ONNX', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'BLOB', fs.readFileSync(file));
    fs.rmSync(file);
    await c1.call('AI.TENSORSET', 's1', 'STRING', 1, 2, 'VALUES', 'a', 'longer one');
    await c2.call('AI.TENSORSET', 's2', 'STRING', 1, 2, 'VALUES', '', 'zz');
    const before = await queueInfo(c3);
    const first = c1.call('AI.MODELEXECUTE', 'words', 'INPUTS', 1, 's1', 'OUTPUTS', 1, 's1_out');
    await untilPending(c3, 1);
    const second = c2.call('AI.MODELEXECUTE', 'words', 'INPUTS', 1, 's2', 'OUTPUTS', 1, 's2_out');
    assert.deepEqual(await Promise.all([first, second]), ['OK', 'OK']);
    assert.deepEqual(await c1.call('AI.TENSORGET', 's1_out', 'META', 'VALUES'), ['dtype', 'STRING', 'shape', [1, 2], 'values', ['a', 'longer one']]);
    assert.deepEqual(await c1.call('AI.TENSORGET', 's2_out', 'META', 'VALUES'), ['dtype', 'STRING', 'shape', [1, 2], 'values', ['', 'zz']]);
    assert.equal((await queueInfo(c3)).batches - before.batches, 1);
  });

  it('answers TIMEDOUT to a request whose TIMEOUT passes while it waits for a batch', async () => {
    await c1.call('AI.MODELSTORE', 'forever', 'TORCH', 'CPU', 'BATCHSIZE', 8, 'MINBATCHSIZE', 8, 'BLOB', rowCount);
    await c1.call('AI.TENSORSET', 'f_in', 'FLOAT', 1, 1, 'VALUES', 1);
    assert.equal(await c1.call('AI.MODELEXECUTE', 'forever', 'INPUTS', 1, 'f_in', 'OUTPUTS', 1, 'f_out', 'TIMEOUT', 30), 'TIMEDOUT');
    assert.equal((await queueInfo(c3)).pending, 0);
  });
});

describe('library autobatching', () => {
  it('merges concurrent runModel calls, handing each a view of the one output (no copy)', async () => {
    const engine = new Engine();
    await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: rowCount, batchsize: 4, minbatchsize: 4 });
    const inputs = [1, 2, 3, 4].map((v) => Tensor.from(new Float32Array([v, v]), [1, 2]));
    const outputs = await Promise.all(inputs.map((t) => engine.runModel('m', [t])));
    assert.deepEqual(outputs.map(([y]) => Array.from(y.data as Float32Array)), [[5, 5], [6, 6], [7, 7], [8, 8]]);
    const views = outputs.map(([y]) => y.bytes);
    assert.ok(views.every((v, i) => v.byteOffset === views[0].byteOffset + i * 8), 'rows of one output');
    assert.ok(views[0].buffer.byteLength >= views[0].byteOffset + 4 * 8);
  });
});

describe('queue bounds', () => {
  it('refuses runs past --queue-limit at once, and serves the queue afterwards', async () => {
    const bounded = await startServer({ ai: { queueLimit: 2 } });
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(bounded.port)));
    try {
      const [a, b, c] = clients;
      await a.call('AI.MODELSTORE', 'held', 'TORCH', 'CPU:3', 'BATCHSIZE', 8, 'MINBATCHSIZE', 8, 'BLOB', rowCount);
      await a.call('AI.TENSORSET', 'h', 'FLOAT', 1, 1, 'VALUES', 1);
      const waiting = [a, b].map((client) => client.call('AI.MODELEXECUTE', 'held', 'INPUTS', 1, 'h', 'OUTPUTS', 1, 'h_out', 'TIMEOUT', 200));
      await untilPending(c, 2, 'CPU:3');
      assert.equal(message(await c.call('AI.MODELEXECUTE', 'held', 'INPUTS', 1, 'h', 'OUTPUTS', 1, 'h_out')),
        'ERR the CPU:3 queue is full (2 runs waiting): retry later, or raise QUEUE_LIMIT');
      assert.equal((await queueInfo(c, 'CPU:3')).rejected, 1);
      assert.deepEqual(await Promise.all(waiting), ['TIMEDOUT', 'TIMEDOUT']);
      await c.call('AI.MODELSTORE', 'free', 'TORCH', 'CPU:3', 'BLOB', rowCount);
      assert.equal(await c.call('AI.MODELEXECUTE', 'free', 'INPUTS', 1, 'h', 'OUTPUTS', 1, 'h_out'), 'OK');
      assert.match(String(await c.call('INFO', 'MODULES')), /ai_queue_limit:2\r\n/);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await bounded.server.close();
    }
  });

  it('batches and honours TIMEOUT with THREADS_PER_QUEUE 2', async () => {
    const threaded = await startServer({ ai: { threadsPerQueue: 2 } });
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => RawClient.connect(threaded.port)));
    try {
      const [watcher, ...senders] = clients;
      await watcher.call('AI.MODELSTORE', 'two', 'TORCH', 'CPU:4', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'BLOB', rowCount);
      assert.match(String(await watcher.call('INFO', 'MODULES')), /ai_queue_CPU:4_bthread_n2_used_cpu_total/);
      for (const [i, client] of senders.entries()) await client.call('AI.TENSORSET', `t${i}`, 'FLOAT', 1, 1, 'VALUES', i);
      const replies = await Promise.all(senders.map((client, i) =>
        client.call('AI.MODELEXECUTE', 'two', 'INPUTS', 1, `t${i}`, 'OUTPUTS', 1, `o${i}`)));
      assert.deepEqual(replies, ['OK', 'OK', 'OK', 'OK']);
      for (let i = 0; i < senders.length; i++) assert.deepEqual(await values(watcher, `o${i}`), [String(i + 2)]);
      assert.equal((await queueInfo(watcher, 'CPU:4')).batched_runs, 4);
      assert.equal(await watcher.call('AI.MODELEXECUTE', 'two', 'INPUTS', 1, 't0', 'OUTPUTS', 1, 'late', 'TIMEOUT', 20), 'TIMEDOUT');
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await threaded.server.close();
    }
  });
});
