// Inputs found in review that once could crash the server or grow it without bound.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { describe, it } from '@jest/globals';
import { encodeCommand, Parsed, RawClient } from '../helpers/RawClient';
import { startServerProcess } from '../helpers/servers';
import { slowModel } from '../helpers/torchModels';

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
const SOURCE = 'def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0][0:0]\n';

/** Sends `*count` then empty arguments as fast as the server reads them, until it closes the connection. */
function floodEmptyArguments(port: number, count: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunk = Buffer.from('$0\r\n\r\n'.repeat(100_000));
    let sent = 0;
    const pump = () => {
      while (sent < count && !socket.destroyed) {
        sent += 100_000;
        if (!socket.write(chunk)) return socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      socket.write(`*${count}\r\n`);
      pump();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(sent));
  });
}

describe('hardening', () => {
  it('closes clients whose empty arguments would exhaust the heap together, each under its own limit, and keeps serving', async () => {
    // The reported attack: six clients, each *8000001 and then empty arguments (about 288 MB in
    // all). Each stays under client-query-buffer-limit; together they once ran the heap out.
    const { port, stop, child, output } = await startServerProcess();
    const sent = await Promise.all(Array.from({ length: 6 }, () => floodEmptyArguments(port, 8_000_001)));
    assert.equal(child.exitCode, null, 'the server is still running');
    assert.ok(sent.every((n) => n < 8_000_001), `every flood was cut short by the server: ${sent}`);
    const c = await RawClient.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('ECHO', 'still here'), 'still here');
    assert.match(output(), /Closing client that reached max query buffer length: addr=127\.0\.0\.1:\d+ \((total )?query buffer limit/);
    await c.close();
    await stop();
  });

  it('bounds the number of device queues a client can make, and keeps serving', async () => {
    const { port, stop, child } = await startServerProcess();
    const c = await RawClient.connect(port);
    const replies = await c.pipeline(Array.from({ length: 80 }, (_, i) => ['AI.SCRIPTSET', `s${i}`, `CPU${i}`, 'SOURCE', SOURCE]));
    assert.ok(replies.slice(0, 60).every((r) => r === 'OK'));
    assert.equal(message(replies[79]), 'ERR Could not initialize queue on requested device');
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(child.exitCode, null);
    await c.close();
    await stop();
  });

  it('replies an empty tensor a model or script produced', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port, { returnBuffers: true });
    await c.call('AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 1, 'f', 'SOURCE', SOURCE);
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.deepEqual(await c.call('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'e'), Buffer.from('OK'));
    assert.deepEqual(await c.call('AI.TENSORGET', 'e', 'BLOB'), Buffer.alloc(0));
    assert.deepEqual(await c.call('AI.TENSORGET', 'e', 'VALUES'), []);
    await c.close();
    await stop();
  });

  it('answers the requests before a protocol error that arrives while the client is blocked', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    await c.call('AI.MODELSTORE', 'slow', 'TORCH', 'CPU', 'BLOB', await slowModel());
    await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 1, 2);
    await c.call('AI.TENSORSET', 'rounds', 'INT64', 'VALUES', 300);
    const bytes = Buffer.concat([
      encodeCommand(['AI.MODELEXECUTE', 'slow', 'INPUTS', 2, 'x', 'rounds', 'OUTPUTS', 1, 'y']),
      encodeCommand(['SET', 'after', 'yes']),
      Buffer.from('*abc\r\n'),
    ]);
    const reply = (await c.raw(bytes, 100)).toString();
    assert.equal(reply, '+OK\r\n+OK\r\n-ERR Protocol error: invalid multibulk length\r\n');
    const d = await RawClient.connect(port);
    assert.equal(await d.call('GET', 'after'), 'yes');
    await d.close();
    await stop();
  });

  it('refuses a proto-max-bulk-len no Buffer can hold', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    assert.match(message(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '100gb')), /^ERR CONFIG SET failed \(possibly related to argument 'proto-max-bulk-len'\) - argument must be between 1 and \d+ inclusive$/);
    await c.close();
    await stop();
  });
});
