#include "handles.h"

namespace stormbreaker {

Napi::Value TensorHandle(Napi::Env env, Tensor* tensor) {
  return Napi::External<Tensor>::New(env, tensor, [](Napi::Env finalizeEnv, Tensor* t) {
    if (int64_t bytes = t->TakeHostAccounted()) Napi::MemoryManagement::AdjustExternalMemory(finalizeEnv, -bytes);
    t->Release();
  });
}

std::vector<std::string> StringList(Napi::Value value) {
  std::vector<std::string> out;
  if (!value.IsArray()) return out;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (item.IsBuffer()) {
      auto bytes = item.As<Napi::Buffer<char>>();
      out.emplace_back(bytes.Data(), bytes.Length());
    } else {
      out.push_back(item.ToString().Utf8Value());
    }
  }
  return out;
}

}  // namespace stormbreaker
