import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { defineCommand } from '../../src';
import { SimpleString } from '../../src/resp/Reply';
import { encodeCommand, Parsed, RawClient } from '../helpers/RawClient';
import { run, startServer, startServerProcess } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

/** A command that answers after `ms` milliseconds: lets a test make an early reply finish last. */
const sleep = defineCommand({
  name: 'test.sleep',
  arity: 2,
  summary: 'Replies after a delay (tests only)',
  run: (_ctx, args) => new Promise((resolve) => setTimeout(() => resolve(new SimpleString(`slept ${args[1]}`)), Number(args[1]))),
});

describe('server behaviour', () => {
  it('answers pipelined requests in order even when an earlier one finishes last', async () => {
    const { server, port } = await startServer({ commands: [sleep] });
    const c = await RawClient.connect(port);
    const replies = await c.pipeline([['TEST.SLEEP', '80'], ['PING'], ['TEST.SLEEP', '10'], ['ECHO', 'last']]);
    assert.deepEqual(replies, ['slept 80', 'PONG', 'slept 10', 'last']);
    await c.close();
    await server.close();
  });

  it('stops reading a client far ahead of a blocked command, then resumes and answers everything in order', async () => {
    const { server, port } = await startServer({ commands: [sleep] });
    const c = await RawClient.connect(port);
    // More requests wait behind the blocked one than the connection queues (1024) before pausing.
    const commands = [['TEST.SLEEP', '100'], ...Array.from({ length: 3000 }, (_, i) => ['ECHO', String(i)])];
    const replies = await c.pipeline(commands);
    assert.deepEqual(replies, ['slept 100', ...Array.from({ length: 3000 }, (_, i) => String(i))]);
    assert.equal(await c.call('PING'), 'PONG');
    await c.close();
    await server.close();
  });

  it('answers 10,000 pipelined mixed commands in order, in one write', async () => {
    const { server, port } = await startServer();
    const c = await RawClient.connect(port);
    const commands: string[][] = [];
    const expected: Parsed[] = [];
    for (let i = 0; i < 10000; i++) {
      switch (i % 5) {
        case 0: commands.push(['AI.TENSORSET', `p${i}`, 'INT32', '2', 'VALUES', String(i), String(-i)]); expected.push('OK'); break;
        case 1: commands.push(['AI.TENSORGET', `p${i - 1}`, 'VALUES']); expected.push([i - 1, 1 - i]); break;
        case 2: commands.push(['PING']); expected.push('PONG'); break;
        case 3: commands.push(['AI.TENSORGET', `missing${i}`]); expected.push('error'); break;
        default: commands.push(['ECHO', `e${i}`]); expected.push(`e${i}`);
      }
    }
    const replies = await c.pipeline(commands);
    const normalized = replies.map((r) => (r instanceof Error ? 'error' : r));
    assert.deepEqual(normalized, expected);
    assert.equal(await c.call('DBSIZE'), 2000);
    await c.close();
    await server.close();
  });

  it('serves 200 concurrent connections', async () => {
    const { server, port } = await startServer();
    const clients = await Promise.all(Array.from({ length: 200 }, () => RawClient.connect(port)));
    const results = await Promise.all(clients.map(async (c, i) => {
      await c.call('AI.TENSORSET', `c${i}`, 'FLOAT', 1, 'VALUES', i);
      return c.call('AI.TENSORGET', `c${i}`, 'VALUES');
    }));
    assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => [String(i)]));
    const list = String(await clients[0].call('CLIENT', 'LIST'));
    assert.equal(list.trim().split('\n').length, 200);
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  it('survives a client that disconnects in the middle of a 100 MB BLOB', async () => {
    const { child, port, stop } = await startServerProcess();
    const size = 100 * 1024 * 1024;
    const quitter = await RawClient.connect(port);
    quitter.write(`*6\r\n$12\r\nAI.TENSORSET\r\n$3\r\nbig\r\n$5\r\nUINT8\r\n$${size}\r\n${size}\r\n$4\r\nBLOB\r\n$${size}\r\n`);
    const half = Buffer.alloc(size / 2, 7);
    quitter.write(half);
    await new Promise((r) => setTimeout(r, 200));
    quitter.destroy();
    const c = await RawClient.connect(port, { returnBuffers: true });
    assert.deepEqual(await c.call('PING'), Buffer.from('PONG'));
    assert.deepEqual(await c.call('EXISTS', 'big'), 0);
    // A whole 100 MB BLOB then goes through and comes back intact.
    const full = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) full[i] = i & 0xff;
    assert.deepEqual(await c.call('AI.TENSORSET', 'big', 'UINT8', size, 'BLOB', full), Buffer.from('OK'));
    const back = (await c.call('AI.TENSORGET', 'big', 'BLOB')) as Buffer;
    assert.equal(back.length, size);
    assert.ok(back.equals(full));
    assert.equal(child.exitCode, null);
    await c.close();
    await stop();
  });

  it('gives back the memory of an upload cut off mid-way when its connection closes, without waiting for a GC', async () => {
    const { port, stop } = await startServerProcess(['--proto-max-bulk-len', '1gb']);
    const c = await RawClient.connect(port);
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(String(await c.call('INFO', 'memory')))![1]);
    const before = await usedMemory();
    const size = 400 * 1000 * 1000;
    const quitter = await RawClient.connect(port);
    quitter.write(`*5\r\n$12\r\nAI.TENSORSET\r\n$3\r\nbig\r\n$5\r\nUINT8\r\n$4\r\nBLOB\r\n$${size}\r\n`);
    for (let sent = 0; sent < 150e6; sent += 10e6) quitter.write(Buffer.alloc(10e6, 7));
    for (let i = 0; i < 100 && (await usedMemory()) < before + 100e6; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok((await usedMemory()) > before + 300e6, 'the upload\'s 400 MB destination was taken');
    quitter.destroy();
    await quitter.closed;
    let after = await usedMemory();
    for (let i = 0; i < 50 && after > before + 50e6; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await usedMemory();
    }
    assert.ok(after < before + 50e6, `used_memory ${after} is back near ${before} once the connection closed`);
    assert.equal(await c.call('DBSIZE'), 0);
    await c.close();
    await stop();
  });

  it('refuses clients past maxclients with Redis\'s error and keeps serving the others', async () => {
    const { server, port } = await startServer({ maxclients: 2 });
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    await a.call('PING');
    await b.call('PING');
    const third = await RawClient.connect(port);
    const reply = await third.raw('PING\r\n', 35);
    assert.equal(reply.toString(), '-ERR max number of clients reached\r\n');
    await third.closed;
    assert.equal(await a.call('PING'), 'PONG');
    await a.close();
    await b.close();
    await server.close();
  });

  it('closes a client that breaks the protocol or a limit, after telling it why, and serves the rest', async () => {
    const { server, port } = await startServer();
    const good = await RawClient.connect(port);
    const bad = await RawClient.connect(port);
    const reply = await bad.raw('PING\r\n*1\r\n$-3\r\n', 100);
    assert.equal(reply.toString(), '+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
    await bad.closed;
    assert.equal(await good.call('CONFIG', 'SET', 'proto-max-bulk-len', '1kb'), 'OK');
    const big = await RawClient.connect(port);
    const refused = await big.raw(encodeCommand(['AI.TENSORSET', 'k', 'UINT8', '2000', 'BLOB', Buffer.alloc(2000)]), 100);
    assert.equal(refused.toString(), '-ERR Protocol error: invalid bulk length\r\n');
    await big.closed;
    assert.equal(await good.call('CONFIG', 'SET', 'client-query-buffer-limit', '2kb'), 'OK');
    const greedy = await RawClient.connect(port);
    const silent = await greedy.raw(encodeCommand(['ECHO', 'a'.repeat(1000), 'b'.repeat(1000), 'c'.repeat(1000)]), 1);
    assert.equal(silent.length, 0, 'Redis closes a client past the query buffer limit without a reply');
    await greedy.closed;
    assert.equal(await good.call('PING'), 'PONG');
    await good.close();
    await server.close();
  });

  it('listens on a unix socket and honours QUIT', async () => {
    const socketPath = path.join(os.tmpdir(), `stormbreaker-test-${process.pid}.sock`);
    const { server } = await startServer({ unixsocket: socketPath });
    const c = await RawClient.connect(0, { path: socketPath });
    assert.equal(await c.call('AI.TENSORSET', 'u', 'FLOAT', 1, 'VALUES', 2), 'OK');
    assert.equal(await c.call('QUIT'), 'OK');
    await c.closed;
    await server.close();
  });

  it('logs connections (verbose), each model load with its size and time, and uploads cut off mid-request', async () => {
    const lines: string[] = [];
    const { port } = await startServer({ loglevel: 'verbose', logSink: (line) => lines.push(line) });
    const c = await RawClient.connect(port);
    assert.equal(String(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'))), 'OK');
    await c.close();
    const cut = await RawClient.connect(port);
    await cut.raw('*7\r\n$12\r\nAI.TENSORSET\r\n$1\r\nk\r\n$100\r\nonly part', 0).catch(() => undefined);
    await cut.close();
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('middle of a request')); i++) await new Promise((r) => setTimeout(r, 10));
    const text = lines.join('\n');
    assert.match(text, /Accepted 127\.0\.0\.1:\d+/);
    assert.match(text, /Client closed connection id=1 addr=127\.0\.0\.1:\d+ name=/);
    assert.match(text, new RegExp(`Model m stored: TORCH on CPU, ${fixture('pt-minimal.pt').length} bytes, loaded in \\d+ ms`));
    assert.match(text, /closed in the middle of a request: 2 of 7 arguments received, and 9 bytes of the next/);
  });

  it('puts the backends\' own messages in its log, not on stderr: TFLite\'s error details, libtorch\'s and ONNX Runtime\'s warnings', async () => {
    const { port, output, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    // TFLite: an input it cannot be resized to (its reason), and a blob that is no model (nothing printed).
    assert.equal(await c.call('AI.MODELSTORE', 'l', 'TFLITE', 'CPU', 'BLOB', fixture('mnist_model_quant.tflite')), 'OK');
    await c.call('AI.TENSORSET', 'x', 'FLOAT', 3, 'VALUES', 1, 2, 3);
    assert.ok((await c.call('AI.MODELEXECUTE', 'l', 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'a', 'b')) instanceof Error);
    assert.ok((await c.call('AI.MODELSTORE', 'g', 'TFLITE', 'CPU', 'BLOB', 'not a model at all')) instanceof Error);
    // libtorch: a script's warnings.warn.
    const source = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    warnings.warn("careful with " + args[0])\n    return tensors[0]\n';
    assert.equal(await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', source), 'OK');
    assert.equal(await c.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'x', 'ARGS', 1, 'this', 'OUTPUTS', 1, 'y'), 'OK');
    // ONNX Runtime: a model with an initializer no node uses.
    const made = await run('/usr/bin/python3', ['-c', [
      'import onnx, sys', 'from onnx import helper, TensorProto, numpy_helper', 'import numpy as np',
      "g = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],",
      "  [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])], [numpy_helper.from_array(np.zeros(1, np.float32), 'unused_weight')])",
      "sys.stdout.buffer.write(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], ir_version=8).SerializeToString())"].join('\n')]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(await c.call('AI.MODELSTORE', 'o', 'ONNX', 'CPU', 'BLOB', Buffer.from(made.stdout, 'latin1')), 'OK');
    const logged = (pattern: RegExp) => new RegExp(`^\\d+:M [^\\n]* # ${pattern.source}`, 'm');
    for (let i = 0; i < 100 && !(logged(/TORCH: careful with this/).test(output()) && logged(/ONNX: .*unused_weight/).test(output())); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(output(), logged(/TFLITE: .+/));
    assert.match(output(), logged(/TORCH: careful with this/));
    assert.match(output(), logged(/ONNX: .*unused_weight/));
    assert.doesNotMatch(output(), /^ERROR:/m, 'nothing of TFLite\'s went to stderr');
    await c.close();
    await stop();
  });
});
