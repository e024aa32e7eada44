// The socket layers under the server (src/server/NativeSockets.ts, the default, and Node's `net`):
// what a client sees of the transport itself, whichever carries it.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { describe, it } from '@jest/globals';
import { createServer } from '../../src';
import { encodeCommand, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';

/** Connects a plain socket (no RESP client) and collects everything the server sends until it closes. */
function rawSocket(port: number, host = '127.0.0.1'): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (c) => chunks.push(c));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
  });
}

const MIB = 1 << 20;

describe.each(['native', 'node'] as const)('client sockets on the %s layer', (sockets) => {
  it('holds a client that does not read its replies, serves the others meanwhile, and delivers everything once it reads', async () => {
    const { server, port } = await startServer({ sockets });
    const setup = await RawClient.connect(port);
    const blob = Buffer.alloc(MIB);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7 + 3) & 0xff;
    assert.equal(await setup.call('AI.TENSORSET', 'big', 'UINT8', String(MIB), 'BLOB', blob), 'OK');
    const slow = await rawSocket(port);
    slow.socket.pause();
    // 48 MiB of replies: far past what the kernel's socket buffers hold, so the server's writes
    // queue, it stops reading this client, and resumes once the queue drains.
    const count = 48;
    slow.socket.write(Buffer.concat(Array.from({ length: count }, () => encodeCommand(['AI.TENSORGET', 'big', 'BLOB']))));
    await new Promise((r) => setTimeout(r, 200));
    // Another client is served while the first one's replies wait.
    assert.equal(await setup.call('PING'), 'PONG');
    slow.socket.resume();
    const header = Buffer.from(`$${MIB}\r\n`);
    const each = header.length + MIB + 2;
    for (let i = 0; i < 500 && slow.received().length < count * each; i++) await new Promise((r) => setTimeout(r, 20));
    const all = slow.received();
    assert.equal(all.length, count * each);
    for (let k = 0; k < count; k++) {
      const at = k * each;
      assert.ok(all.subarray(at, at + header.length).equals(header), `reply ${k} starts with its length`);
      assert.ok(all.subarray(at + header.length, at + header.length + MIB).equals(blob), `reply ${k} holds the tensor's bytes`);
    }
    // Reading this client resumed when its replies drained: its next request is read and answered.
    slow.socket.write('PING\r\n');
    for (let i = 0; i < 200 && slow.received().length < count * each + 7; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(slow.received().subarray(count * each).toString(), '+PONG\r\n');
    slow.socket.destroy();
    await setup.close();
    await server.close();
  });

  it('answers what a client sent before ending its side, then closes', async () => {
    const { server, port } = await startServer({ sockets });
    const c = await rawSocket(port);
    c.socket.end('PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n');
    await c.closed;
    assert.equal(c.received().toString(), '+PONG\r\n$5\r\nhello\r\n');
    await server.close();
  });

  it('refuses to listen on a port in use, with the error of the address', async () => {
    const { server, port } = await startServer({ sockets });
    const second = createServer({ port, sockets, logSink: () => undefined });
    await assert.rejects(second.listen(), { code: 'EADDRINUSE', message: `listen EADDRINUSE: address already in use 127.0.0.1:${port}` });
    await second.close();
    // The first still serves.
    const c = await RawClient.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    await c.close();
    await server.close();
  });

  it('listens on a host name, as redis-server takes one for bind', async () => {
    const { server, port } = await startServer({ sockets, bind: 'localhost' });
    const address = (await import('node:dns')).promises.lookup('localhost');
    const c = await rawSocket(port, (await address).address);
    c.socket.write('PING\r\n');
    for (let i = 0; i < 100 && c.received().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.received().toString(), '+PONG\r\n');
    c.socket.destroy();
    await server.close();
  });

  it('reads large bulk strings byte for byte however they are cut, pipelined with what follows them', async () => {
    // The native layer reads the rest of a large bulk straight into where it goes (a tensor's
    // storage, a Buffer): where the reads stop and the next request's bytes begin must not matter.
    const { server, port } = await startServer({ sockets });
    const pattern = (n: number, seed: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
      return b;
    };
    const big = pattern(MIB, 7);
    const mid = pattern(200_003, 11);
    const small = pattern(70_001, 13);
    const requests = Buffer.concat([
      encodeCommand(['AI.TENSORSET', 'a', 'UINT8', String(big.length), 'BLOB', big]),
      encodeCommand(['SET', 's', mid]),
      encodeCommand(['AI.TENSORSET', 'b', 'UINT8', String(small.length), 'BLOB', small]),
      encodeCommand(['AI.TENSORGET', 'a', 'BLOB']),
      encodeCommand(['GET', 's']),
      encodeCommand(['AI.TENSORGET', 'b', 'BLOB']),
    ]);
    const bulk = (b: Buffer) => Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
    const expected = Buffer.concat([Buffer.from('+OK\r\n+OK\r\n+OK\r\n'), bulk(big), bulk(mid), bulk(small)]);
    // Once in one write, once cut into pieces of awkward sizes with pauses between them.
    for (const cuts of [[requests.length], [1, 7, 3000, 65_537, 100_003, 1, 16_383, 250_000, 2]]) {
      const c = await rawSocket(port);
      let at = 0;
      for (let i = 0; at < requests.length; i++) {
        const n = i < cuts.length ? cuts[i] : 99_991;
        c.socket.write(requests.subarray(at, at + n));
        at += n;
        await new Promise((r) => setTimeout(r, 2));
      }
      for (let i = 0; i < 500 && c.received().length < expected.length; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(c.received().length, expected.length);
      assert.ok(c.received().equals(expected), `replies differ (cut into ${cuts.length} pieces)`);
      c.socket.destroy();
    }
    await server.close();
  });

  it('serves on after a client closes in the middle of a large upload', async () => {
    const { server, port } = await startServer({ sockets });
    const upload = encodeCommand(['AI.TENSORSET', 'cut', 'UINT8', String(MIB), 'BLOB', Buffer.alloc(MIB, 5)]);
    const c = await rawSocket(port);
    c.socket.write(upload.subarray(0, 300_000));
    await new Promise((r) => setTimeout(r, 50));
    c.socket.destroy();
    await c.closed;
    const other = await RawClient.connect(port);
    assert.equal(await other.call('EXISTS', 'cut'), 0);
    assert.equal(await other.call('AI.TENSORSET', 'cut', 'UINT8', '3', 'VALUES', '1', '2', '3'), 'OK');
    await other.close();
    await server.close();
  });

  it('reads a request split across many small writes, and many requests in one write', async () => {
    const { server, port } = await startServer({ sockets });
    const c = await rawSocket(port);
    const request = encodeCommand(['AI.TENSORSET', 't', 'FLOAT', '2', 'VALUES', '1.5', '-2']);
    for (const byte of request) {
      c.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    c.socket.write(Buffer.concat(Array.from({ length: 100 }, () => encodeCommand(['AI.TENSORGET', 't', 'VALUES']))));
    const expected = '+OK\r\n' + '*2\r\n$3\r\n1.5\r\n$2\r\n-2\r\n'.repeat(100);
    for (let i = 0; i < 200 && c.received().length < expected.length; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.received().toString(), expected);
    c.socket.destroy();
    await server.close();
  });
});
