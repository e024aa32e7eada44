#include "upload_hold.h"

#include <string>

#include "../core/buffer_pool.h"

namespace stormbreaker {

Napi::Value StorageHandle(Napi::Env env, Storage* storage) {
  auto* hold = new UploadHold();
  hold->storage = storage;
  // Telling V8 about large native memory lets the GC run before the heap alone would ask for it
  // (an upload whose request never ends: its connection's decoder still holds it).
  if (storage->size() >= kPoolMinSize) {
    hold->accounted = static_cast<int64_t>(storage->size());
    Napi::MemoryManagement::AdjustExternalMemory(env, hold->accounted);
  }
  return Napi::External<UploadHold>::New(env, hold, [](Napi::Env finalizeEnv, UploadHold* h) {
    DropHold(finalizeEnv, h);
    delete h;
  });
}

UploadHold* HoldFrom(Napi::Env env, Napi::Value value) {
  if (value.IsExternal()) {
    auto* hold = static_cast<UploadHold*>(value.As<Napi::External<void>>().Data());
    if (hold != nullptr && hold->magic == UploadHold::kMagic) return hold;
  }
  Napi::TypeError::New(env, "expected a storage handle").ThrowAsJavaScriptException();
  return nullptr;
}

Storage* StorageFrom(Napi::Env env, Napi::Value value) {
  UploadHold* hold = HoldFrom(env, value);
  if (hold == nullptr) return nullptr;
  if (hold->storage == nullptr) {
    Napi::TypeError::New(env, "storage handle already given back").ThrowAsJavaScriptException();
    return nullptr;
  }
  return hold->storage;
}

void DropHold(Napi::Env env, UploadHold* hold) {
  if (hold->storage == nullptr) return;
  if (hold->accounted != 0) Napi::MemoryManagement::AdjustExternalMemory(env, -hold->accounted);
  hold->accounted = 0;
  hold->storage->Release();
  hold->storage = nullptr;
}

}  // namespace stormbreaker
