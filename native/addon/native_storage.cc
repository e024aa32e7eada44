#include "native_storage.h"

#include "addon_state.h"
#include "external_buffer.h"

namespace stormbreaker {

Napi::Function NativeStorage::Define(Napi::Env env) {
  return DefineClass(env, "NativeStorage",
                     {InstanceAccessor<&NativeStorage::ByteLength>("byteLength"),
                      InstanceMethod<&NativeStorage::ArrayBuffer>("arrayBuffer")});
}

bool NativeStorage::Is(Napi::Env env, Napi::Value value) {
  return value.IsObject() && value.As<Napi::Object>().InstanceOf(StateOf(env).storageConstructor.Value());
}

// Constructed only from Allocate, which passes the byte length and zero flag.
NativeStorage::NativeStorage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeStorage>(info) {
  size_t length = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  bool zeroed = info[1].ToBoolean();
  try {
    storage_ = zeroed ? Storage::AllocateZeroed(length) : Storage::Allocate(length);
  } catch (const std::bad_alloc&) {
    Napi::Error::New(info.Env(), "out of memory allocating tensor storage").ThrowAsJavaScriptException();
  }
}

NativeStorage::~NativeStorage() {
  if (storage_ != nullptr) storage_->Release();
}

Napi::Value NativeStorage::Allocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return StateOf(env).storageConstructor.New({info[0], info[1]});
}

Napi::Value NativeStorage::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(storage_->size()));
}

Napi::Value NativeStorage::ArrayBuffer(const Napi::CallbackInfo& info) {
  return ExternalArrayBuffer(info.Env(), storage_);
}

}  // namespace stormbreaker
