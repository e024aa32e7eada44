// The floor of any server built on Node's `net` streams, for T1's exchange: a process that does
// nothing per request but look for the command word in what it read and write a fixed reply
// (+OK for AI.TENSORSET, the 120-byte BLOB for AI.TENSORGET). Unpipelined loads only: each read
// then holds exactly one small request. tensors.ts measures it beside redis-server in the same
// minutes; what separates it from redis-server is Node's socket machinery, which no change to
// our command layer can remove (the performance issue's native connection layer would).
//   node dist/scripts/bench/nodeNetFloor.js <port>
import * as net from 'node:net';

const OK = Buffer.from('+OK\r\n');
const BLOB = Buffer.concat([Buffer.from('$120\r\n'), Buffer.alloc(120, 'A'), Buffer.from('\r\n')]);
const TENSORGET = Buffer.from('TENSORGET');
const INFO = Buffer.from('INFO');
// What the benchmark's readiness check asks (servers.ts: INFO naming this process).
const info = `# Server\r\nprocess_id:${process.pid}\r\n`;
const INFO_REPLY = Buffer.from(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);

const port = Number(process.argv[2]);
net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    socket.write(chunk.includes(TENSORGET) ? BLOB : chunk.includes(INFO) ? INFO_REPLY : OK);
  });
}).listen(port, '127.0.0.1');
