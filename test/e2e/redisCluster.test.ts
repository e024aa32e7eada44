// --store redis+cluster://…: nodes compute against a real Redis Cluster (3 primaries with 2
// replicas each, started here), keep Redis Cluster's one-slot rule for a command's tensor keys,
// fan whole-keyspace commands out to every primary, and serve again after a primary dies.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { fixture } from '../helpers/fixtures';
import { RawClient } from '../helpers/RawClient';
import { ask, startRedisCluster, waitUntil } from '../helpers/redisTopologies';
import { startServer } from '../helpers/servers';

const CROSSSLOT = "ERR CROSSSLOT Keys in request don't hash to the same slot";

function text(reply: unknown): string {
  return reply instanceof Error ? reply.message : String(reply);
}

describe('nodes on a real Redis Cluster (--store redis+cluster://)', () => {
  it('keeps a command\'s tensor keys in one slot (models and scripts exempt), and sees the whole keyspace', async () => {
    const { url } = await startRedisCluster(3, 1);
    const { port } = await startServer({ store: { url, commandTimeoutMs: 2000 } });
    const node = await RawClient.connect(port);
    // m and {u}… hash to different slots (as do a and b): the model key is exempt, tensors are not.
    assert.equal(await node.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    assert.equal(await node.call('AI.TENSORSET', '{u}a', 'FLOAT', 2, 'VALUES', 1, 2), 'OK');
    assert.equal(await node.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, '{u}a', '{u}a', 'OUTPUTS', 1, '{u}c'), 'OK');
    assert.deepEqual(await node.call('AI.TENSORGET', '{u}c', 'VALUES'), ['2', '4']);
    assert.equal(await node.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2), 'OK');
    assert.equal(text(await node.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', '{u}a', 'OUTPUTS', 1, '{u}d')), CROSSSLOT);
    assert.equal(text(await node.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, '{u}a', '{u}a', 'OUTPUTS', 1, 'b')), CROSSSLOT);
    assert.equal(await node.call('EXISTS', '{u}d'), 0, 'nothing ran');
    assert.equal(text(await node.call('AI.DAGEXECUTE', 'LOAD', 1, '{u}a', 'PERSIST', 1, 'b', '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, '{u}a', '{u}a', 'OUTPUTS', 1, 'b')), CROSSSLOT);
    const source = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    redis.execute("SET", keys[0], "1")\n    return tensors[0]\n';
    assert.equal(await node.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', source), 'OK');
    assert.equal(text(await node.call('AI.SCRIPTEXECUTE', 's', 'f', 'KEYS', 1, 'k', 'INPUTS', 1, '{u}a', 'OUTPUTS', 1, '{u}e')), CROSSSLOT);
    assert.equal(await node.call('AI.SCRIPTEXECUTE', 's', 'f', 'KEYS', 1, '{u}k', 'INPUTS', 1, '{u}a', 'OUTPUTS', 1, '{u}e'), 'OK');
    assert.equal(await node.call('GET', '{u}k'), '1');

    // Keys all over the slots: KEYS, DBSIZE and SCAN see every primary's.
    for (let i = 0; i < 40; i++) assert.equal(await node.call('AI.TENSORSET', `t${i}`, 'INT8', 1, 'VALUES', i), 'OK');
    const total = 40 + 7; // m, s, {u}a, {u}c, a, {u}k, {u}e
    assert.equal(await node.call('DBSIZE'), total);
    assert.equal((await node.call('KEYS', 't*') as string[]).length, 40);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await node.call('SCAN', cursor, 'COUNT', 5) as [string, string[]];
      keys.forEach((k) => seen.add(k));
      cursor = next;
    } while (cursor !== '0');
    assert.equal(seen.size, total);
    // Models on several primaries: _MODELSCAN lists them all, from a node that loaded none of them.
    for (const key of ['m2', 'm3', 'm4', 'm5']) assert.equal(await node.call('AI.MODELSTORE', key, 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
    const { port: other } = await startServer({ store: { url, commandTimeoutMs: 2000 } });
    const listed = (await (await RawClient.connect(other)).call('AI._MODELSCAN') as string[][]).map(([key]) => key).sort();
    assert.deepEqual(listed, ['m', 'm2', 'm3', 'm4', 'm5']);
    assert.equal(await node.call('FLUSHALL'), 'OK');
    assert.equal(await node.call('DBSIZE'), 0);
  }, 90_000);

  it('serves again after kill -9 of a primary under load, losing no write acknowledged with --redis-wait', async () => {
    const { nodes, url } = await startRedisCluster(3, 2);
    const fleet = [
      await startServer({ store: { url, waitReplicas: 1, waitTimeoutMs: 1000, commandTimeoutMs: 1000 } }),
      await startServer({ store: { url, waitReplicas: 1, waitTimeoutMs: 1000, commandTimeoutMs: 1000 } }),
    ];
    const clients = await Promise.all(fleet.map((n) => RawClient.connect(n.port)));
    const model = fixture('pt-minimal.pt');
    assert.equal(await clients[0].call('AI.MODELSTORE', '{load}m', 'TORCH', 'CPU', 'BLOB', model), 'OK');
    const acknowledged = new Map<string, number>();
    let killedAt = 0;
    const servedAgainAfterKill: number[] = [0, 0];
    let stop = false;
    const load = clients.map(async (client, c) => {
      for (let i = 0; !stop; i++) {
        const key = `{load}n${c}-${i}`;
        const started = Date.now();
        const reply = await client.call('AI.TENSORSET', key, 'INT32', 1, 'VALUES', i);
        const executed = reply === 'OK' ? await client.call('AI.MODELEXECUTE', '{load}m', 'INPUTS', 2, key, key, 'OUTPUTS', 1, `${key}:out`) : reply;
        if (reply === 'OK') acknowledged.set(key, i);
        if (executed === 'OK') acknowledged.set(`${key}:out`, 2 * i);
        if (killedAt > 0 && started > killedAt && executed === 'OK' && servedAgainAfterKill[c] === 0) servedAgainAfterKill[c] = Date.now() - killedAt;
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    // The primary that owns {load}'s slot.
    const slot = Number(await ask(nodes[0].port, 'CLUSTER', 'KEYSLOT', '{load}'));
    const ranges = await ask(nodes[0].port, 'CLUSTER', 'SLOTS') as Array<[number, number, [string, number]]>;
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    const victim = nodes.find((n) => n.port === owner)!;
    const beforeKill = acknowledged.size;
    assert.ok(beforeKill > 0, 'the load ran before the kill');
    victim.kill();
    killedAt = Date.now();
    // Served again at all (as in the Sentinel test: no assertion on how fast; 30 s only bounds the
    // test, past a command's own 20 s failover deadline).
    await waitUntil('both nodes serve again', async () => servedAgainAfterKill.every((t) => t > 0), 30_000);
    stop = true;
    await Promise.all(load);
    // Every acknowledged write is there, on the promoted replica.
    const reader = await RawClient.connect(fleet[1].port);
    for (const [key, value] of acknowledged) {
      assert.deepEqual(await reader.call('AI.TENSORGET', key, 'VALUES'), [value], `${key} was acknowledged`);
    }
    assert.deepEqual(await reader.call('KEYS', 'stormbreaker:*'), [], 'no chunk or temporary keys');
  }, 120_000);
});
