// The server's sockets, on Node's own libuv loop but without Node's stream machinery
// (src/server/NativeSockets.ts is its JS side). A profile of the T1 load had Node's Readable and
// Writable streams, the per-read callback scope and the per-turn setImmediate at ~13% of the
// event loop's time: more than the whole command path of a TENSORGET. Here reads of every
// connection are gathered during libuv's poll phase and handed to JS in one call per loop turn
// (from a check handle, which runs right after the poll), and JS writes each connection's replies
// with one writev (uv_try_write) at the end of that call, as Redis writes in beforeSleep.
#pragma once
#include <napi.h>

namespace stormbreaker {

// JS functions of the layer (registered by the addon's Init).
//   socketsInit(onBatch, onAccept, onClose)
//     onBatch(bytes: Buffer, records: Int32Array): records hold [kind, connection, offset, length]
//       per event, in order: kind 1 = bytes read (a view of `bytes`), 2 = the peer ended (EOF),
//       3 = drained (writes that had queued are all out), 4 = a read failed, 5 = `length` bytes
//       were read into the connection's fill target (socketsReadInto; offset unused).
//     onAccept(listener, connection, remoteAddress, remotePort, localAddress, localPort): a new
//       connection, already being read (its first bytes come in a later batch).
//     onClose(connection): its handle is closed; no event for it follows.
//   socketsListenTcp(host, port) -> [listener, boundPort]; socketsListenPipe(path) -> listener
//   socketsCloseListener(listener)
//   socketsWrite(connection, chunks: Uint8Array[]) -> false once more than 16 KiB waits (then a
//     drain event follows when it is out)
//   socketsReadInto(connection, view?: Uint8Array): the connection's next reads fill `view` (the
//     rest of a large bulk string), no more than it holds, before reads go to the turn's buffer
//     again; without a view, cancels. JS must not touch those bytes until they are reported.
//   socketsPause(connection), socketsResume(connection): stop and start reading
//   socketsEnd(connection): close once what was written is out; socketsDestroy(connection): now
void RegisterSocketLayer(Napi::Env env, Napi::Object exports);

}  // namespace stormbreaker
