// Every keyspace write goes through the engine's one write path (value, change counter,
// statistics and append-only log together), whoever makes it: a client, a script, a DAG or a
// library call. Each test here failed while writes reached those from several places.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { defineCommand, Engine, Tensor } from '../../src';
import { native } from '../../src/native';
import type { KeyWrite } from '../../src/store/Keyspace';
import { MemoryKeyspace } from '../../src/store/MemoryKeyspace';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
const SCRIPT = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n';

describe('the one write path', () => {
  it('makes a library user\'s writes as durable as a client\'s: they are in the append-only log', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-writes-'));
    const engine = new Engine();
    const first = await startServer({ engine, persistence: { dir, appendonly: true } });
    engine.setTensor('t', Tensor.fromArray([[1.5, -2]], 'FLOAT'));
    engine.set('s', { kind: 'string', bytes: Buffer.from('text') });
    engine.set('gone', { kind: 'string', bytes: Buffer.from('x') });
    engine.delete('gone');
    await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', tag: 'v1', blob: fixture('pt-minimal.pt') });
    await engine.storeScript('sc', { device: 'CPU', source: SCRIPT, entryPoints: ['f'] });
    await engine.storeScript('legacy', { device: 'CPU', source: SCRIPT });
    engine.rename('s', 'renamed');
    await first.server.close();
    await first.server.persistence!.shutdown(false); // no snapshot: only the log can bring them back

    const again = await startServer({ persistence: { dir, appendonly: true } });
    const c = await RawClient.connect(again.port);
    try {
      assert.deepEqual(await c.call('AI.TENSORGET', 't', 'META', 'VALUES'), ['dtype', 'FLOAT', 'shape', [1, 2], 'values', ['1.5', '-2']]);
      assert.equal(await c.call('GET', 'renamed'), 'text');
      assert.equal(await c.call('EXISTS', 's', 'gone'), 0);
      assert.deepEqual(((await c.call('AI.MODELGET', 'm', 'META')) as Parsed[]).slice(0, 6), ['backend', 'TORCH', 'device', 'CPU', 'tag', 'v1']);
      assert.deepEqual(await c.call('AI.SCRIPTGET', 'sc', 'META'), ['device', 'CPU', 'tag', '', 'Entry Points', ['f']]);
      assert.deepEqual(await c.call('AI.SCRIPTGET', 'legacy', 'META'), ['device', 'CPU', 'tag', '', 'Entry Points', []]);
      assert.equal(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 't', 't', 'OUTPUTS', 1, 'sum'), 'OK');
      assert.deepEqual(await c.call('AI.TENSORGET', 'sum', 'VALUES'), ['3', '-4']);
    } finally {
      await c.close();
      await again.server.close();
      await again.server.persistence!.shutdown(false);
    }
  });

  it('drops a model\'s or script\'s statistics whenever its value goes, by any command', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    const stored = async () => ({ models: await c.call('AI._MODELSCAN'), scripts: await c.call('AI._SCRIPTSCAN') });
    const names = (scan: Parsed) => (scan as Parsed[][]).map((entry) => entry[0]);
    for (const overwrite of [['SET', 'm', 'x'], ['DEL', 'm'], ['RENAME', 'other', 'm'], ['FLUSHALL']]) {
      await c.call('SET', 'other', 'y');
      assert.equal(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt')), 'OK');
      assert.equal(await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', SCRIPT), 'OK');
      assert.deepEqual(names((await stored()).models), ['m']);
      assert.equal(String(await c.call(...overwrite)).length > 0, true);
      assert.deepEqual(names((await stored()).models), [], `${overwrite.join(' ')} over a model drops it from AI._MODELSCAN`);
      assert.equal(message(await c.call('AI.INFO', 'm')), 'ERR cannot find run info for key', overwrite.join(' '));
      await c.call('SET', 's', 'over the script');
      assert.deepEqual(names((await stored()).scripts), []);
      assert.equal(message(await c.call('AI.INFO', 's')), 'ERR cannot find run info for key');
      await c.call('FLUSHALL');
    }
    // A renamed model keeps its statistics, under its new name.
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 1, 'VALUES', 1);
    await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'b');
    await c.call('RENAME', 'm', 'moved');
    const info = (await c.call('AI.INFO', 'moved')) as Parsed[];
    assert.equal(info[info.indexOf('calls') + 1], 1);
    assert.deepEqual(names((await stored()).models), ['moved']);
    await c.close();
  });

  it('lets scripts call the server\'s own commands with its live settings', async () => {
    const shout = defineCommand({ name: 'shout', arity: 2, summary: 'Upper-cases its argument', run: (_ctx, args) => args[1].toString().toUpperCase() });
    const { port } = await startServer({ commands: [shout] });
    const c = await RawClient.connect(port);
    const source = `def call(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", keys[0], str(redis.execute("SHOUT", args[0])))
    return tensors[0]

def big(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("AI.TENSORSET", keys[0], "FLOAT", "1000")
    return tensors[0]
`;
    assert.equal(await c.call('AI.SCRIPTSTORE', 'sc', 'CPU', 'ENTRY_POINTS', 2, 'call', 'big', 'SOURCE', source), 'OK');
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 1, 'VALUES', 1);
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'sc', 'call', 'KEYS', 1, 'out', 'INPUTS', 1, 'a', 'ARGS', 1, 'hello', 'OUTPUTS', 1, 'o'), 'OK');
    assert.equal(await c.call('GET', 'out'), 'HELLO', 'a command the server was given reaches scripts');
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 'sc', 'big', 'KEYS', 1, 'bigt', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'o'), 'OK');
    assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1kb'), 'OK');
    assert.match(message(await c.call('AI.SCRIPTEXECUTE', 'sc', 'big', 'KEYS', 1, 'bigt2', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'o')),
      /invalid tensor shape|proto-max-bulk-len|too big/i, 'CONFIG SET applies inside scripts too');
    assert.equal(await c.call('EXISTS', 'bigt2'), 0);
    await c.close();
  });

  it('CONFIG GET reports the persistence settings as they are, and CONFIG SET applies all of its pairs or none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-config-'));
    const { server, port } = await startServer({ persistence: { dir, appendonly: true, save: [{ seconds: 900, changes: 1 }, { seconds: 60, changes: 100 }] } });
    const c = await RawClient.connect(port);
    try {
      assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '900 1 60 100']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'appendonly'), ['appendonly', 'yes']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'dir'), ['dir', path.resolve(dir)]);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '10000']);
      assert.equal(message(await c.call('CONFIG', 'SET', 'maxclients', '5', 'proto-max-bulk-len', 'bad')),
        "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument couldn't be parsed into an integer");
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '10000'], 'the valid pair was not applied either');
      assert.equal(await c.call('CONFIG', 'SET', 'maxclients', '5', 'loglevel', 'warning'), 'OK');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients', 'loglevel'), ['maxclients', '5', 'loglevel', 'warning']);
    } finally {
      await c.close();
      await server.close();
      await server.persistence!.shutdown(false);
    }
  });

  it('reads a DAG\'s LOAD keys in one call to the store and commits its PERSIST keys in one', async () => {
    const calls: string[] = [];
    class CountingKeyspace extends MemoryKeyspace {
      override getMany(names: readonly string[]) {
        calls.push(`getMany ${names.join(',')}`);
        return super.getMany(names);
      }
      override commit(writes: readonly KeyWrite[]) {
        calls.push(`commit ${writes.map((w) => w.name).join(',')}`);
        super.commit(writes);
      }
    }
    const engine = new Engine({ keyspace: new CountingKeyspace() });
    const { port } = await startServer({ engine });
    const c = await RawClient.connect(port);
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2);
    await c.call('AI.TENSORSET', 'b', 'FLOAT', 2, 'VALUES', 3, 4);
    calls.length = 0;
    assert.deepEqual(await c.call('AI.DAGEXECUTE', 'LOAD', 2, 'a', 'b', 'PERSIST', 2, 'sum', 'twice', '|>',
      'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'sum', '|>',
      'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'sum', 'sum', 'OUTPUTS', 1, 'twice'), ['OK', 'OK']);
    assert.ok(calls.includes('getMany a,b'), `the LOAD keys in one read: ${calls}`);
    assert.deepEqual(calls.filter((call) => call.startsWith('commit')), ['commit sum,twice'], 'the PERSIST keys in one commit');
    assert.deepEqual(await c.call('AI.TENSORGET', 'twice', 'VALUES'), ['8', '12']);
    await c.close();
  });

  it('lets a library engine\'s scripts call the commands too, writing through the same path', async () => {
    const engine = new Engine();
    await engine.storeScript('s', { device: 'CPU', entryPoints: ['f'], source:
      'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    redis.execute("HSET", keys[0], "n", args[0])\n    return tensors[0]\n' });
    await engine.runScript('s', 'f', [Tensor.fromArray([1], 'FLOAT')], { keys: ['h'], args: ['7'] });
    const value = engine.get('h');
    assert.equal(value?.kind === 'hash' ? String(value.fields.get('n')) : value, '7');
    assert.equal(engine.changes, 2, 'the script store and the HSET, both through the write path');
  });

  it('checks a library call as the wire command is checked', async () => {
    const engine = new Engine();
    const queuesBefore = native.queueStats().map((q) => q.device);
    await assert.rejects(engine.storeModel('m', { backend: 'TORCH', device: 'bogus', blob: fixture('pt-minimal.pt') }), { message: 'ERR Invalid DEVICE' });
    await assert.rejects(engine.storeModel('m', { backend: 'ONNX' as never, device: 'CPU', blob: fixture('pt-minimal.pt'), batchsize: 0, minbatchsize: 2 }),
      { message: 'ERR MINBATCHSIZE specified without BATCHSIZE' });
    await assert.rejects(engine.storeModel('m', { backend: 'TF', device: 'CPU', blob: fixture('graph.pb') }), { message: 'ERR INPUTS not specified for TF' });
    await assert.rejects(engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob: fixture('pt-minimal.pt'), inputs: ['a'] }),
      { message: 'ERR INPUTS argument should not be specified for this backend' });
    await assert.rejects(engine.storeModel('m', { backend: 'PYTORCH' as never, device: 'CPU', blob: fixture('pt-minimal.pt') }), { message: 'ERR unsupported backend' });
    await assert.rejects(engine.storeScript('s', { device: 'bogus', source: SCRIPT }), { message: 'ERR unsupported device' });
    assert.deepEqual(native.queueStats().map((q) => q.device), queuesBefore, 'no device queue was made for a refused call');
    assert.equal(engine.size, 0);
  });
});
