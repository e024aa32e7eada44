#include "run_tensors.h"

#include <cstring>

#include "addon_state.h"
#include "handles.h"

namespace stormbreaker {

namespace {

Tensor* InlineTensor(Napi::Env env, Napi::Array spec) {
  auto fail = [&]() -> Tensor* {
    Napi::TypeError::New(env, "a run input is a tensor handle or [dtypeCode, shape, bytes]").ThrowAsJavaScriptException();
    return nullptr;
  };
  if (spec.Length() != 3) return fail();
  Napi::Value codeValue = spec.Get(0u);
  Napi::Value shapeValue = spec.Get(1u);
  Napi::Value bytesValue = spec.Get(2u);
  if (!codeValue.IsNumber() || !shapeValue.IsArray() || !bytesValue.IsTypedArray()) return fail();
  int code = codeValue.As<Napi::Number>().Int32Value();
  if (code < 0 || code >= kDTypeCount) return fail();
  auto dtype = static_cast<DType>(code);
  if (dtype == DType::String || dtype == DType::Bool) return fail();  // JS keeps neither as bytes
  Napi::Array dims = shapeValue.As<Napi::Array>();
  // The rules of createTensor's shapes (tensor_functions.cc ReadShape): at most kMaxRunRank dims,
  // each a whole number, their product bounded at every step.
  if (dims.Length() > kMaxRunRank) return fail();
  std::vector<int64_t> shape(dims.Length());
  __int128 count = 1;
  for (uint32_t i = 0; i < dims.Length(); i++) {
    Napi::Value d = dims.Get(i);
    if (!d.IsNumber()) return fail();
    double n = d.As<Napi::Number>().DoubleValue();
    if (!(n >= 0) || n > 9007199254740991.0 || n != static_cast<double>(static_cast<int64_t>(n))) return fail();
    shape[i] = static_cast<int64_t>(n);
    count *= shape[i];
    if (count > static_cast<__int128>(kInlineTensorBytes)) return fail();
  }
  Napi::Uint8Array bytes = bytesValue.As<Napi::Uint8Array>();
  if (bytes.ByteLength() != static_cast<size_t>(count) * ElementSize(dtype)) return fail();
  Storage* storage = Storage::Allocate(bytes.ByteLength());
  std::memcpy(storage->data(), bytes.Data(), bytes.ByteLength());
  Tensor* tensor = Tensor::Create(dtype, std::move(shape), storage, 0, bytes.ByteLength());
  storage->Release();  // the tensor holds its own reference
  return tensor;
}

// Output bytes go into a shared ArrayBuffer, each a Uint8Array view of its part, as Node pools
// small Buffers: one ArrayBuffer per kSlabBytes of outputs instead of one per output (a backing
// store per output made tiny runs 2 µs slower and cut their throughput by a fifth). Like Node's
// pool (whose size this is), a kept output keeps its slab alive: at most 8 KiB for a tensor of a
// few bytes, as a small TENSORSET BLOB's Buffer.from copy already does.
constexpr size_t kSlabBytes = 8 * 1024;

Napi::Value SlabCopy(Napi::Env env, const char* data, size_t length) {
  AddonState& state = StateOf(env);
  size_t at = (state.outputSlabUsed + 7) & ~static_cast<size_t>(7);  // 8-byte aligned, as any element type needs
  if (state.outputSlab.IsEmpty() || at + length > kSlabBytes) {
    state.outputSlab = Napi::Persistent(Napi::ArrayBuffer::New(env, kSlabBytes));
    at = 0;
  }
  Napi::ArrayBuffer slab = state.outputSlab.Value();
  std::memcpy(static_cast<char*>(slab.Data()) + at, data, length);
  state.outputSlabUsed = at + length;
  return Napi::Uint8Array::New(env, length, slab, at);
}

}  // namespace

bool TakeRunInputs(Napi::Env env, Napi::Array inputs, std::vector<Tensor*>* out) {
  for (uint32_t i = 0; i < inputs.Length(); i++) {
    Napi::Value item = inputs.Get(i);
    Tensor* tensor = nullptr;
    if (item.IsArray()) {
      tensor = InlineTensor(env, item.As<Napi::Array>());
    } else {
      tensor = TensorFrom(env, item);
      if (tensor != nullptr) tensor->Retain();
    }
    if (tensor == nullptr) {
      for (Tensor* taken : *out) taken->Release();
      out->clear();
      return false;
    }
    out->push_back(tensor);
  }
  return true;
}

Napi::Value RunOutput(Napi::Env env, Tensor* tensor) {
  // A part of a larger storage (a request's rows of a batched run's output) stays a view of it.
  bool whole = tensor->byteOffset() == 0 && tensor->byteLength() == tensor->storage()->size();
  // STRING and BOOL stay handles: JS passes neither back as bytes (a BOOL's bytes would need
  // checking again), and neither does a shape of more dims than createTensor takes.
  bool small = whole && tensor->dtype() != DType::String && tensor->dtype() != DType::Bool &&
               tensor->byteLength() <= kInlineTensorBytes && tensor->elementCount() > 0 &&
               tensor->shape().size() <= kMaxRunRank;
  if (!small) return TensorHandle(env, tensor);
  Napi::Array shape = Napi::Array::New(env, tensor->shape().size());
  for (size_t i = 0; i < tensor->shape().size(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(tensor->shape()[i])));
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, static_cast<int>(tensor->dtype())));
  out.Set(1u, shape);
  out.Set(2u, SlabCopy(env, tensor->data(), tensor->byteLength()));
  tensor->Release();
  return out;
}

}  // namespace stormbreaker
