import { strict as assert } from 'node:assert';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServerProcess } from '../helpers/servers';
import { multiOutputModel, slowModel } from '../helpers/torchModels';

let port: number;
let stop: () => Promise<void>;
// Rounds of the slow model: a few hundred milliseconds here, far longer than a PING round trip.
const ROUNDS = 600;

beforeAll(async () => {
  ({ port, stop } = await startServerProcess());
  const c = await RawClient.connect(port);
  assert.equal(await c.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel()), 'OK');
  assert.equal(await c.call('AI.MODELSTORE', 'multi', 'TORCH', 'CPU', 'BLOB', await multiOutputModel()), 'OK');
  await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', -1, 2);
  await c.call('AI.TENSORSET', 'rounds', 'INT64', 'VALUES', ROUNDS);
  await c.close();
});
afterAll(async () => {
  await stop();
});

const slowRun = (client: RawClient, out: string, ...extra: Array<string | number>) =>
  client.call('AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'rounds', 'OUTPUTS', 1, out, ...extra);

describe('execution off the event loop', () => {
  it('answers PING while a model runs (PING replies before the model does)', async () => {
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    const order: string[] = [];
    const model = slowRun(a, 'slow_out').then((r) => order.push(`model:${r}`));
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 5; i++) order.push(`ping:${await b.call('PING')}`);
    await model;
    assert.deepEqual(order, ['ping:PONG', 'ping:PONG', 'ping:PONG', 'ping:PONG', 'ping:PONG', 'model:OK']);
    assert.deepEqual(await b.call('AI.TENSORGET', 'slow_out', 'VALUES'), ['-1', '2']);
    await a.close();
    await b.close();
  });

  it('drops a run that waited in its queue past TIMEOUT, replying TIMEDOUT', async () => {
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    const busy = slowRun(a, 'busy_out');
    await new Promise((r) => setTimeout(r, 20));
    // Queued behind the slow run on the single CPU thread, so it waits far longer than 1 ms.
    assert.equal(await b.call('AI.MODELEXECUTE', 'multi', 'INPUTS', 1, 'x', 'OUTPUTS', 3, 't1', 't2', 't3', 'TIMEOUT', 1), 'TIMEDOUT');
    assert.equal(await b.call('EXISTS', 't1'), 0);
    assert.equal(await busy, 'OK');
    await a.close();
    await b.close();
  });

  it('survives a client that disconnects while its run is queued or running', async () => {
    const quitter = await RawClient.connect(port);
    void slowRun(quitter, 'orphan_running');
    void slowRun(quitter, 'orphan_queued');
    await new Promise((r) => setTimeout(r, 20));
    quitter.destroy();
    const c = await RawClient.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    // A later run on the same queue completes: the orphaned ones neither crashed nor stalled it.
    assert.equal(await c.call('AI.MODELEXECUTE', 'multi', 'INPUTS', 1, 'x', 'OUTPUTS', 3, 'm1', 'm2', 'm3'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'orphan_running', 'VALUES'), ['-1', '2'], 'results of a disconnected client are still written');
    await c.close();
  });

  it('gives each device string its own queue: a run on CPU:1 passes one still running on CPU', async () => {
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    assert.equal(await b.call('AI.MODELSTORE', 'multi1', 'TORCH', 'CPU:1', 'BLOB', await multiOutputModel()), 'OK');
    const order: string[] = [];
    const slow = slowRun(a, 'cpu0_out').then(() => order.push('CPU'));
    await new Promise((r) => setTimeout(r, 20));
    await b.call('AI.MODELEXECUTE', 'multi1', 'INPUTS', 1, 'x', 'OUTPUTS', 3, 'q1', 'q2', 'q3').then(() => order.push('CPU:1'));
    await slow;
    assert.deepEqual(order, ['CPU:1', 'CPU']);
    assert.match(String(await b.call('INFO', 'MODULES')), /ai_queue_CPU:1_bthread_n1_used_cpu_total:/);
    await a.close();
    await b.close();
  });

  it('writes several outputs of different dtypes and ranks', async () => {
    const c = await RawClient.connect(port);
    assert.deepEqual((await c.call('AI.MODELGET', 'multi', 'META') as Parsed[]).slice(10, 14), ['inputs', ['x'], 'outputs', ['', '', '']]);
    assert.equal(await c.call('AI.MODELEXECUTE', 'multi', 'INPUTS', 1, 'x', 'OUTPUTS', 3, 'd', 's', 'p'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'd', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [2], 'values', ['-2', '4']]);
    assert.deepEqual(await c.call('AI.TENSORGET', 's', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [], 'values', ['1']]);
    assert.deepEqual(await c.call('AI.TENSORGET', 'p', 'META', 'VALUES'), ['dtype', 'BOOL', 'shape', [2], 'values', [0, 1]]);
    await c.close();
  });
});
