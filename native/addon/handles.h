// Opaque JS handles on core objects: N-API externals whose finalizer drops one reference.
// Externals are much cheaper to make than wrapped class instances (one small V8 object, no JS
// constructor call), which matters when every small TENSORSET makes one.
#pragma once
#include <napi.h>

#include "../core/storage.h"
#include "../core/tensor.h"

namespace stormbreaker {

// Adopts one reference on the object.
Napi::Value TensorHandle(Napi::Env env, Tensor* tensor);
Napi::Value StorageHandle(Napi::Env env, Storage* storage);

// The object behind a handle, or nullptr (with a JS TypeError thrown) when it is not one.
Tensor* TensorFrom(Napi::Env env, Napi::Value value);
Storage* StorageFrom(Napi::Env env, Napi::Value value);

}  // namespace stormbreaker
