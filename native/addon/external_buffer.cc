#include "external_buffer.h"

#include "../core/buffer_pool.h"

namespace stormbreaker {

Napi::ArrayBuffer ExternalArrayBuffer(Napi::Env env, Storage* storage) {
  // An empty tensor may have no memory at all (a null pointer): V8 would treat that external
  // buffer as detached.
  if (storage->size() == 0) return Napi::ArrayBuffer::New(env, 0);
  storage->Retain();
  // Telling V8 about large native memory lets the GC run before the heap alone would ask for it.
  int64_t accounted = storage->size() >= kPoolMinSize ? static_cast<int64_t>(storage->size()) : 0;
  if (accounted) Napi::MemoryManagement::AdjustExternalMemory(env, accounted);
  return Napi::ArrayBuffer::New(
      env, storage->data(), storage->size(),
      [accounted](Napi::Env finalizeEnv, void*, Storage* s) {
        if (accounted) Napi::MemoryManagement::AdjustExternalMemory(finalizeEnv, -accounted);
        s->Release();
      },
      storage);
}

}  // namespace stormbreaker
