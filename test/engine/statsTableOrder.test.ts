import { strict as assert } from 'node:assert';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Server } from '../../src';
import { siphash12, StatsTableOrder } from '../../src/engine/StatsTableOrder';
import { RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

describe('StatsTableOrder (RedisAI\'s _MODELSCAN / _SCRIPTSCAN order)', () => {
  it('hashes as Redis\'s siphash() (SipHash-1-2) under RedisAI\'s all-zero seed', () => {
    // From an independent Python port of RedisAI's src/util/siphash.c.inc.
    assert.equal(siphash12(Buffer.from('m')), 0xea72db90d7b8d47dn);
    assert.equal(siphash12(Buffer.from('pt_model')), 0x0fd9c82ca08263a1n);
    assert.equal(siphash12(Buffer.from('a-longer-key-of-19')), 0x753857a94a9b26c8n);
  });

  it('lists buckets in order, newest first in a bucket; grows past 4 entries, never shrinks', () => {
    const order = new StatsTableOrder();
    for (let i = 1; i <= 6; i++) order.insert(`model:${i}`);
    assert.deepEqual(order.names(), ['model:6', 'model:5', 'model:2', 'model:1', 'model:3', 'model:4']);
    order.delete('model:3');
    order.delete('model:2');
    order.insert('model:2'); // stored again: a new entry at the head of its bucket
    assert.deepEqual(order.names(), ['model:6', 'model:2', 'model:5', 'model:1', 'model:4']);
  });
});

describe('AI._MODELSCAN and AI._SCRIPTSCAN order on the wire', () => {
  let server: Server;
  let c: RawClient;
  beforeAll(async () => {
    const started = await startServer();
    server = started.server;
    c = await RawClient.connect(started.port);
  });
  afterAll(async () => {
    await c.close();
    await server.close();
  });

  it('is the order redisai-py\'s own test_model_scan and test_script_scan expect', async () => {
    const graph = fixture('graph.pb');
    assert.equal(await c.call('AI.MODELSTORE', 'm', 'TF', 'CPU', 'TAG', 'v1.2', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', graph), 'OK');
    assert.equal(await c.call('AI.MODELSTORE', 'pt_model', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    assert.deepEqual(await c.call('AI._MODELSCAN'), [['pt_model', ''], ['m', 'v1.2']]);
    const source = 'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n';
    assert.equal(await c.call('AI.SCRIPTSET', 'ket1', 'CPU', 'TAG', 'v1.0', 'SOURCE', source), 'OK');
    assert.equal(await c.call('AI.SCRIPTSET', 'ket2', 'CPU', 'SOURCE', source), 'OK');
    assert.deepEqual(await c.call('AI._SCRIPTSCAN'), [['ket1', 'v1.0'], ['ket2', '']]);
    // Deleting a model takes it off the list; the others keep their places.
    assert.equal(await c.call('AI.MODELDEL', 'm'), 'OK');
    assert.deepEqual(await c.call('AI._MODELSCAN'), [['pt_model', '']]);
  });
});
