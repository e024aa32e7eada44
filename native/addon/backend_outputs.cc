#include "backend_outputs.h"

#include <chrono>
#include <cstdio>
#include <cstring>

#include "handles.h"

namespace stormbreaker {
namespace {

constexpr size_t kMaxOutputs = 1024;

// Wraps a backend's output as a core tensor, adopting its memory. Returns nullptr (and calls
// the output's deleter) when its element type is not one of ours.
Tensor* AdoptOutput(DLManagedTensor* out) {
  const DLTensor& t = out->dl_tensor;
  DType dtype;
  if (!FromDLDataType(t.dtype, &dtype)) {
    out->deleter(out);
    return nullptr;
  }
  std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
  int64_t count = ElementCount(shape);
  size_t bytes = static_cast<size_t>(count) * ElementSize(dtype);
  if (dtype == DType::String) {
    // A STRING output is `count` NUL-terminated elements one after another: its length is where
    // the last one ends.
    const char* base = static_cast<const char*>(t.data) + t.byte_offset;
    bytes = 0;
    for (int64_t i = 0; i < count; i++) bytes += std::strlen(base + bytes) + 1;
  }
  Storage* storage = Storage::AdoptManaged(out, bytes);
  Tensor* tensor = Tensor::Create(dtype, std::move(shape), storage, 0, bytes);
  storage->Release();
  return tensor;
}

}  // namespace

void BackendOutputs::Run(const std::vector<Tensor*>& inputs, bool wantOutputs, const Call& call) {
  std::vector<DLManagedTensor*> in;
  for (Tensor* t : inputs) in.push_back(t->ToDLPack());
  std::vector<DLManagedTensor*> out(wantOutputs ? kMaxOutputs : 0);
  size_t produced = 0;
  auto start = std::chrono::steady_clock::now();
  int rc = call(in.data(), in.size(), out.data(), out.size(), &produced, &error_);
  micros_ = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  for (DLManagedTensor* m : in) m->deleter(m);
  if (rc != 0 && error_.code == 0) error_.code = rc;
  if (rc != 0) {
    // A backend may fail after handing over some outputs: they are ours to free.
    for (size_t i = 0; i < produced && i < out.size(); i++) out[i]->deleter(out[i]);
    return;
  }
  for (size_t i = 0; i < produced; i++) {
    Tensor* t = AdoptOutput(out[i]);
    if (t == nullptr) {
      if (error_.code == 0) {
        error_.code = 1;
        std::snprintf(error_.message, sizeof(error_.message), "output %zu has a dtype Stormbreaker cannot store", i);
      }
      continue;
    }
    outputs_.push_back(t);
  }
}

void BackendOutputs::Settle(Napi::Env env, Napi::Promise::Deferred& deferred, bool timedOut) {
  if (!timedOut && error_.code != 0) {
    for (Tensor* t : outputs_) t->Release();
    outputs_.clear();
    deferred.Reject(Napi::Error::New(env, error_.message).Value());
    return;
  }
  Napi::Array outputs = Napi::Array::New(env, outputs_.size());
  for (size_t i = 0; i < outputs_.size(); i++) outputs.Set(static_cast<uint32_t>(i), TensorHandle(env, outputs_[i]));
  outputs_.clear();  // the handles own them now
  Napi::Object result = Napi::Object::New(env);
  result.Set("outputs", outputs);
  result.Set("micros", Napi::Number::New(env, static_cast<double>(micros_)));
  result.Set("timedOut", timedOut);
  deferred.Resolve(result);
}

}  // namespace stormbreaker
