// MULTI/EXEC/DISCARD/WATCH/UNWATCH: the plain Redis parts compared reply for reply with a real
// redis-server; RedisAI's parts (tensors inside a transaction, execution commands refused) and
// redis-py's transactional pipeline, its default, against our server.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { Parsed, RawClient } from '../helpers/RawClient';
import { run, startRedisServer, startServer } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

const show = (r: Parsed): unknown => (r instanceof Error ? `error: ${r.message}` : Array.isArray(r) ? r.map(show) : r);

/** Two clients each of our server and of a real redis-server, and a step that sends one command to a pair and compares. */
async function oursAndRedis() {
  const ports = [(await startServer()).port, await startRedisServer()];
  const [ours, theirs] = await Promise.all(ports.map((p) => RawClient.connect(p)));
  const [ours2, theirs2] = await Promise.all(ports.map((p) => RawClient.connect(p)));
  const both = async (first: RawClient, second: RawClient, ...command: Array<string | number>) => {
    const [a, b] = await Promise.all([first.call(...command), second.call(...command)]);
    assert.deepEqual(show(a), show(b), command.join(' '));
  };
  return { ours, theirs, ours2, theirs2, both };
}


describe('transactions past maxmemory', () => {
  it("behave as redis-server's: EXEC of a transaction that may add data aborts whole, refused commands spoil it", async () => {
    const { ours, theirs, ours2, theirs2, both } = await oursAndRedis();
    const steps: Array<[0 | 1, Array<string | number>]> = [
      [0, ['MULTI']], [0, ['SET', 'x', '1']], [0, ['GET', 'x']], [1, ['CONFIG', 'SET', 'maxmemory', '1']], [0, ['EXEC']],
      [0, ['MULTI']], [0, ['GET', 'x']], [0, ['DISCARD']], [0, ['MULTI']], [0, ['WATCH', 'k']], [0, ['EXEC']],
      [0, ['MULTI']], [0, ['PING']], [0, ['EXEC']], [1, ['CONFIG', 'SET', 'maxmemory', '0']],
      [0, ['MULTI']], [0, ['WATCH']], [0, ['EXEC']], [0, ['EXISTS', 'x']],
    ];
    for (const [who, command] of steps) await (who === 0 ? both(ours, theirs, ...command) : both(ours2, theirs2, ...command));
    await Promise.all([ours, theirs, ours2, theirs2].map((c) => c.close()));
  });
});

describe('transactions', () => {
  it('behave as redis-server\'s: queued replies, EXECABORT, errors in order, WATCH from another client, DISCARD', async () => {
    const { ours, theirs, ours2, theirs2, both } = await oursAndRedis();
    const script: Array<Array<string | number>> = [
      ['EXEC'], ['DISCARD'], ['MULTI'], ['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['LPUSH', 'a', 'x'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['SET', 'b', '1'], ['NOSUCHCOMMAND'], ['GET'], ['EXEC'], ['GET', 'b'],
      ['MULTI'], ['SET', 'c', '1'], ['DISCARD'], ['GET', 'c'],
      ['MULTI'], ['WATCH', 'a'], ['DISCARD'],
    ];
    for (const command of script) await both(ours, theirs, ...command);
    // WATCH: a write by another client aborts EXEC (a null array); without one it runs; UNWATCH forgets.
    await both(ours, theirs, 'WATCH', 'w');
    await both(ours2, theirs2, 'SET', 'w', 'changed');
    for (const command of [['MULTI'], ['SET', 'w', 'mine'], ['EXEC'], ['GET', 'w']]) await both(ours, theirs, ...command);
    for (const command of [['WATCH', 'w'], ['MULTI'], ['GET', 'w'], ['EXEC']]) await both(ours, theirs, ...command);
    await both(ours, theirs, 'WATCH', 'w');
    await both(ours2, theirs2, 'SET', 'w', 'again');
    for (const command of [['UNWATCH'], ['MULTI'], ['GET', 'w'], ['EXEC']]) await both(ours, theirs, ...command);
    await Promise.all([ours, theirs, ours2, theirs2].map((c) => c.close()));
  });

  it('take tensor commands, refuse execution commands with RedisAI\'s text, and serve redis-py\'s transactional pipeline', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2), 'QUEUED');
    assert.equal(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'b'), 'QUEUED');
    assert.equal(await c.call('AI.TENSORGET', 'a', 'VALUES'), 'QUEUED');
    assert.deepEqual(show(await c.call('EXEC')), ['OK', 'error: ERR Cannot run RedisAI command within a transaction or a LUA script', ['1', '2']]);
    assert.equal(await c.call('EXISTS', 'b'), 0);
    await c.close();
    const script = `
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
p = r.pipeline()  # transaction=True: MULTI ... EXEC
p.execute_command('AI.TENSORSET', 'p', 'FLOAT', 2, 'VALUES', 3, 4)
p.execute_command('AI.TENSORGET', 'p', 'VALUES')
p.set('plain', 'x')
print(p.execute())
`;
    const r = await run('/usr/bin/python3', ['-c', script, String(port)]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), "[b'OK', [b'3', b'4'], True]");
  });
});
