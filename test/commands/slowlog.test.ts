// SLOWLOG, INFO commandstats / errorstats / replication / cpu: checked against a real redis-server 7
// where Redis defines the reply, and for a command that runs on a device, by its whole time.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startRedisServer, startServer } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';
import { slowModel } from '../helpers/torchModels';

const show = (r: Parsed) => (r instanceof Error ? `error: ${r.message}` : r);


/** An entry without what differs between two servers (id, time, duration, client port). */
const comparable = (entry: Parsed) => {
  const [, , , args, address, name] = entry as Parsed[];
  return [args, String(address).replace(/:\d+$/, ''), name];
};

describe('SLOWLOG', () => {
  it('keeps what Redis keeps of each command, newest first, and answers its subcommands and errors as Redis does', async () => {
    const { port } = await startServer();
    const ours = await RawClient.connect(port);
    const theirs = await RawClient.connect(await startRedisServer());
    closeAfterFile(() => Promise.all([ours.close(), theirs.close()]));
    const many = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const script: Array<Array<string | number>> = [
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'],
      ['SET', 'k', 'v'], ['SET', 'long', 'x'.repeat(300)], ['MSET', ...many.flatMap((a) => [a, a])], ['CLIENT', 'SETNAME', 'tester'], ['GET', 'k'],
    ];
    for (const command of script) await Promise.all([ours.call(...command), theirs.call(...command)]);
    const [a, b] = await Promise.all([ours.call('SLOWLOG', 'GET', 5), theirs.call('SLOWLOG', 'GET', 5)]);
    assert.deepEqual((a as Parsed[]).map(comparable), (b as Parsed[]).map(comparable));
    const [newest] = a as Parsed[][];
    assert.equal(newest.length, 6);
    assert.ok(Number(newest[1]) > 1.7e9 && Number(newest[2]) >= 0, 'a unix time and a duration in µs');
    for (const command of [['SLOWLOG', 'LEN'], ['SLOWLOG', 'GET', 'x'], ['SLOWLOG', 'GET', -2], ['SLOWLOG', 'GET', 1, 2], ['SLOWLOG', 'LEN', 'x'],
      ['SLOWLOG', 'FOO'], ['SLOWLOG'], ['CONFIG', 'SET', 'slowlog-max-len', '-1'], ['CONFIG', 'SET', 'slowlog-log-slower-than', 'x'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '-5'], ['CONFIG', 'SET', 'slowlog-max-len', '2'], ['SLOWLOG', 'LEN'],
      ['CONFIG', 'GET', 'slowlog-max-len'], ['SLOWLOG', 'RESET'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'], ['PING'], ['SLOWLOG', 'LEN']]) {
      const [x, y] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      assert.deepEqual(show(x), show(y), command.join(' '));
    }
  });

  it('counts a command that runs on a device to its reply, so a slow model shows up', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    assert.equal(String(await c.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel())), 'OK');
    await c.call('AI.TENSORSET', 'x', 'FLOAT', 1, 'VALUES', 1);
    await c.call('AI.TENSORSET', 'n', 'INT64', 1, 'VALUES', 2000);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '20000');
    await c.call('SLOWLOG', 'RESET');
    // 2,000 rounds of a 256×256 matmul: far over 20 ms on any machine this runs on.
    assert.equal(String(await c.call('AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'n', 'OUTPUTS', 1, 'y')), 'OK');
    await c.call('AI.TENSORGET', 'y', 'META');
    const entries = (await c.call('SLOWLOG', 'GET')) as Parsed[][];
    assert.equal(entries.length, 1, 'the run is logged, the quick TENSORGET after it is not');
    assert.equal(String((entries[0][3] as Parsed[])[0]), 'AI.MODELEXECUTE');
    assert.ok(Number(entries[0][2]) >= 20000, 'its duration covers the run on the device');
  });
});

describe('INFO commandstats, errorstats, replication and cpu', () => {
  it('use Redis\'s field names and count calls, refusals and failures', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    await c.call('SET', 'k', 'v');
    await c.call('GET', 'k');
    await c.call('GET');
    await c.call('AI.TENSORGET', 'k');
    await c.call('NOPE');
    const commandstats = String(await c.call('INFO', 'commandstats'));
    assert.match(commandstats, /^# Commandstats\r\n/);
    assert.match(commandstats, /\r\ncmdstat_get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0\r\n/);
    assert.match(commandstats, /\r\ncmdstat_ai\.tensorget:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r\n/);
    const errorstats = String(await c.call('INFO', 'errorstats'));
    assert.match(errorstats, /errorstat_ERR:count=2\r\n/);
    assert.match(errorstats, /errorstat_WRONGTYPE:count=1\r\n/);
    assert.match(String(await c.call('INFO', 'stats')), /\r\ntotal_error_replies:3\r\n/);
    const all = String(await c.call('INFO'));
    assert.match(all, /# Replication\r\nrole:master\r\nconnected_slaves:0\r\n/);
    assert.match(all, /\r\nmaster_replid:[0-9a-f]{40}\r\n/);
    assert.match(all, /# CPU\r\nused_cpu_sys:\d+\.\d{6}\r\nused_cpu_user:\d+\.\d{6}\r\n/);
    assert.ok(!all.includes('# Commandstats'), 'commandstats only when asked for, as in Redis');
    assert.ok(String(await c.call('INFO', 'everything')).includes('# Commandstats'));
  });

  it('count keyspace_hits, keyspace_misses and expired_keys as redis-server 7 does', async () => {
    const { port } = await startServer();
    const ours = await RawClient.connect(port);
    const theirs = await RawClient.connect(await startRedisServer());
    closeAfterFile(() => Promise.all([ours.close(), theirs.close()]));
    const figures = async (c: RawClient) => {
      const info = String(await c.call('INFO', 'stats'));
      return ['keyspace_hits', 'keyspace_misses', 'expired_keys'].map((f) => `${f}:${new RegExp(`\r\n${f}:(\\d+)\r\n`).exec(info)?.[1]}`);
    };
    const commands = [
      ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'nope'], ['MGET', 'a', 'nope', 'a'], ['EXISTS', 'a', 'nope'], ['TYPE', 'a'], ['TYPE', 'nope'],
      ['HSET', 'h', 'f', 'v'], ['HGET', 'h', 'f'], ['HGET', 'h', 'x'], ['HGETALL', 'nope'], ['HMGET', 'h', 'f', 'x'], ['HEXISTS', 'h', 'f'], ['HLEN', 'h'],
      ['RPUSH', 'l', 'x'], ['LRANGE', 'l', 0, -1], ['LRANGE', 'nope', 0, -1], ['LLEN', 'l'], ['LINDEX', 'l', 0], ['STRLEN', 'a'], ['TTL', 'a'], ['PTTL', 'nope'],
      ['DEL', 'a'], ['APPEND', 'b', 'x'], ['INCR', 'n'], ['SET', 'e', '1', 'PX', 1],
    ];
    for (const command of commands) await Promise.all([ours.call(...command), theirs.call(...command)]);
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([ours.call('GET', 'e'), theirs.call('GET', 'e')]); // expired: a miss, and expired_keys
    assert.deepEqual(await figures(ours), await figures(theirs));
    // Reads of tensors count too, as RedisAI's module key lookups do.
    await ours.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 1);
    const before = await figures(ours);
    await ours.call('AI.TENSORGET', 't', 'VALUES');
    await ours.call('AI.TENSORGET', 'none', 'VALUES');
    const after = await figures(ours);
    const count = (f: string[], i: number) => Number(f[i].split(':')[1]);
    assert.deepEqual([count(after, 0) - count(before, 0), count(after, 1) - count(before, 1)], [1, 1]);
    await ours.call('CONFIG', 'RESETSTAT');
    assert.deepEqual(await figures(ours), ['keyspace_hits:0', 'keyspace_misses:0', 'expired_keys:0']);
  });

  it('have instantaneous_ops_per_sec and used_memory_peak, as Redis samples them', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    // Four windows of 100 ms with 50 commands or more each: a rate well above zero.
    const until = Date.now() + 400;
    while (Date.now() < until) await Promise.all(Array.from({ length: 50 }, () => c.call('PING')));
    const stats = String(await c.call('INFO', 'stats'));
    const rate = Number(/\r\ninstantaneous_ops_per_sec:(\d+)\r\n/.exec(stats)![1]);
    assert.ok(rate > 100, `${rate} ops/s`);
    const memory = String(await c.call('INFO', 'memory'));
    const used = Number(/\r\nused_memory:(\d+)\r\n/.exec(memory)![1]);
    const peak = Number(/\r\nused_memory_peak:(\d+)\r\n/.exec(memory)![1]);
    assert.ok(peak >= used && used > 0, `peak ${peak}, used ${used}`);
    assert.match(memory, /\r\nused_memory_peak_human:[\d.]+[KMG]\r\n/);
  });

  it('LATENCY answers as redis-server 7 does while monitoring is off, and records a slow model run once it is on', async () => {
    const { port } = await startServer();
    const ours = await RawClient.connect(port);
    const theirs = await RawClient.connect(await startRedisServer());
    closeAfterFile(() => Promise.all([ours.close(), theirs.close()]));
    for (const command of [['LATENCY', 'LATEST'], ['LATENCY', 'DOCTOR'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'RESET'], ['LATENCY', 'FOO'],
      ['LATENCY'], ['LATENCY', 'HISTORY'], ['CONFIG', 'GET', 'latency-monitor-threshold'], ['CONFIG', 'SET', 'latency-monitor-threshold', '-1'],
      ['LATENCY', 'RESET', 'command', 'x']]) {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      assert.deepEqual(show(a), show(b), command.join(' '));
    }
    // Stored before monitoring starts: loading a model may itself pass 10 ms (it does under ASan).
    assert.equal(String(await ours.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel())), 'OK');
    await ours.call('AI.TENSORSET', 'x', 'FLOAT', 1, 'VALUES', 1);
    await ours.call('AI.TENSORSET', 'n', 'INT64', 1, 'VALUES', 500);
    assert.equal(String(await ours.call('CONFIG', 'SET', 'latency-monitor-threshold', '10')), 'OK');
    assert.match(String(await ours.call('LATENCY', 'DOCTOR')), /^Dave, no latency spike was observed/);
    await ours.call('AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'n', 'OUTPUTS', 1, 'y');
    const [[event, time, latest, max]] = (await ours.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
    assert.equal(String(event), 'command');
    assert.ok(Math.abs(Number(time) - Date.now() / 1000) < 5 && Number(latest) >= 10 && Number(max) >= Number(latest));
    assert.equal(((await ours.call('LATENCY', 'HISTORY', 'command')) as unknown[]).length, 1);
    assert.match(String(await ours.call('LATENCY', 'DOCTOR')), /1\. command: 1 latency spikes/);
    assert.equal(await ours.call('LATENCY', 'RESET', 'command'), 1);
    assert.deepEqual(await ours.call('LATENCY', 'LATEST'), []);
  });
});
