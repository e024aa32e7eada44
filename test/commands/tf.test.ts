// The TF backend (spec §4.1, §10.6) with RedisAI's fixtures and a string graph made at test time.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import Redis from 'ioredis';
import { Server } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { tfBatchShapesGraph, tfStringIdentityGraph } from '../helpers/tfModels';
import { fixture } from '../helpers/fixtures';

const GRAPH = fixture('graph.pb');

let server: Server;
let port: number;
let c: RawClient;
let c2: RawClient;

beforeAll(async () => {
  ({ server, port } = await startServer());
  [c, c2] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
});
afterAll(async () => {
  await Promise.all([c.close(), c2.close()]);
  await server.close();
});

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
const info = async () => String(await c.call('INFO', 'MODULES'));

describe('TF models (frozen GraphDefs)', () => {
  it('loads the backend on first use: INFO shows its version only after a TF model is stored', async () => {
    assert.doesNotMatch(await info(), /ai_TensorFlow_version/);
    assert.equal(await c.call('AI.MODELSTORE', 'g', 'TF', 'CPU', 'TAG', 'v1', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', GRAPH), 'OK');
    assert.match(await info(), /# ai_backends_info\r\nai_TensorFlow_version:2\.\d+\.\d+\r\n/);
  });

  it('runs graph.pb: a=b=2 3 2 3 gives 4 9 4 9, under the node names it was stored with', async () => {
    assert.deepEqual(await c.call('AI.MODELGET', 'g', 'META'), ['backend', 'TF', 'device', 'CPU', 'tag', 'v1', 'batchsize', 0,
      'minbatchsize', 0, 'inputs', ['a', 'b'], 'outputs', ['mul'], 'minbatchtimeout', 0]);
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
    await c.call('AI.TENSORSET', 'b', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
    assert.equal(await c.call('AI.MODELEXECUTE', 'g', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'y'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'y', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [2, 2], 'values', ['4', '9', '4', '9']]);
    // Any op can be an output (port 0): `c` is Identity(mul).
    await c.call('AI.MODELSTORE', 'g_c', 'TF', 'CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 2, 'mul', 'c', 'BLOB', GRAPH);
    assert.equal(await c.call('AI.MODELEXECUTE', 'g_c', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 2, 'y1', 'y2'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'y2', 'VALUES'), ['4', '9', '4', '9']);
    const stats = (await c.call('AI.INFO', 'g')) as Parsed[];
    assert.deepEqual([stats[stats.indexOf('calls') + 1], stats[stats.indexOf('samples') + 1]], [1, 2]);
  });

  it('gives the spec\'s errors for bad graphs, node names, devices and shapes', async () => {
    const store = (...args: Array<string | number | Buffer>) => c.call('AI.MODELSTORE', 'bad', 'TF', ...args);
    assert.equal(message(await store('CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', fixture('pt-minimal.pt'))), 'Invalid GraphDef');
    assert.equal(message(await store('CPU', 'INPUTS', 2, 'bad_input', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', GRAPH)),
      'ERR Input node named "bad_input" not found in TF graph.');
    // An op that exists but is not a Placeholder cannot be fed.
    assert.equal(message(await store('CPU', 'INPUTS', 1, 'mul', 'OUTPUTS', 1, 'c', 'BLOB', GRAPH)),
      'ERR Input node named "mul" not found in TF graph.');
    assert.equal(message(await store('CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mult', 'BLOB', GRAPH)),
      'ERR Output node named "mult" not found in TF graph');
    assert.equal(message(await store('GPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', GRAPH)),
      'ERR GPU requested but TF couldn\'t find CUDA');
    assert.equal(message(await store('CPU', 'BLOB', GRAPH)), 'ERR INPUTS not specified for TF');
    assert.equal(await c.call('EXISTS', 'bad'), 0);
    await c.call('AI.TENSORSET', 'flat', 'FLOAT', 2, 'VALUES', 2, 3);
    await c.call('AI.TENSORSET', 'cube', 'FLOAT', 2, 2, 3, 'VALUES', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    const failed = message(await c.call('AI.MODELEXECUTE', 'g', 'INPUTS', 2, 'flat', 'cube', 'OUTPUTS', 1, 'nope'));
    assert.match(failed, /^Incompatible shapes: \[2\] vs\. \[2,2,3\]/);
    assert.doesNotMatch(failed, /[\r\n]/);
    await c.call('AI.TENSORSET', 'ints', 'INT32', 2, 2, 'VALUES', 1, 2, 3, 4);
    assert.match(message(await c.call('AI.MODELEXECUTE', 'g', 'INPUTS', 2, 'ints', 'a', 'OUTPUTS', 1, 'nope')), /int|float/i);
    const stats = (await c.call('AI.INFO', 'g')) as Parsed[];
    assert.equal(stats[stats.indexOf('errors') + 1], 2);
  });

  it('never crashes on garbage: every kind of wrong blob is refused and the backend still runs', async () => {
    const garbage = [
      Buffer.from('not a graph at all'), Buffer.alloc(4096, 0xff), GRAPH.subarray(0, GRAPH.length >> 1),
      fixture('mnist.onnx'), fixture('mnist_model_quant.tflite'), fixture('pt-minimal.pt'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]),
    ];
    for (const blob of garbage) {
      const reply = await c.call('AI.MODELSTORE', 'junk', 'TF', 'CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', blob);
      assert.ok(reply instanceof Error, `refused a ${blob.length}-byte blob`);
    }
    assert.equal(await c.call('AI.MODELEXECUTE', 'g', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'y'), 'OK');
  });

  it('runs graph_v2.pb (Keras) and creditcardfraud.pb (two inputs, softmax)', async () => {
    await c.call('AI.MODELSTORE', 'v2', 'TF', 'CPU', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'Identity', 'BLOB', fixture('graph_v2.pb'));
    await c.call('AI.TENSORSET', 'zeros', 'FLOAT', 1, 28, 28, 'BLOB', Buffer.alloc(784 * 4));
    assert.equal(await c.call('AI.MODELEXECUTE', 'v2', 'INPUTS', 1, 'zeros', 'OUTPUTS', 1, 'v2_out'), 'OK');
    const [, , , shape, , values] = (await c.call('AI.TENSORGET', 'v2_out', 'META', 'VALUES')) as [string, string, string, number[], string, string[]];
    assert.deepEqual(shape, [1, 10]);
    for (const v of values.map(Number)) assert.ok(Math.abs(v - 0.1) < 1e-3, `${v} ≈ 0.1`);

    await c.call('AI.MODELSTORE', 'fraud', 'TF', 'CPU', 'INPUTS', 2, 'transaction', 'reference', 'OUTPUTS', 1, 'output', 'BLOB', fixture('creditcardfraud.pb'));
    const transaction = Array.from({ length: 30 }, (_, i) => Math.sin(i));
    await c.call('AI.TENSORSET', 'transaction', 'FLOAT', 1, 30, 'VALUES', ...transaction);
    await c.call('AI.TENSORSET', 'reference', 'FLOAT', 256, 'BLOB', Buffer.alloc(256 * 4));
    assert.equal(await c.call('AI.MODELEXECUTE', 'fraud', 'INPUTS', 2, 'transaction', 'reference', 'OUTPUTS', 1, 'fraud_out'), 'OK');
    const [, , , fraudShape, , probabilities] = (await c.call('AI.TENSORGET', 'fraud_out', 'META', 'VALUES')) as [string, string, string, number[], string, string[]];
    assert.deepEqual(fraudShape, [1, 2]);
    const p = probabilities.map(Number);
    assert.ok(p.every((x) => x >= 0 && x <= 1) && Math.abs(p[0] + p[1] - 1) < 1e-5, `softmax ${p}`);
  });

  it('passes STRING tensors through a string graph, alone and batched', async () => {
    const graph = await tfStringIdentityGraph();
    await c.call('AI.MODELSTORE', 'words', 'TF', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'y', 'BLOB', graph);
    // Longer than TF_TString's inline size too (22 bytes).
    await c.call('AI.TENSORSET', 'w1', 'STRING', 1, 2, 'VALUES', 'héllo', 'a string well past twenty-two bytes');
    await c2.call('AI.TENSORSET', 'w2', 'STRING', 1, 2, 'VALUES', '', 'zz');
    const replies = await Promise.all([
      c.call('AI.MODELEXECUTE', 'words', 'INPUTS', 1, 'w1', 'OUTPUTS', 1, 'w1_out'),
      c2.call('AI.MODELEXECUTE', 'words', 'INPUTS', 1, 'w2', 'OUTPUTS', 1, 'w2_out'),
    ]);
    assert.deepEqual(replies, ['OK', 'OK']);
    assert.deepEqual(await c.call('AI.TENSORGET', 'w1_out', 'META', 'VALUES'),
      ['dtype', 'STRING', 'shape', [1, 2], 'values', ['héllo', 'a string well past twenty-two bytes']]);
    assert.deepEqual(await c.call('AI.TENSORGET', 'w2_out', 'VALUES'), ['', 'zz']);
    assert.match(await info(), /ai_queue_CPU_batches:[1-9]/);
  });

  it('batches: scalar outputs are shared, an output that loses the batch fails it with the TF text', async () => {
    const graph = await tfBatchShapesGraph();
    await c.call('AI.MODELSTORE', 'shapes', 'TF', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'double', 'total', 'BLOB', graph);
    await c.call('AI.TENSORSET', 'r1', 'FLOAT', 1, 2, 'VALUES', 1, 2);
    await c2.call('AI.TENSORSET', 'r2', 'FLOAT', 1, 2, 'VALUES', 10, 20);
    const both = (key: string) => Promise.all([
      c.call('AI.MODELEXECUTE', key, 'INPUTS', 1, 'r1', 'OUTPUTS', 2, 'd1', 't1'),
      c2.call('AI.MODELEXECUTE', key, 'INPUTS', 1, 'r2', 'OUTPUTS', 2, 'd2', 't2'),
    ]);
    assert.deepEqual(await both('shapes'), ['OK', 'OK']);
    assert.deepEqual(await c.call('AI.TENSORGET', 'd1', 'VALUES'), ['2', '4']);
    assert.deepEqual(await c.call('AI.TENSORGET', 'd2', 'VALUES'), ['20', '40']);
    // One run saw both rows: each request gets the whole scalar.
    assert.deepEqual(await c.call('AI.TENSORGET', 't1', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [], 'values', ['33']]);
    assert.deepEqual(await c.call('AI.TENSORGET', 't2', 'VALUES'), ['33']);

    await c.call('AI.MODELSTORE', 'folding', 'TF', 'CPU', 'BATCHSIZE', 2, 'MINBATCHSIZE', 2, 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'folded', 'total', 'BLOB', graph);
    for (const reply of await both('folding')) {
      assert.equal(message(reply), 'ERR Tensorflow batching error: model did not generate the expected batch size');
    }
  });

  it('runs the seed pipeline from one client: a TorchScript script normalises an image, the TF model reads it', async () => {
    const redis = new Redis({ port });
    try {
      await redis.call('AI.MODELSTORE', 'mnist_tf', 'TF', 'CPU', 'INPUTS', '1', 'x', 'OUTPUTS', '1', 'Identity', 'BLOB', fixture('graph_v2.pb'));
      await redis.call('AI.SCRIPTSTORE', 'pre', 'CPU', 'ENTRY_POINTS', '1', 'normalise', 'SOURCE',
        'def normalise(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0].float().div(255).reshape(1, 28, 28)\n');
      const raw = fixture('one.raw');
      const pixels = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
      const image = Buffer.from(Uint8Array.from(pixels, (v) => Math.round(v * 255)));
      await redis.call('AI.TENSORSET', 'image', 'UINT8', '28', '28', 'BLOB', image);
      const reply = await redis.call('AI.DAGEXECUTE', 'LOAD', '1', 'image', '|>',
        'AI.SCRIPTEXECUTE', 'pre', 'normalise', 'INPUTS', '1', 'image', 'OUTPUTS', '1', 'normalised', '|>',
        'AI.MODELEXECUTE', 'mnist_tf', 'INPUTS', '1', 'normalised', 'OUTPUTS', '1', 'scores', '|>',
        'AI.TENSORGET', 'scores', 'VALUES') as unknown[];
      assert.deepEqual(reply.slice(0, 2), ['OK', 'OK']);
      const viaPipeline = (reply[2] as string[]).map(Number);
      // The same model on the same pixels normalised here gives the same scores.
      await redis.call('AI.TENSORSET', 'direct', 'FLOAT', '1', '28', '28', 'BLOB',
        Buffer.from(Float32Array.from(image, (v) => v / 255).buffer));
      await redis.call('AI.MODELEXECUTE', 'mnist_tf', 'INPUTS', '1', 'direct', 'OUTPUTS', '1', 'direct_scores');
      const direct = ((await redis.call('AI.TENSORGET', 'direct_scores', 'VALUES')) as string[]).map(Number);
      assert.equal(viaPipeline.length, 10);
      viaPipeline.forEach((v, i) => assert.ok(Math.abs(v - direct[i]) < 1e-6, `score ${i}: ${v} vs ${direct[i]}`));
    } finally {
      redis.disconnect();
    }
  });

  it('honours INTRA_OP_PARALLELISM / INTER_OP_PARALLELISM', async () => {
    const tuned = await startServer({ ai: { intraOpParallelism: 1, interOpParallelism: 1 } });
    const t = await RawClient.connect(tuned.port);
    try {
      assert.match(String(await t.call('INFO', 'MODULES')), /ai_inter_op_parallelism:1\r\nai_intra_op_parallelism:1/);
      await t.call('AI.MODELSTORE', 'g1', 'TF', 'CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', GRAPH);
      await t.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 5, 6);
      assert.equal(await t.call('AI.MODELEXECUTE', 'g1', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'y'), 'OK');
      assert.deepEqual(await t.call('AI.TENSORGET', 'y', 'VALUES'), ['25', '36']);
    } finally {
      await t.close();
      await tuned.server.close();
    }
  });
});
