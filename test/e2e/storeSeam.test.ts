// The store seam a store elsewhere (a real Redis: its own issue) fills: before a command or DAG
// runs, the server hands the store every key it names (Command.keysOf) to fetch in one round
// trip; the command runs on what was fetched; its writes go in one more before the reply. The
// BatchCheckingKeyspace answers each call after a real loop turn and notes any key touched that
// no command in flight declared: a remote store would have needed a further round trip there.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { Engine, Tensor } from '../../src';
import { BatchCheckingKeyspace } from '../helpers/BatchCheckingKeyspace';
import { comparable, SCRIPT, STEPS } from '../helpers/commandCorpus';
import { fixture } from '../helpers/fixtures';
import { RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';

describe('the store seam: one fetch and one write per command', () => {
  it('declares every key each command reads or writes, and each command is one load and one flush, with the same replies as the embedded store', async () => {
    const checking = new BatchCheckingKeyspace();
    const embedded = await startServer();
    const batched = await startServer({ engine: new Engine({ keyspace: checking }) });
    const e = await RawClient.connect(embedded.port);
    const b = await RawClient.connect(batched.port);
    try {
      for (const step of STEPS) {
        const [loads, flushes] = [checking.loads, checking.flushes];
        const expected = await e.call(...step.args);
        const reply = await b.call(...step.args);
        const what = step.args.slice(0, 3).map(String).join(' ');
        assert.deepEqual(comparable(step, reply), comparable(step, expected), `${what}: the same reply as the embedded store`);
        // MULTI queues without running anything: the queued commands are EXEC's batch.
        const inTransaction = ['SET', 'AI.TENSORSET', 'INCR'].includes(String(step.args[0])) && reply === 'QUEUED';
        // A command that names no key (MULTI) has nothing to fetch or write: it makes no batch.
        const keyless = step.args[0] === 'MULTI';
        const batches = inTransaction || keyless ? 0 : 1;
        assert.equal(checking.loads - loads, batches, `${what}: ${batches} fetch(es)`);
        assert.equal(checking.flushes - flushes, batches, `${what}: ${batches} write(s)`);
        assert.deepEqual(checking.undeclared, [], `${what}: touched only keys it declared`);
      }
    } finally {
      e.close();
      b.close();
    }
  });

  it('lets other clients\' commands run while one waits for its fetch, each still seeing its own writes in order', async () => {
    const checking = new BatchCheckingKeyspace();
    const { port } = await startServer({ engine: new Engine({ keyspace: checking }) });
    const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(port)));
    try {
      await Promise.all(clients.map(async (c, i) => {
        for (let n = 1; n <= 20; n++) {
          assert.equal(await c.call('AI.TENSORSET', `t${i}`, 'INT32', 1, 'VALUES', n), 'OK');
          assert.deepEqual(await c.call('AI.TENSORGET', `t${i}`, 'VALUES'), [n]);
          assert.equal(typeof await c.call('INCR', 'shared'), 'number');
        }
      }));
      assert.equal(await clients[0].call('GET', 'shared'), '80', 'no increment lost while batches interleaved');
      assert.equal(checking.loads, 4 * 20 * 3 + 1, 'one fetch per command');
      assert.equal(checking.flushes, checking.loads, 'every fetch was followed by its write');
      assert.deepEqual(checking.undeclared, []);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('batches the library\'s calls that name keys the same way: runModel, executeModel, executeScript, runScript and a DAG', async () => {
    const checking = new BatchCheckingKeyspace();
    const engine = new Engine({ keyspace: checking });
    // Set-up through the synchronous calls, which only a store with everything at hand can serve.
    engine.setTensor('a', Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT'));
    await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: fixture('pt-minimal.pt') });
    await engine.storeScript('s', { device: 'CPU', source: SCRIPT, entryPoints: ['add', 'keyed', 'via_model'] });
    const a = engine.getTensor('a');
    checking.undeclared.length = 0;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['runModel', () => engine.runModel('m', [a, a])],
      ['executeModel', () => engine.executeModel('m', ['a', 'a'], ['b'])],
      ['executeScript', () => engine.executeScript('s', 'add', { inputs: [Buffer.from('a'), Buffer.from('b')], outputs: [Buffer.from('c')] })],
      ['runScript', () => engine.runScript('s', 'via_model', [Tensor.fromArray([1, 2], 'FLOAT')], { keys: ['m'] })],
      ['dag', () => engine.dag({ load: ['a'], persist: ['d'] }).modelExecute('m', ['a', 'a'], ['x']).scriptExecute('s', 'add', { inputs: ['x', 'a'], outputs: ['d'] }).run()],
    ];
    for (const [what, call] of calls) {
      const [loads, flushes] = [checking.loads, checking.flushes];
      await call();
      assert.equal(checking.loads - loads, 1, `${what}: one fetch`);
      assert.equal(checking.flushes - flushes, 1, `${what}: one write`);
      assert.deepEqual(checking.undeclared, [], `${what}: touched only keys it declared`);
    }
    // A call that fails still ends its batch: the store gets its flush, and nothing is left declared.
    const [loads, flushes] = [checking.loads, checking.flushes];
    await assert.rejects(engine.executeModel('nomodel', ['a'], ['q']), { message: 'ERR model key is empty' });
    assert.equal(checking.loads - loads, 1, 'the failing call fetched once');
    assert.equal(checking.flushes - flushes, 1, 'and still flushed');
    checking.undeclared.length = 0;
    assert.deepEqual(engine.getTensor('d').toArray(), [3, 6, 9, 12], 'the DAG persisted (a + a) + a');
  });
});
