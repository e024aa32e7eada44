// Snapshots and the append-only log: every kind of value survives a restart, a killed process
// loses no acknowledged write, damage is detected and reported, and old files keep loading.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { Server } from '../../src';
import type { PersistenceOptions } from '../../src/persistence/Persistence';
import { Parsed, RawClient } from '../helpers/RawClient';
import { ROOT, startServer, startServerProcess } from '../helpers/servers';
import { describeEverything, fillEverything, runEverything } from '../helpers/everything';
import { emptyOutputModel } from '../helpers/torchModels';
import { fixture } from '../helpers/fixtures';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-persistence-'));
const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

async function withServer<T>(persistence: Partial<PersistenceOptions>, body: (c: RawClient, server: Server) => Promise<T>,
  extra: Parameters<typeof startServer>[0] = {}): Promise<T> {
  const { server, port } = await startServer({ persistence, ...extra });
  const c = await RawClient.connect(port, { returnBuffers: true });
  try {
    return await body(c, server);
  } finally {
    await c.close();
    await server.close();
    await server.persistence?.shutdown(false);
  }
}

describe('persistence commands', () => {
  it('give clear errors when persistence is off, the log is off, or SHUTDOWN gets a bad option', async () => {
    const plain = await startServer();
    const c = await RawClient.connect(plain.port);
    try {
      for (const command of ['SAVE', 'BGSAVE', 'LASTSAVE', 'BGREWRITEAOF']) {
        assert.equal(message(await c.call(command)), 'ERR persistence is not set up on this server', command);
      }
      assert.equal(message(await c.call('SHUTDOWN', 'SOMETIMES')), 'ERR syntax error');
    } finally {
      await c.close();
      await plain.server.close();
    }
    await withServer({ dir: tempDir() }, async (d) => {
      assert.equal(message(await d.call('BGREWRITEAOF')), 'ERR the append only file is off (start with --appendonly yes)');
    });
  });
});

describe('snapshots', () => {
  it('SAVE, then a new server on the same folder holds every kind of value, byte for byte, and runs them', async () => {
    const dir = tempDir();
    const before = await withServer({ dir }, async (c) => {
      await fillEverything(c);
      assert.equal(String(await c.call('SAVE')), 'OK');
      assert.ok(Number(await c.call('LASTSAVE')) > 0);
      return describeEverything(c);
    });
    assert.ok(fs.existsSync(path.join(dir, 'dump.sbdb')));
    await withServer({ dir }, async (c) => {
      assert.deepEqual(await describeEverything(c), before);
      await runEverything(c);
      // Restored models start with fresh statistics (spec §13).
      const stats = (await c.call('AI.INFO', 'onnx')) as Buffer[];
      assert.equal(stats[stats.findIndex((b) => String(b) === 'calls') + 1], 1);
    });
  });

  it('BGSAVE writes in the background: the server answers while it runs, and memory does not grow by the data', async () => {
    const dir = tempDir();
    await withServer({ dir }, async (c) => {
      // 256 MB takes long enough to write that the INFO below arrives while it is being written.
      const size = 256 * 1024 * 1024;
      const blob = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) blob[i] = i & 0xff; // every page really in memory
      await c.call('AI.TENSORSET', 'big', 'UINT8', size, 'BLOB', blob);
      const before = process.memoryUsage().rss;
      let peak = before;
      assert.equal(String(await c.call('BGSAVE')), 'Background saving started');
      assert.match(String(await c.call('INFO', 'persistence')), /rdb_bgsave_in_progress:1/);
      assert.match(message(await c.call('BGSAVE')), /^ERR Background save already in progress$/);
      while (/rdb_bgsave_in_progress:1/.test(String(await c.call('INFO', 'persistence')))) {
        peak = Math.max(peak, process.memoryUsage().rss);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(String(await c.call('INFO', 'persistence')), /rdb_last_bgsave_status:ok/);
      // The tensor goes to the file from its own memory: no copy of it is made (this process is
      // the server too, so its RSS is the server's).
      assert.ok(peak - before < size / 4, `RSS grew by ${((peak - before) / 2 ** 20).toFixed(0)} MB during the save`);
    });
    assert.ok(fs.statSync(path.join(dir, 'dump.sbdb')).size > 256 * 1024 * 1024);
    await withServer({ dir }, async (c) => assert.deepEqual(await c.call('AI.TENSORGET', 'big', 'META'), [
      Buffer.from('dtype'), Buffer.from('UINT8'), Buffer.from('shape'), [256 * 1024 * 1024]]));
  });

  it('save rules snapshot on their own, and SHUTDOWN of a real server process saves before it exits', async () => {
    const dir = tempDir();
    const { port, child } = await startServerProcess(['--dir', dir, '--save', '1 1']);
    const c = await RawClient.connect(port);
    await c.call('AI.TENSORSET', 'ruled', 'INT8', 1, 'VALUES', 5);
    while (!fs.existsSync(path.join(dir, 'dump.sbdb'))) await new Promise((r) => setTimeout(r, 50));
    await c.call('AI.TENSORSET', 'late', 'INT8', 1, 'VALUES', 6);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await c.call('SHUTDOWN').catch(() => undefined);
    assert.equal(await exited, 0);
    await c.close().catch(() => undefined);
    const again = await startServerProcess(['--dir', dir]);
    const c2 = await RawClient.connect(again.port);
    assert.deepEqual(await c2.call('AI.TENSORGET', 'ruled', 'VALUES'), [5]);
    assert.deepEqual(await c2.call('AI.TENSORGET', 'late', 'VALUES'), [6]);
    await c2.close();
    await again.stop();
  });

  it('keeps empty outputs of models (a dim of 0) through a snapshot and through the log', async () => {
    const blob = await emptyOutputModel();
    for (const options of [{}, { appendonly: true }]) {
      const dir = tempDir();
      await withServer({ dir, ...options }, async (c) => {
        await c.call('AI.MODELSTORE', 'none', 'TORCH', 'CPU', 'BLOB', blob);
        await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 3, 'VALUES', 1, 2, 3, 4, 5, 6);
        assert.equal(String(await c.call('AI.MODELEXECUTE', 'none', 'INPUTS', 1, 'x', 'OUTPUTS', 1, 'found')), 'OK');
        await c.call('SAVE');
      });
      await withServer({ dir, ...options }, async (c) => {
        assert.deepEqual(await c.call('AI.TENSORGET', 'found', 'META', 'VALUES'),
          ['dtype', 'FLOAT', 'shape', [0, 3], 'values', []].map((v) => (typeof v === 'string' ? Buffer.from(v) : v)));
      });
    }
  });

  it('refuses a damaged snapshot with a clear message instead of loading it', async () => {
    const dir = tempDir();
    await withServer({ dir }, async (c) => {
      await c.call('AI.TENSORSET', 't', 'FLOAT', 4, 'VALUES', 1, 2, 3, 4);
      await c.call('SAVE');
    });
    const file = path.join(dir, 'dump.sbdb');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0x55; // one bit pattern inside the tensor's data
    fs.writeFileSync(file, bytes);
    await assert.rejects(startServer({ persistence: { dir } }), /dump\.sbdb: checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the file is damaged/);
    fs.writeFileSync(file, bytes.subarray(0, 40));
    await assert.rejects(startServer({ persistence: { dir } }), /dump\.sbdb: .* at byte \d+/);
    fs.writeFileSync(file, 'not a snapshot at all, just some text');
    await assert.rejects(startServer({ persistence: { dir } }), /not a Stormbreaker snapshot \(bad magic\)/);
  });

  it('keeps loading files written in format version 1', async () => {
    // Written by the version-1 writer and kept unchanged: a later format must still read it.
    const dir = tempDir();
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'snapshot-v1.sbdb'), path.join(dir, 'dump.sbdb'));
    await withServer({ dir }, async (c) => {
      assert.deepEqual(await c.call('AI.TENSORGET', 'f32', 'META', 'VALUES'), [
        Buffer.from('dtype'), Buffer.from('FLOAT'), Buffer.from('shape'), [2, 2], Buffer.from('values'),
        ['1.5', '-2', '3.25', '1.0000000116860974e-07'].map((v) => Buffer.from(v))]);
      assert.deepEqual((await c.call('AI.TENSORGET', 's', 'VALUES') as Buffer[]).map(String), ['héllo', '', 'wörld']);
      assert.deepEqual((await c.call('LRANGE', 'list', 0, -1) as Buffer[]).map(String), ['a', 'b', '\ufffd']);
      assert.equal(Number(await c.call('DBSIZE')), 20);
      await runEverything(c);
    });
  });

  it('keeps a model whose backend cannot load at start-up: MODELGET returns it, runs say why', async () => {
    const dir = tempDir();
    await withServer({ dir }, async (c) => {
      await c.call('AI.MODELSTORE', 'g', 'TF', 'CPU', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', fixture('graph.pb'));
      await c.call('SAVE');
    });
    // In this process TF is already loaded; a server process started with an empty backends
    // folder cannot load it.
    const empty = tempDir();
    const { port, stop } = await startServerProcess(['--dir', dir, '--backendspath', empty]);
    const c = await RawClient.connect(port, { returnBuffers: true });
    try {
      assert.ok((await c.call('AI.MODELGET', 'g', 'BLOB') as Buffer).equals(fixture('graph.pb')));
      await c.call('AI.TENSORSET', 'a', 'FLOAT', 1, 'VALUES', 2);
      assert.match(message(await c.call('AI.MODELEXECUTE', 'g', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'y')),
        /^ERR model g could not be loaded when the server started: ERR Could not load backend TF: .*libstormbreaker_tf\.so not found/);
      await c.call('SAVE');
    } finally {
      await c.close();
      await stop();
    }
    // …and it is still in the next snapshot, whole.
    await withServer({ dir }, async (c) => {
      assert.equal(String(await c.call('AI.MODELEXECUTE', 'g', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'y')), 'OK');
    });
  });
});

/** What the log test writes beyond describeEverything: outputs of runs and a script's writes. */
const extras = async (c: RawClient) => [
  await c.call('AI.TENSORGET', 'sum', 'BLOB'), await c.call('AI.TENSORGET', 'dagged', 'BLOB'),
  await c.call('GET', 'by_script'), await c.call('LRANGE', 'script_list', 0, -1), await c.call('AI.TENSORGET', 'script_out', 'BLOB'),
];

describe('key expiry', () => {
  it('survives a snapshot and the log (both kinds of restart), and a key whose time passed meanwhile is gone', async () => {
    for (const persistence of [{}, { appendonly: true, appendfsync: 'always' as const }]) {
      const dir = tempDir();
      const later = Date.now() + 3_600_000;
      await withServer({ dir, ...persistence }, async (c) => {
        await c.call('SET', 'lasting', 'v', 'PXAT', later);
        await c.call('AI.TENSORSET', 't', 'INT8', 1, 'VALUES', 1);
        await c.call('PEXPIREAT', 't', later);
        await c.call('SET', 'brief', 'v', 'PX', 150);
        await c.call('INCR', 'n');
        await c.call('PEXPIREAT', 'n', later);
        await c.call('INCR', 'n'); // logged as its value: its expiry must be logged again
        await c.call('SET', 'forever', 'v');
        if (!('appendonly' in persistence)) assert.equal(String(await c.call('SAVE')), 'OK');
      });
      await new Promise((r) => setTimeout(r, 200));
      await withServer({ dir, ...persistence }, async (c) => {
        assert.equal(await c.call('PEXPIRETIME', 'lasting'), later, JSON.stringify(persistence));
        assert.equal(await c.call('PEXPIRETIME', 't'), later);
        assert.equal(await c.call('PEXPIRETIME', 'n'), later);
        assert.equal(String(await c.call('GET', 'n')), '2');
        assert.equal(await c.call('TTL', 'forever'), -1);
        assert.equal(await c.call('EXISTS', 'brief'), 0, 'its time passed while the server was down');
        // The log's rewrite keeps the expiries too.
        if ('appendonly' in persistence) {
          await c.call('BGREWRITEAOF');
          while (/aof_rewrite_in_progress:1/.test(String(await c.call('INFO', 'persistence')))) await new Promise((r) => setTimeout(r, 20));
        }
      });
      if ('appendonly' in persistence) {
        await withServer({ dir, ...persistence }, async (c) => {
          assert.equal(await c.call('PEXPIRETIME', 'lasting'), later, 'after the rewrite');
        });
      }
    }
  });
});

describe('list changes in the log', () => {
  it('LSET, LREM and LTRIM replay to the same list', async () => {
    const dir = tempDir();
    const before = await withServer({ dir, appendonly: true, appendfsync: 'always' }, async (c) => {
      await c.call('RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'd');
      await c.call('LSET', 'l', 1, 'B');
      await c.call('LREM', 'l', -1, 'a');
      await c.call('LTRIM', 'l', 1, -1);
      return c.call('LRANGE', 'l', 0, -1);
    });
    assert.deepEqual((before as Buffer[]).map(String), ['B', 'a', 'c', 'd']);
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.deepEqual(await c.call('LRANGE', 'l', 0, -1), before);
    });
  });
});

describe('DEBUG RELOAD', () => {
  it('saves, empties and loads back in place: every kind of value survives, runs, and its statistics start afresh', async () => {
    await withServer({ dir: tempDir() }, async (c) => {
      await fillEverything(c);
      await runEverything(c);
      const before = await describeEverything(c);
      assert.equal(String(await c.call('DEBUG', 'RELOAD')), 'OK');
      assert.deepEqual(await describeEverything(c), before);
      // Reloaded models are new objects: RedisAI's statistics restart with them.
      const stats = (await c.call('AI.INFO', 'onnx')) as Buffer[];
      assert.equal(stats[stats.findIndex((b) => String(b) === 'calls') + 1], 0);
      await runEverything(c);
    });
  });

  it('NOSAVE loads the last snapshot (later writes are gone), NOFLUSH keeps other keys, MERGE lets the snapshot win', async () => {
    await withServer({ dir: tempDir() }, async (c) => {
      await c.call('AI.TENSORSET', 't', 'INT8', 1, 'VALUES', 1);
      await c.call('SAVE');
      await c.call('AI.TENSORSET', 't', 'INT8', 1, 'VALUES', 2);
      await c.call('SET', 'later', 'x');
      assert.equal(String(await c.call('DEBUG', 'RELOAD', 'NOSAVE')), 'OK');
      assert.deepEqual(await c.call('AI.TENSORGET', 't', 'VALUES'), [1]);
      assert.equal(await c.call('EXISTS', 'later'), 0);

      await c.call('SET', 'other', 'kept');
      assert.equal(message(await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH')), 'ERR Error trying to load the RDB dump, check server logs.');
      assert.deepEqual(await c.call('AI.TENSORGET', 't', 'VALUES'), [1], 'a refused reload changes nothing');
      await c.call('AI.TENSORSET', 't', 'INT8', 1, 'VALUES', 3);
      assert.equal(String(await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE')), 'OK');
      assert.deepEqual(await c.call('AI.TENSORGET', 't', 'VALUES'), [1]);
      assert.equal(String(await c.call('GET', 'other')), 'kept');
    });
  });

  it('with the log on, what a reload leaves is what a restart replays', async () => {
    const dir = tempDir();
    const before = await withServer({ dir, appendonly: true, appendfsync: 'always' }, async (c) => {
      await c.call('AI.TENSORSET', 't', 'INT8', 1, 'VALUES', 1);
      await c.call('SAVE');
      await c.call('SET', 'gone', 'x');
      await c.call('DEBUG', 'RELOAD', 'NOSAVE');
      return [await c.call('KEYS', '*'), await c.call('AI.TENSORGET', 't', 'VALUES')];
    });
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.deepEqual([await c.call('KEYS', '*'), await c.call('AI.TENSORGET', 't', 'VALUES')], before);
    });
  });

  it('answers HELP, and refuses other subcommands and options with Redis\'s texts', async () => {
    await withServer({ dir: tempDir() }, async (c) => {
      const help = (await c.call('DEBUG', 'HELP')) as Buffer[];
      assert.ok(help.map(String).includes('RELOAD [option ...]'));
      assert.equal(message(await c.call('DEBUG', 'SEGFAULT')), "ERR unknown subcommand 'SEGFAULT'. Try DEBUG HELP.");
      assert.equal(message(await c.call('DEBUG', 'RELOAD', 'FAST')), 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
      assert.equal(message(await c.call('DEBUG')), "ERR wrong number of arguments for 'debug' command");
    });
  });
});

describe('append-only log', () => {
  it('replays every kind of value, execution effects included, before and after BGREWRITEAOF', async () => {
    const dir = tempDir();
    const before = await withServer({ dir, appendonly: true, appendfsync: 'always' }, async (c) => {
      await fillEverything(c);
      await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 2, 3);
      // Logged as the tensor it wrote, not as a run (spec §13).
      await c.call('AI.MODELEXECUTE', 'torch', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'sum');
      await c.call('AI.DAGEXECUTE', 'LOAD', 1, 'x', 'PERSIST', 1, 'dagged', '|>', 'AI.SCRIPTEXECUTE', 'script', 'bar', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'dagged');
      // A script's own writes are logged as the commands it called.
      await c.call('AI.SCRIPTSTORE', 'writer', 'CPU', 'ENTRY_POINTS', 1, 'w', 'SOURCE',
        'def w(tensors: List[Tensor], keys: List[str], args: List[str]):\n    redis.execute("SET", keys[0], args[0])\n' +
        '    redis.execute("RPUSH", keys[1], "x")\n    return tensors[0]\n');
      assert.equal(String(await c.call('AI.SCRIPTEXECUTE', 'writer', 'w', 'KEYS', 2, 'by_script', 'script_list', 'INPUTS', 1, 'x',
        'ARGS', 1, 'written', 'OUTPUTS', 1, 'script_out')), 'OK');
      assert.equal(String(await c.call('GET', 'by_script')), 'written');
      await c.call('DEL', 'x');
      return [await describeEverything(c), ...await extras(c)];
    });
    const log = fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1');
    assert.ok(!log.includes('AI.MODELEXECUTE') && !log.includes('AI.DAGEXECUTE') && !log.includes('AI.SCRIPTEXECUTE'));
    const replayed = async (c: RawClient) => [await describeEverything(c), ...await extras(c)];
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.deepEqual(await replayed(c), before);
      assert.equal(String(await c.call('BGREWRITEAOF')), 'Background append only file rewriting started');
      // Written while the rewrite runs: must land after the rewritten base.
      await c.call('AI.TENSORSET', 'during', 'INT8', 1, 'VALUES', 9);
      while (/aof_rewrite_in_progress:1/.test(String(await c.call('INFO', 'persistence')))) await new Promise((r) => setTimeout(r, 20));
      await c.call('AI.TENSORSET', 'after', 'INT8', 1, 'VALUES', 10);
    });
    await withServer({ dir, appendonly: true }, async (c) => {
      // The same, and two keys more (DBSIZE is the last thing described).
      const [described, ...tensors] = before as [unknown[], ...unknown[]];
      assert.deepEqual(await replayed(c), [[...described.slice(0, -1), (described.at(-1) as number) + 2], ...tensors]);
      assert.deepEqual(await c.call('AI.TENSORGET', 'during', 'VALUES'), [9]);
      assert.deepEqual(await c.call('AI.TENSORGET', 'after', 'VALUES'), [10]);
      await runEverything(c);
    });
  });

  it('rewrites the log by itself once it has grown past the rewrite thresholds', async () => {
    const dir = tempDir();
    const options = { dir, appendonly: true, autoAofRewritePercentage: 100, autoAofRewriteMinSize: 4096 };
    await withServer(options, async (c) => {
      // The same key written over and over: the log grows, the data does not.
      for (let i = 0; i < 200; i++) await c.call('AI.TENSORSET', 'counter', 'INT32', 1, 'VALUES', i);
      const base = () => c.call('INFO', 'persistence').then((info) => Number(/aof_base_size:(\d+)/.exec(String(info))![1]));
      while ((await base()) === 0) await new Promise((r) => setTimeout(r, 50));
      assert.ok(fs.statSync(path.join(dir, 'appendonly.aof')).size < 4096);
    });
    await withServer(options, async (c) => assert.deepEqual(await c.call('AI.TENSORGET', 'counter', 'VALUES'), [199]));
  });

  it('turning the log on keeps what the snapshot holds, also after a first start that stopped before the log was written', async () => {
    const dir = tempDir();
    await withServer({ dir }, async (c) => {
      await c.call('AI.TENSORSET', 'from_snapshot', 'INT8', 1, 'VALUES', 3);
      await c.call('SAVE');
    });
    // What a server killed during its first start with the log on leaves: an empty log.
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), '');
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.deepEqual(await c.call('AI.TENSORGET', 'from_snapshot', 'VALUES'), [3]);
    });
    assert.ok(fs.statSync(path.join(dir, 'appendonly.aof')).size > 0);
    fs.rmSync(path.join(dir, 'dump.sbdb'));
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.deepEqual(await c.call('AI.TENSORGET', 'from_snapshot', 'VALUES'), [3]);
    });
  });

  it('CONFIG SET appendonly, appendfsync, save and the rewrite thresholds apply at once, as in Redis', async () => {
    const dir = tempDir();
    await withServer({ dir }, async (c, server) => {
      await c.call('AI.TENSORSET', 'before', 'INT8', 1, 'VALUES', 1);
      await c.call('SET', 's', 'x');
      assert.equal(String(await c.call('CONFIG', 'SET', 'appendonly', 'yes')), 'OK');
      await c.call('AI.TENSORSET', 'during', 'INT8', 1, 'VALUES', 2); // while the first rewrite may still run
      for (let i = 0; i < 200 && /aof_rewrite_in_progress:1/.test(String(await c.call('INFO', 'persistence'))); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await c.call('AI.TENSORSET', 'after', 'INT8', 1, 'VALUES', 3);
      assert.deepEqual(String(await c.call('CONFIG', 'GET', 'appendonly')), 'appendonly,yes');
      assert.equal(String(await c.call('CONFIG', 'SET', 'appendfsync', 'always')), 'OK');
      assert.equal(server.persistence!.options.appendfsync, 'always');
      await c.call('AI.TENSORSET', 'synced', 'INT8', 1, 'VALUES', 4);
      assert.equal(String(await c.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '50', 'auto-aof-rewrite-min-size', '1mb')), 'OK');
      assert.deepEqual(String(await c.call('CONFIG', 'GET', 'auto-aof-rewrite-*')), 'auto-aof-rewrite-percentage,50,auto-aof-rewrite-min-size,1048576');
    });
    // A new server replaying the log alone has everything, the keys from before the log included.
    fs.rmSync(path.join(dir, 'dump.sbdb'), { force: true });
    await withServer({ dir, appendonly: true }, async (c) => {
      for (const [key, value] of [['before', 1], ['during', 2], ['after', 3], ['synced', 4]] as const) {
        assert.deepEqual(await c.call('AI.TENSORGET', key, 'VALUES'), [value], key);
      }
      assert.equal(String(await c.call('GET', 's')), 'x');
      // Off: later writes are not logged.
      assert.equal(String(await c.call('CONFIG', 'SET', 'appendonly', 'no')), 'OK');
      await c.call('SET', 'unlogged', 'y');
      assert.equal(String(await c.call('CONFIG', 'SET', 'save', '1 1')), 'OK');
      assert.deepEqual(String(await c.call('CONFIG', 'GET', 'save')), 'save,1 1');
      // The new rule saves by itself: one change, a second old.
      for (let i = 0; i < 60 && !fs.existsSync(path.join(dir, 'dump.sbdb')); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(fs.existsSync(path.join(dir, 'dump.sbdb')), 'the save rule set with CONFIG SET made a snapshot');
    });
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.equal(await c.call('EXISTS', 'unlogged'), 0, 'written after CONFIG SET appendonly no');
      assert.deepEqual(await c.call('AI.TENSORGET', 'after', 'VALUES'), [3]);
    });
  });

  it('refuses bad persistence values with redis-server 7\'s texts, and applies none of a CONFIG SET that has one', async () => {
    const { startRedisServer } = await import('../helpers/servers');
    const theirs = await RawClient.connect(await startRedisServer());
    await withServer({ dir: tempDir() }, async (c) => {
      for (const [name, value] of [['appendonly', 'maybe'], ['appendfsync', 'sometimes'], ['save', '10'], ['save', 'x 1'], ['save', '10 1 20'],
        ['auto-aof-rewrite-percentage', '-1'], ['auto-aof-rewrite-percentage', 'x'], ['auto-aof-rewrite-min-size', '-1'], ['auto-aof-rewrite-min-size', '1x']]) {
        const [ours, redis] = await Promise.all([c.call('CONFIG', 'SET', name, value), theirs.call('CONFIG', 'SET', name, value)]);
        assert.equal(message(ours), message(redis), `${name} ${value}`);
      }
      assert.match(message(await c.call('CONFIG', 'SET', 'save', '5 5', 'appendfsync', 'sometimes')), /appendfsync/);
      assert.deepEqual(String(await c.call('CONFIG', 'GET', 'save')), 'save,');
    });
    await theirs.close();
  });

  it('drops an incomplete last command (a crash mid-write), says so, and keeps everything before it', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: true }, async (c) => {
      await c.call('AI.TENSORSET', 'kept', 'INT16', 2, 'VALUES', 1, 2);
    });
    const file = path.join(dir, 'appendonly.aof');
    const complete = fs.statSync(file).size;
    const partial = '*5\r\n$12\r\nAI.TENSORSET\r\n$4\r\nlost\r\n$4\r\nINT8';
    fs.appendFileSync(file, partial);
    const lines: string[] = [];
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.deepEqual(await c.call('AI.TENSORGET', 'kept', 'VALUES'), [1, 2]);
      assert.equal(Number(await c.call('EXISTS', 'lost')), 0);
    }, { logSink: (line) => lines.push(line) });
    assert.equal(fs.statSync(file).size, complete);
    assert.ok(lines.some((l) => l.includes(`appendonly.aof: the last ${partial.length} bytes were an incomplete command`)), lines.join('\n'));
  });

  it('replays a MULTI … EXEC unit (a script\'s or transaction\'s writes) whole, and drops one cut short before its EXEC', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: true, appendfsync: 'always' }, async (c) => {
      await c.call('MULTI');
      await c.call('SET', 'one', '1');
      await c.call('AI.TENSORSET', 'two', 'INT8', 1, 'VALUES', 2);
      await c.call('EXEC');
    });
    const file = path.join(dir, 'appendonly.aof');
    const logged = fs.readFileSync(file, 'latin1');
    assert.match(logged, /^\*1\r\n\$5\r\nMULTI\r\n\*3\r\n\$3\r\nSET\r\n.*\r\nAI\.TENSORSET\r\n.*\*1\r\n\$4\r\nEXEC\r\n$/s);
    const complete = fs.statSync(file).size;
    // A unit whose EXEC never reached the file: its first write is complete, and still must not happen.
    const cut = '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$5\r\nthree\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$4\r\nfour\r\n';
    fs.appendFileSync(file, cut);
    const lines: string[] = [];
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.equal(String(await c.call('GET', 'one')), '1');
      assert.deepEqual(await c.call('AI.TENSORGET', 'two', 'VALUES'), [2]);
      assert.equal(Number(await c.call('EXISTS', 'three', 'four')), 0);
    }, { logSink: (line) => lines.push(line) });
    assert.equal(fs.statSync(file).size, complete);
    assert.ok(lines.some((l) => l.includes(`appendonly.aof: the last ${cut.length} bytes were an incomplete command`)), lines.join('\n'));
  });

  it('removes the temp files a killed save or rewrite left behind, and keeps a live process\'s', async () => {
    const dir = tempDir();
    // A pid no process has (beyond pid_max), and this process's parent's (alive).
    for (const name of ['appendonly.aof.rewrite-999999999', 'dump.sbdb.temp-999999998', `appendonly.aof.rewrite-${process.ppid}`, 'unrelated.rewrite-999999999']) {
      fs.writeFileSync(path.join(dir, name), Buffer.alloc(1024));
    }
    const lines: string[] = [];
    await withServer({ dir, appendonly: true }, async (c) => {
      assert.equal(String(await c.call('PING')), 'PONG');
    }, { logSink: (line) => lines.push(line) });
    const left = fs.readdirSync(dir).sort();
    assert.deepEqual(left.filter((n) => n.includes('-')), [`appendonly.aof.rewrite-${process.ppid}`, 'unrelated.rewrite-999999999']);
    assert.ok(lines.some((l) => l.includes('Removed appendonly.aof.rewrite-999999999, left by a save or log rewrite that did not finish')));
  });

  it('refuses a log damaged in the middle, naming the byte where it breaks', async () => {
    const dir = tempDir();
    await withServer({ dir, appendonly: true }, async (c) => {
      await c.call('AI.TENSORSET', 'a', 'INT8', 1, 'VALUES', 1);
      await c.call('AI.TENSORSET', 'b', 'INT8', 1, 'VALUES', 2);
    });
    const file = path.join(dir, 'appendonly.aof');
    const bytes = fs.readFileSync(file);
    const second = bytes.indexOf('*', 1);
    bytes[second] = 0x3f; // '?'
    fs.writeFileSync(file, bytes);
    await assert.rejects(startServer({ persistence: { dir, appendonly: true } }),
      new RegExp(`appendonly\\.aof: bad format at byte ${second} \\(expected '\\*'\\)`));
  });

  for (const policy of ['always', 'everysec'] as const) {
    it(`kill -9 in the middle of a write burst loses no acknowledged write (appendfsync ${policy})`, async () => {
      // A killed process (unlike a power cut) loses nothing the kernel has: every write is in it
      // before its reply is sent, under both policies. `always` also fsyncs before replying.
      const dir = tempDir();
      const { port, child } = await startServerProcess(['--dir', dir, '--appendonly', 'yes', '--appendfsync', policy]);
      const clients = await Promise.all([1, 2, 3, 4].map(() => RawClient.connect(port)));
      const acknowledged = new Map<string, number>();
      let stop = false;
      const writers = clients.map(async (c, w) => {
        for (let i = 0; !stop; i++) {
          const key = `w${w}:${i}`;
          const reply = await c.call('AI.TENSORSET', key, 'INT32', 2, 'VALUES', w, i).catch(() => undefined);
          if (reply === 'OK') acknowledged.set(key, i);
        }
      });
      while (acknowledged.size < 400) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      const again = await startServerProcess(['--dir', dir, '--appendonly', 'yes']);
      const c = await RawClient.connect(again.port);
      try {
        let missing = 0;
        for (const [key, i] of acknowledged) {
          const values = await c.call('AI.TENSORGET', key, 'VALUES');
          if (!Array.isArray(values) || values[1] !== i) missing++;
        }
        assert.equal(missing, 0, `${missing} of ${acknowledged.size} acknowledged writes were lost`);
      } finally {
        await c.close();
        await again.stop();
      }
    });
  }
});
