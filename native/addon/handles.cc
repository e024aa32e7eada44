#include "handles.h"

namespace stormbreaker {
namespace {

// Both core types start with a magic number, so an External can be checked before it is used.
template <typename T>
T* Unwrap(Napi::Env env, Napi::Value value, const char* what) {
  if (value.IsExternal()) {
    T* object = static_cast<T*>(value.As<Napi::External<void>>().Data());
    if (object != nullptr && object->IsValid()) return object;
  }
  Napi::TypeError::New(env, std::string("expected a ") + what + " handle").ThrowAsJavaScriptException();
  return nullptr;
}

}  // namespace

Napi::Value TensorHandle(Napi::Env env, Tensor* tensor) {
  return Napi::External<Tensor>::New(env, tensor, [](Napi::Env, Tensor* t) { t->Release(); });
}

Napi::Value StorageHandle(Napi::Env env, Storage* storage) {
  return Napi::External<Storage>::New(env, storage, [](Napi::Env, Storage* s) { s->Release(); });
}

Tensor* TensorFrom(Napi::Env env, Napi::Value value) { return Unwrap<Tensor>(env, value, "tensor"); }
Storage* StorageFrom(Napi::Env env, Napi::Value value) { return Unwrap<Storage>(env, value, "storage"); }

}  // namespace stormbreaker
