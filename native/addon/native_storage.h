// NativeStorage: JS handle on a block of aligned native memory that a tensor can adopt. The RESP
// decoder streams a tensor BLOB straight into one, so the bytes are never reassembled in JS.
#pragma once
#include <napi.h>

#include "../core/storage.h"

namespace stormbreaker {

class NativeStorage : public Napi::ObjectWrap<NativeStorage> {
 public:
  static Napi::Function Define(Napi::Env env);
  // JS: allocateStorage(byteLength, zeroed) -> NativeStorage
  static Napi::Value Allocate(const Napi::CallbackInfo& info);
  static bool Is(Napi::Env env, Napi::Value value);

  explicit NativeStorage(const Napi::CallbackInfo& info);
  ~NativeStorage() override;
  Storage* storage() const { return storage_; }

 private:
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value ArrayBuffer(const Napi::CallbackInfo& info);

  Storage* storage_ = nullptr;
};

}  // namespace stormbreaker
