#include "backend_call.h"

#include <chrono>
#include <cstdio>
#include <cstring>

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

void CallBackend(const std::vector<Tensor*>& inputs, bool wantOutputs, const BackendCallFn& call, RunOutcome* outcome) {
  std::vector<DLManagedTensor*> in;
  in.reserve(inputs.size());
  for (Tensor* t : inputs) in.push_back(t->ToDLPack());
  // Where the backend puts its outputs: on the stack (8 KiB allocated and freed per run was the
  // device thread's largest malloc).
  DLManagedTensor* out[kMaxOutputs];
  const size_t maxOut = wantOutputs ? kMaxOutputs : 0;
  size_t produced = 0;
  SBError error{};
  auto start = std::chrono::steady_clock::now();
  int rc = call(in.data(), in.size(), out, maxOut, &produced, &error);
  outcome->micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  for (DLManagedTensor* m : in) m->deleter(m);
  if (rc != 0) {
    outcome->Fail(error.code != 0 ? error.code : rc, error.message);
    // A backend may fail after handing over some outputs: they are ours to free.
    for (size_t i = 0; i < produced && i < maxOut; i++) out[i]->deleter(out[i]);
    return;
  }
  for (size_t i = 0; i < produced && i < maxOut; i++) {
    Tensor* t = AdoptOutput(out[i]);
    if (t == nullptr) {
      if (outcome->errorCode == 0) {
        char message[96];
        std::snprintf(message, sizeof(message), "output %zu has a dtype Stormbreaker cannot store", i);
        outcome->Fail(1, message);
      }
      continue;
    }
    outcome->outputs.push_back(t);
  }
}

}  // namespace stormbreaker
