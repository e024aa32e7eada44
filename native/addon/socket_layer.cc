#include "socket_layer.h"

#include "../exec/device_queue.h"

#include <algorithm>
#include <uv.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace stormbreaker {
namespace {

// What one read may fill (libuv's own suggestion, and Node's).
constexpr size_t kReadSize = 64 * 1024;
// Bytes waiting to be written past which a write says "stop" (Node's default highWaterMark).
constexpr size_t kHighWater = 16 * 1024;
// A turn's read buffer is kept for the next turn up to this size, and given back above it.
constexpr size_t kKeptReadCapacity = 256 * 1024;
// The most one read into a fill target asks for (uv_buf_t's length is 32-bit).
constexpr size_t kFillReadMax = size_t(1) << 30;
// A read this large (an upload) goes to JS at once, with what came before it, instead of at the
// end of the poll phase: its bytes are still in the cache when JS copies them to where they go
// (1 MiB TENSORSETs at 50 clients ran at ~70% of Node's rate when every read waited for the turn).
constexpr size_t kDeliverAtOnce = 16 * 1024;
// Batches are copied for JS into one JS ArrayBuffer after another (Deliver) rather than each into
// a buffer of its own: a backing store allocated per batch (and another for its records) was
// malloc, V8's external-memory accounting and a free at the next GC, for a batch of a few hundred
// bytes. Small, as Node's own Buffer pool is, because any view a command keeps (a key, a tag)
// keeps its whole slab alive; a batch over half of it still gets a buffer of its own.
constexpr size_t kSlabSize = 16 * 1024;

enum Kind : int32_t { kData = 1, kEnd = 2, kDrain = 3, kReadError = 4, kFilled = 5 };

struct Layer;

// A listener or a connection.
struct Stream {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  Layer* layer = nullptr;
  int32_t id = 0;
  bool listener = false;
  bool pipe = false;
  // JS was told of this connection (onAccept), so it is told of its close.
  bool announced = false;
  bool reading = false;
  bool peerEnded = false;
  bool closing = false;
  // Close once what was written is out (socketsEnd).
  bool ending = false;
  // A write said "stop": a drain event is owed once the queue is empty.
  bool owesDrain = false;
  int queuedWrites = 0;
  size_t queuedBytes = 0;
  // Where the next reads go instead of the turn's buffer (socketsReadInto): the rest of a large
  // bulk string, read straight into the memory it will stay in (a tensor's storage), which
  // spares a copy into JS memory and one more out of it per byte, and the short-lived JS buffers
  // that made V8 collect the whole heap every 64 MB of uploads.
  char* fillAt = nullptr;
  size_t fillLeft = 0;
  // Keeps that memory alive until it is filled or the connection closes.
  Napi::Reference<Napi::Value> fillTarget;
};

struct Layer {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  uv_check_t check;
  bool checkStarted = false;
  bool gone = false;
  Napi::FunctionReference onBatch;
  Napi::FunctionReference onAccept;
  Napi::FunctionReference onClose;
  std::unordered_map<int32_t, Stream*> streams;
  int32_t nextId = 1;
  // This turn's reads, back to back, and the events that point into them.
  char* bytes = nullptr;
  size_t size = 0;
  size_t capacity = 0;
  std::vector<int32_t> records;
  // The slab batches are copied into for JS (kSlabSize), and how much of it is handed out.
  Napi::Reference<Napi::ArrayBuffer> slab;
  size_t slabUsed = 0;
  // The records go to JS in one Int32Array, reused by every batch: JS reads them during the call.
  Napi::Reference<Napi::Int32Array> recordArray;
  int32_t* recordData = nullptr;
  size_t recordCapacity = 0;
};

struct WriteRequest {
  uv_write_t req;
  Stream* stream;
  size_t bytes;
  // The chunks stay alive (and where they are) until libuv has written them.
  Napi::Reference<Napi::Array> chunks;
};

void OnCheck(uv_check_t* check);
void Deliver(Layer* layer);

// Calls into JS from a libuv callback: one callback scope, so promise reactions and nextTicks
// queued by JS run when it returns, as after any Node event.
void CallJs(Layer* layer, Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args) {
  Napi::Env env(layer->env);
  try {
    fn.MakeCallback(env.Global(), args);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(layer->env, e.Value());
  }
}

void Record(Layer* layer, Kind kind, int32_t id, size_t offset, size_t length) {
  layer->records.insert(layer->records.end(), {kind, id, static_cast<int32_t>(offset), static_cast<int32_t>(length)});
  if (!layer->checkStarted) {
    // libuv runs check handles right after the poll phase that did these reads.
    uv_check_start(&layer->check, OnCheck);
    layer->checkStarted = true;
  }
}

void OnClosed(uv_handle_t* handle) {
  Stream* s = static_cast<Stream*>(handle->data);
  Layer* layer = s->layer;
  // The environment may be gone (its references with it).
  if (layer->gone) s->fillTarget.SuppressDestruct();
  const int32_t id = s->id;
  const bool announced = s->announced;
  layer->streams.erase(id);
  delete s;
  if (announced && !layer->gone) {
    Napi::HandleScope scope(Napi::Env(layer->env));
    CallJs(layer, layer->onClose, {Napi::Number::New(layer->env, id)});
  }
}

void Close(Stream* s) {
  if (s->closing) return;
  s->closing = true;
  uv_close(&s->h.handle, OnClosed);
}

void OnShutdown(uv_shutdown_t* req, int) {
  Stream* s = static_cast<Stream*>(req->data);
  delete req;
  Close(s);
}

void Shutdown(Stream* s) {
  if (s->closing) return;
  auto* req = new uv_shutdown_t;
  req->data = s;
  if (uv_shutdown(req, &s->h.stream, OnShutdown) != 0) {
    delete req;
    Close(s);
  }
}

void OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  Stream* s = static_cast<Stream*>(handle->data);
  if (s->fillLeft > 0) {
    // No more than the bulk's rest, so that what follows it comes through the turn's buffer.
    *buf = uv_buf_init(s->fillAt, static_cast<unsigned int>(s->fillLeft < kFillReadMax ? s->fillLeft : kFillReadMax));
    return;
  }
  Layer* layer = s->layer;
  if (layer->capacity - layer->size < kReadSize) {
    size_t grown = layer->capacity * 2 < layer->size + kReadSize ? layer->size + kReadSize : layer->capacity * 2;
    char* moved = static_cast<char*>(std::realloc(layer->bytes, grown));
    if (moved == nullptr) {
      // libuv reports UV_ENOBUFS to the read callback, which fails the read.
      *buf = uv_buf_init(nullptr, 0);
      return;
    }
    layer->bytes = moved;
    layer->capacity = grown;
  }
  *buf = uv_buf_init(layer->bytes + layer->size, static_cast<unsigned int>(kReadSize));
}

void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Stream* s = static_cast<Stream*>(stream->data);
  Layer* layer = s->layer;
  if (nread > 0 && s->fillLeft > 0 && buf->base == s->fillAt) {
    s->fillAt += nread;
    s->fillLeft -= static_cast<size_t>(nread);
    Record(layer, kFilled, s->id, 0, static_cast<size_t>(nread));
    if (s->fillLeft == 0) {
      s->fillAt = nullptr;
      s->fillTarget.Reset();
      // The bulk is whole: its request can run in this turn's batch, after what came before it.
      Deliver(layer);
    }
    return;
  }
  if (nread > 0) {
    Record(layer, kData, s->id, layer->size, static_cast<size_t>(nread));
    layer->size += static_cast<size_t>(nread);
    if (static_cast<size_t>(nread) >= kDeliverAtOnce) Deliver(layer);
    return;
  }
  if (nread == 0) return;
  uv_read_stop(stream);
  s->reading = false;
  s->peerEnded = true;
  Record(layer, nread == UV_EOF ? kEnd : kReadError, s->id, 0, 0);
}

// Hands the reads and events gathered so far to JS.
void Deliver(Layer* layer) {
  if (layer->records.empty() || layer->gone) return;
  Napi::Env env(layer->env);
  Napi::HandleScope scope(env);
  // One copy into JS memory, which is never written again: the commands hold views of it.
  Napi::ArrayBuffer memory;
  size_t base = 0;
  if (layer->size > kSlabSize / 2) {
    memory = Napi::ArrayBuffer::New(env, layer->size);
  } else {
    if (layer->slab.IsEmpty() || kSlabSize - layer->slabUsed < layer->size) {
      Napi::ArrayBuffer fresh = Napi::ArrayBuffer::New(env, kSlabSize);
      layer->slab.Reset(fresh, 1);
      layer->slabUsed = 0;
    }
    memory = layer->slab.Value();
    base = layer->slabUsed;
    layer->slabUsed += layer->size;
  }
  if (layer->size > 0) std::memcpy(static_cast<char*>(memory.Data()) + base, layer->bytes, layer->size);
  const size_t n = layer->records.size();
  if (layer->recordCapacity < n) {
    const size_t capacity = std::max(n, 2 * layer->recordCapacity);
    Napi::Int32Array fresh = Napi::Int32Array::New(env, capacity);
    layer->recordArray.Reset(fresh, 1);
    layer->recordData = fresh.Data();
    layer->recordCapacity = capacity;
  }
  std::memcpy(layer->recordData, layer->records.data(), n * sizeof(int32_t));
  layer->records.clear();
  layer->size = 0;
  if (layer->capacity > kKeptReadCapacity) {
    std::free(layer->bytes);
    layer->bytes = nullptr;
    layer->capacity = 0;
  }
  // The runs the batch's requests start wake their device threads once, when it has been handled.
  DeviceQueue::WakeBatch wakeOnce;
  CallJs(layer, layer->onBatch,
         {memory, Napi::Number::New(env, static_cast<double>(base)), layer->recordArray.Value(), Napi::Number::New(env, static_cast<double>(n))});
}

void OnCheck(uv_check_t* check) {
  Layer* layer = static_cast<Layer*>(check->data);
  uv_check_stop(check);
  layer->checkStarted = false;
  Deliver(layer);
}

// Peer and local address of a TCP connection, as Node's socket reports them.
void AddressOf(int (*get)(const uv_tcp_t*, sockaddr*, int*), const uv_tcp_t* tcp, Napi::Env env, napi_value* host,
               napi_value* port) {
  sockaddr_storage addr{};
  int len = sizeof addr;
  char text[INET6_ADDRSTRLEN] = "";
  int number = 0;
  if (get(tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    if (addr.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      uv_ip4_name(in, text, sizeof text);
      number = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      uv_ip6_name(in6, text, sizeof text);
      number = ntohs(in6->sin6_port);
    }
  }
  *host = Napi::String::New(env, text);
  *port = Napi::Number::New(env, number);
}

void OnConnection(uv_stream_t* server, int status) {
  Stream* ls = static_cast<Stream*>(server->data);
  Layer* layer = ls->layer;
  if (status < 0 || layer->gone) return;
  auto* c = new Stream;
  c->layer = layer;
  c->pipe = ls->pipe;
  if (c->pipe) uv_pipe_init(layer->loop, &c->h.pipe, 0);
  else uv_tcp_init(layer->loop, &c->h.tcp);
  c->h.handle.data = c;
  c->id = layer->nextId++;
  layer->streams[c->id] = c;
  if (uv_accept(server, &c->h.stream) != 0) {
    Close(c);
    return;
  }
  Napi::Env env(layer->env);
  Napi::HandleScope scope(env);
  napi_value remoteHost = env.Undefined(), remotePort = env.Undefined(), localHost = env.Undefined(), localPort = env.Undefined();
  if (!c->pipe) {
    uv_tcp_nodelay(&c->h.tcp, 1);
    AddressOf(uv_tcp_getpeername, &c->h.tcp, env, &remoteHost, &remotePort);
    AddressOf(uv_tcp_getsockname, &c->h.tcp, env, &localHost, &localPort);
  }
  c->reading = uv_read_start(&c->h.stream, OnAlloc, OnRead) == 0;
  c->announced = true;
  CallJs(layer, layer->onAccept,
         {Napi::Number::New(env, ls->id), Napi::Number::New(env, c->id), remoteHost, remotePort, localHost, localPort});
}

void OnWritten(uv_write_t* req, int status) {
  auto* w = static_cast<WriteRequest*>(req->data);
  Stream* s = w->stream;
  s->queuedWrites--;
  s->queuedBytes -= w->bytes;
  // Cancelled while the environment goes away: its references may no longer be deleted.
  if (s->layer->gone) w->chunks.SuppressDestruct();
  delete w;
  if (s->closing) return;
  if (status < 0) {
    Close(s);
    return;
  }
  if (s->queuedWrites > 0) return;
  if (s->ending) {
    Shutdown(s);
  } else if (s->owesDrain) {
    s->owesDrain = false;
    Record(s->layer, kDrain, s->id, 0, 0);
  }
}

Layer* LayerOf(const Napi::CallbackInfo& info) { return static_cast<Layer*>(info.Data()); }

Stream* ConnectionOf(const Napi::CallbackInfo& info) {
  Layer* layer = LayerOf(info);
  auto it = layer->streams.find(info[0].As<Napi::Number>().Int32Value());
  return it == layer->streams.end() || it->second->listener ? nullptr : it->second;
}

Napi::Value SocketsInit(const Napi::CallbackInfo& info) {
  Layer* layer = LayerOf(info);
  layer->onBatch = Napi::Persistent(info[0].As<Napi::Function>());
  layer->onAccept = Napi::Persistent(info[1].As<Napi::Function>());
  layer->onClose = Napi::Persistent(info[2].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Error ListenError(Napi::Env env, int code, const std::string& where) {
  Napi::Error error = Napi::Error::New(env, std::string("listen ") + uv_err_name(code) + ": " + uv_strerror(code) + " " + where);
  error.Set("code", uv_err_name(code));
  return error;
}

Stream* NewListener(Layer* layer, bool pipe) {
  auto* s = new Stream;
  s->layer = layer;
  s->listener = true;
  s->pipe = pipe;
  if (pipe) uv_pipe_init(layer->loop, &s->h.pipe, 0);
  else uv_tcp_init(layer->loop, &s->h.tcp);
  s->h.handle.data = s;
  s->id = layer->nextId++;
  layer->streams[s->id] = s;
  return s;
}

Napi::Value SocketsListenTcp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Layer* layer = LayerOf(info);
  const std::string host = info[0].As<Napi::String>().Utf8Value();
  const int port = info[1].As<Napi::Number>().Int32Value();
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    throw Napi::Error::New(env, "not an IP address: " + host);
  }
  Stream* s = NewListener(layer, false);
  int rc = uv_tcp_bind(&s->h.tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(&s->h.stream, 511, OnConnection);
  if (rc != 0) {
    Close(s);
    throw ListenError(env, rc, host + ":" + std::to_string(port));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&s->h.tcp, reinterpret_cast<sockaddr*>(&bound), &len);
  const int boundPort = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, s->id));
  out.Set(1u, Napi::Number::New(env, boundPort));
  return out;
}

Napi::Value SocketsListenPipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Layer* layer = LayerOf(info);
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Stream* s = NewListener(layer, true);
  int rc = uv_pipe_bind(&s->h.pipe, path.c_str());
  if (rc == 0) rc = uv_listen(&s->h.stream, 511, OnConnection);
  if (rc != 0) {
    Close(s);
    throw ListenError(env, rc, path);
  }
  return Napi::Number::New(env, s->id);
}

Napi::Value SocketsCloseListener(const Napi::CallbackInfo& info) {
  Layer* layer = LayerOf(info);
  auto it = layer->streams.find(info[0].As<Napi::Number>().Int32Value());
  if (it != layer->streams.end() && it->second->listener) Close(it->second);
  return info.Env().Undefined();
}

Napi::Value SocketsWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Stream* s = ConnectionOf(info);
  // Nothing to write to any more (the peer or the server closed it): as a destroyed socket, drop it.
  if (s == nullptr || s->closing || s->ending) return Napi::Boolean::New(env, true);
  Napi::Array chunks = info[1].As<Napi::Array>();
  const uint32_t n = chunks.Length();
  std::vector<uv_buf_t> bufs(n);
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    Napi::Uint8Array chunk = chunks.Get(i).As<Napi::Uint8Array>();
    bufs[i] = uv_buf_init(reinterpret_cast<char*>(chunk.Data()), static_cast<unsigned int>(chunk.ByteLength()));
    total += chunk.ByteLength();
  }
  size_t written = 0;
  if (s->queuedWrites == 0) {
    int rc = uv_try_write(&s->h.stream, bufs.data(), n);
    if (rc >= 0) {
      written = static_cast<size_t>(rc);
    } else if (rc != UV_EAGAIN) {
      Close(s);
      return Napi::Boolean::New(env, true);
    }
  }
  if (written == total) return Napi::Boolean::New(env, true);
  uint32_t first = 0;
  for (size_t skip = written; skip > 0;) {
    if (skip >= bufs[first].len) {
      skip -= bufs[first].len;
      first++;
    } else {
      bufs[first].base += skip;
      bufs[first].len -= static_cast<unsigned int>(skip);
      skip = 0;
    }
  }
  auto* w = new WriteRequest{};
  w->stream = s;
  w->bytes = total - written;
  w->chunks = Napi::Persistent(chunks);
  w->req.data = w;
  if (uv_write(&w->req, &s->h.stream, bufs.data() + first, n - first, OnWritten) != 0) {
    delete w;
    Close(s);
    return Napi::Boolean::New(env, true);
  }
  s->queuedWrites++;
  s->queuedBytes += w->bytes;
  if (s->queuedBytes < kHighWater) return Napi::Boolean::New(env, true);
  s->owesDrain = true;
  return Napi::Boolean::New(env, false);
}

Napi::Value SocketsReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Stream* s = ConnectionOf(info);
  if (s == nullptr || s->closing) return env.Undefined();
  s->fillAt = nullptr;
  s->fillLeft = 0;
  s->fillTarget.Reset();
  if (info.Length() < 2 || !info[1].IsTypedArray()) return env.Undefined();
  Napi::TypedArray view = info[1].As<Napi::TypedArray>();
  if (view.ByteLength() == 0) return env.Undefined();
  Napi::ArrayBuffer memory = view.ArrayBuffer();
  s->fillAt = static_cast<char*>(memory.Data()) + view.ByteOffset();
  s->fillLeft = view.ByteLength();
  s->fillTarget = Napi::Persistent(static_cast<Napi::Value>(view));
  return env.Undefined();
}

Napi::Value SocketsPause(const Napi::CallbackInfo& info) {
  Stream* s = ConnectionOf(info);
  if (s != nullptr && s->reading && !s->closing) {
    uv_read_stop(&s->h.stream);
    s->reading = false;
  }
  return info.Env().Undefined();
}

Napi::Value SocketsResume(const Napi::CallbackInfo& info) {
  Stream* s = ConnectionOf(info);
  if (s != nullptr && !s->reading && !s->closing && !s->ending && !s->peerEnded) {
    s->reading = uv_read_start(&s->h.stream, OnAlloc, OnRead) == 0;
  }
  return info.Env().Undefined();
}

Napi::Value SocketsEnd(const Napi::CallbackInfo& info) {
  Stream* s = ConnectionOf(info);
  if (s != nullptr && !s->closing && !s->ending) {
    s->ending = true;
    if (s->reading) uv_read_stop(&s->h.stream);
    s->reading = false;
    if (s->queuedWrites == 0) Shutdown(s);
  }
  return info.Env().Undefined();
}

Napi::Value SocketsDestroy(const Napi::CallbackInfo& info) {
  Stream* s = ConnectionOf(info);
  if (s != nullptr) Close(s);
  return info.Env().Undefined();
}

// The environment is going away (process exit, a Worker ending): no more calls into it.
void Teardown(void* data) {
  auto* layer = static_cast<Layer*>(data);
  layer->gone = true;
  for (auto& [id, s] : layer->streams) {
    if (!s->closing) {
      s->closing = true;
      uv_close(&s->h.handle, OnClosed);
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&layer->check), nullptr);
  // The layer itself stays: close callbacks may still reach it while the loop winds down.
}

}  // namespace

void RegisterSocketLayer(Napi::Env env, Napi::Object exports) {
  auto* layer = new Layer();
  layer->env = env;
  if (napi_get_uv_event_loop(env, &layer->loop) != napi_ok) throw Napi::Error::New(env, "no libuv loop for the socket layer");
  uv_check_init(layer->loop, &layer->check);
  layer->check.data = layer;
  // A started check handle does not keep the loop alive, or the process from exiting.
  uv_unref(reinterpret_cast<uv_handle_t*>(&layer->check));
  napi_add_env_cleanup_hook(env, Teardown, layer);
  auto fn = [&](const char* name, Napi::Value (*f)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, f, name, layer));
  };
  fn("socketsInit", SocketsInit);
  fn("socketsListenTcp", SocketsListenTcp);
  fn("socketsListenPipe", SocketsListenPipe);
  fn("socketsCloseListener", SocketsCloseListener);
  fn("socketsWrite", SocketsWrite);
  fn("socketsReadInto", SocketsReadInto);
  fn("socketsPause", SocketsPause);
  fn("socketsResume", SocketsResume);
  fn("socketsEnd", SocketsEnd);
  fn("socketsDestroy", SocketsDestroy);
}

}  // namespace stormbreaker
