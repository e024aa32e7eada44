// NativeTensor: the JS handle on a core Tensor. Argument rules are checked in TypeScript
// (src/tensor/); this layer trusts types but checks every size it is given.
#pragma once
#include <napi.h>

#include "../core/tensor.h"

namespace stormbreaker {

class NativeTensor : public Napi::ObjectWrap<NativeTensor> {
 public:
  static Napi::Function Define(Napi::Env env);
  // JS: createTensor(dtype, shape, source, byteOffset, byteLength) -> NativeTensor, where source
  // is a NativeStorage or NativeTensor (shared, no copy), a Uint8Array (copied into aligned
  // memory), or null (zero-filled; a STRING tensor of empty strings).
  static Napi::Value Create(const Napi::CallbackInfo& info);
  // JS: checkBlob(dtype, elementCount, bytes: Uint8Array) -> BlobCheck code
  static Napi::Value CheckBlob(const Napi::CallbackInfo& info);
  static bool Is(Napi::Env env, Napi::Value value);

  explicit NativeTensor(const Napi::CallbackInfo& info);
  ~NativeTensor() override;
  Tensor* tensor() const { return tensor_; }

 private:
  Napi::Value DType(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value ByteOffset(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value ArrayBuffer(const Napi::CallbackInfo& info);
  Napi::Value DataAlignment(const Napi::CallbackInfo& info);
  Napi::Value FormatFloats(const Napi::CallbackInfo& info);

  Tensor* tensor_ = nullptr;
};

}  // namespace stormbreaker
