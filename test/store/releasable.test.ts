// A tensor that AI.TENSORSET stored from a client's bytes, and that only the in-memory store has
// held since, gives its memory back when the store drops it (Tensor.releasable), instead of when
// the garbage collector finds it; one the store handed out stays whole for whoever holds it.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { native } from '../../src/native';
import { MemoryKeyspace } from '../../src/store/MemoryKeyspace';
import { Tensor } from '../../src/tensor/Tensor';
import { RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';

const MIB = 1 << 20;

function pattern(seed: number): Buffer {
  const b = Buffer.alloc(MIB);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('tensors only the store held', () => {
  it('give their memory back as their key is overwritten or deleted', async () => {
    const { server, port } = await startServer();
    if (server.storeBacked) return; // a Redis-backed node gives nothing back early: its values may be on their way to Redis
    const c = await RawClient.connect(port);
    const blob = pattern(1);
    assert.equal(await c.call('AI.TENSORSET', 'k', 'UINT8', String(MIB), 'BLOB', blob), 'OK');
    const before = native.poolStats();
    // Twenty overwrites, 20 MiB: well under what would make V8 collect (64 MiB of external memory),
    // so only an early release can put the old tensors' buffers back for the next upload.
    for (let i = 0; i < 20; i++) assert.equal(await c.call('AI.TENSORSET', 'k', 'UINT8', String(MIB), 'BLOB', blob), 'OK');
    const after = native.poolStats();
    assert.ok(after.misses - before.misses <= 2, `uploads took fresh memory ${after.misses - before.misses} times in 20`);
    assert.ok(after.hits - before.hits >= 18);
    const cached = native.poolStats().cachedBuffers;
    assert.equal(await c.call('DEL', 'k'), 1);
    assert.equal(native.poolStats().cachedBuffers, cached + 1, 'a deleted tensor is back in the pool at once');
    await c.close();
  });

  it('are still the store\'s alone after a metrics scrape, which only looks at their size', async () => {
    const { server, port } = await startServer({ metricsPort: 0 });
    if (server.storeBacked) return;
    const c = await RawClient.connect(port);
    assert.equal(await c.call('AI.TENSORSET', 'k', 'UINT8', String(MIB), 'BLOB', pattern(1)), 'OK');
    const scrape = await (await fetch(`http://127.0.0.1:${server.metricsListeningPort}/metrics`)).text();
    assert.match(scrape, /stormbreaker_value_bytes\{kind="tensor"\} 1048576/);
    const cached = native.poolStats().cachedBuffers;
    assert.equal(await c.call('DEL', 'k'), 1);
    assert.equal(native.poolStats().cachedBuffers, cached + 1, 'the scraped tensor went back to the pool when deleted');
    await c.close();
  });

  it('stay whole for a caller that read them out before the key was overwritten', async () => {
    const { server, port } = await startServer();
    const c = await RawClient.connect(port, { returnBuffers: true });
    const first = pattern(3);
    const ok = async (blob: Buffer) => assert.equal(String(await c.call('AI.TENSORSET', 'k', 'UINT8', String(MIB), 'BLOB', blob)), 'OK');
    await ok(first);
    const held = server.storeBacked ? undefined : server.engine.getTensor('k');
    // Two more uploads: had the first tensor's memory gone back to the pool, one of them would be
    // written into it.
    await ok(pattern(5));
    await ok(pattern(9));
    if (held !== undefined) assert.ok(Buffer.from(held.bytes).equals(first), 'the tensor read out still holds its bytes');
    assert.ok((await c.call('AI.TENSORGET', 'k', 'BLOB') as Buffer).equals(pattern(9)));
    await c.close();
  });

  it('are the store\'s alone until it hands them out: get ends that, peek does not', () => {
    const keyspace = new MemoryKeyspace();
    const make = (seed: number) => {
      const t = Tensor.fromBlob('UINT8', [MIB], pattern(seed));
      t.releasable = true;
      return t;
    };
    const released = (t: Tensor) => {
      try {
        void t.bytes;
        return false;
      } catch {
        return true;
      }
    };
    const a = make(1);
    keyspace.set('a', { kind: 'tensor', tensor: a });
    assert.equal(keyspace.peek('a')?.kind, 'tensor');
    assert.equal(a.releasable, true);
    const b = make(2);
    keyspace.set('a', { kind: 'tensor', tensor: b });
    assert.ok(released(a), 'overwritten while only the store held it: given back');
    assert.equal(keyspace.get('a')?.kind, 'tensor');
    assert.equal(b.releasable, false);
    keyspace.delete('a');
    assert.ok(!released(b) && Buffer.from(b.bytes).equals(pattern(2)), 'handed out before: left whole');
    const c = make(3);
    const d = make(4);
    keyspace.set('c', { kind: 'tensor', tensor: c });
    keyspace.set('d', { kind: 'tensor', tensor: d });
    keyspace.getMany(['d']);
    keyspace.clear();
    assert.ok(released(c) && !released(d));
  });
});
