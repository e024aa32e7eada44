// Opaque JS handles on core objects: N-API externals whose finalizer drops one reference.
// Externals are much cheaper to make than wrapped class instances (one small V8 object, no JS
// constructor call), which matters when every small TENSORSET makes one.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../core/storage.h"
#include "../core/tensor.h"

namespace stormbreaker {

// Adopts one reference on the object.
// (A tensor's handle gives back what its tensor told the JS engine, SetHostAccounted, when it goes.)
Napi::Value TensorHandle(Napi::Env env, Tensor* tensor);

// The object behind a handle, or nullptr (with a JS TypeError thrown) when it is not one. Every
// core type handed out as a handle starts with a magic number its IsValid() checks.
template <typename T>
T* HandleFrom(Napi::Env env, Napi::Value value, const char* what) {
  if (value.IsExternal()) {
    T* object = static_cast<T*>(value.As<Napi::External<void>>().Data());
    if (object != nullptr && object->IsValid()) return object;
  }
  Napi::TypeError::New(env, std::string("expected a ") + what + " handle").ThrowAsJavaScriptException();
  return nullptr;
}

inline Tensor* TensorFrom(Napi::Env env, Napi::Value value) { return HandleFrom<Tensor>(env, value, "tensor"); }

// The items of a JS array as byte strings (Buffers as they are, anything else as UTF-8 text).
std::vector<std::string> StringList(Napi::Value value);

}  // namespace stormbreaker
