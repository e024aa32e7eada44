#include "run_tensors.h"

#include <cstring>

#include "addon_state.h"
#include "handles.h"
#include "../exec/device_queue.h"

namespace stormbreaker {

namespace {

// The input tensor of `bytes`, its dtype and shape read from the run scratch at *cursor (moved past
// them); nullptr (with a TypeError thrown) when they do not describe `bytes` exactly.
Tensor* InlineTensor(Napi::Env env, Napi::Uint8Array bytes, size_t* cursor) {
  auto fail = [&]() -> Tensor* {
    Napi::TypeError::New(env, "a run input is a tensor handle, or bytes with their dtype and shape in the run scratch").ThrowAsJavaScriptException();
    return nullptr;
  };
  AddonState& state = StateOf(env);
  const double* header = state.runScratch + *cursor;
  const size_t left = state.runScratchCapacity - *cursor;
  if (left < 2) return fail();
  const double code = header[0];
  const double rank = header[1];
  if (!(code >= 0 && code < kDTypeCount) || code != static_cast<double>(static_cast<int>(code))) return fail();
  auto dtype = static_cast<DType>(static_cast<int>(code));
  if (dtype == DType::String || dtype == DType::Bool) return fail();  // JS keeps neither as bytes
  // At most createTensor's dims, and no product past the inline limit: no overflow on the way.
  if (!(rank >= 0 && rank <= kMaxRunRank) || rank != static_cast<double>(static_cast<size_t>(rank))) return fail();
  const size_t dims = static_cast<size_t>(rank);
  if (left < 2 + dims) return fail();
  std::vector<int64_t> shape(dims);
  __int128 count = 1;
  for (size_t i = 0; i < dims; i++) {
    double n = header[2 + i];
    if (!(n >= 0) || n > 9007199254740991.0 || n != static_cast<double>(static_cast<int64_t>(n))) return fail();
    shape[i] = static_cast<int64_t>(n);
    count *= shape[i];
    if (count > static_cast<__int128>(kInlineTensorBytes)) return fail();
  }
  if (bytes.ByteLength() != static_cast<size_t>(count) * ElementSize(dtype)) return fail();
  *cursor += 2 + dims;
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

constexpr size_t AlignTo8(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }
// The largest output that crosses as bytes, with its header (dtype, rank, dims), fits a fresh slab.
static_assert(AlignTo8(kInlineTensorBytes) + (2 + kMaxRunRank) * sizeof(double) <= kSlabBytes);

// `tensor`'s bytes at the next free 8-byte boundary of the slab (as any element type needs), its
// header right after them, as a Uint8Array of the bytes.
Napi::Value SlabCopy(Napi::Env env, const Tensor& tensor) {
  AddonState& state = StateOf(env);
  const size_t length = tensor.byteLength();
  const size_t dims = tensor.shape().size();
  size_t at = AlignTo8(state.outputSlabUsed);
  const size_t end = AlignTo8(at + length) + (2 + dims) * sizeof(double);
  if (state.outputSlab.IsEmpty() || end > kSlabBytes) {
    state.outputSlab = Napi::Persistent(Napi::ArrayBuffer::New(env, kSlabBytes));
    at = 0;
  }
  Napi::ArrayBuffer slab = state.outputSlab.Value();
  char* base = static_cast<char*>(slab.Data());
  std::memcpy(base + at, tensor.data(), length);
  double* header = reinterpret_cast<double*>(base + AlignTo8(at + length));
  header[0] = static_cast<int>(tensor.dtype());
  header[1] = static_cast<double>(dims);
  for (size_t i = 0; i < dims; i++) header[2 + i] = static_cast<double>(tensor.shape()[i]);
  state.outputSlabUsed = AlignTo8(at + length) + (2 + dims) * sizeof(double);
  return Napi::Uint8Array::New(env, length, slab, at);
}

}  // namespace

bool TakeRunInputs(Napi::Env env, Napi::Array inputs, std::vector<Tensor*>* out) {
  size_t cursor = 0;
  const uint32_t count = inputs.Length();
  out->reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value item = inputs.Get(i);
    Tensor* tensor = nullptr;
    if (item.IsTypedArray() && item.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      tensor = InlineTensor(env, item.As<Napi::Uint8Array>(), &cursor);
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

Napi::Value SetRunScratch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    Napi::TypeError::New(env, "setRunScratch(Float64Array)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  AddonState& state = StateOf(env);
  Napi::Float64Array array = info[0].As<Napi::Float64Array>();
  state.runScratchArray = Napi::Persistent(array);
  state.runScratch = array.Data();
  state.runScratchCapacity = array.ElementLength();
  return env.Undefined();
}

Napi::Value RunOutput(Napi::Env env, Tensor* tensor, DeviceQueue* ranOn) {
  // A part of a larger storage (a request's rows of a batched run's output) stays a view of it.
  bool whole = tensor->byteOffset() == 0 && tensor->byteLength() == tensor->storage()->size();
  // STRING and BOOL stay handles: JS passes neither back as bytes (a BOOL's bytes would need
  // checking again), and neither does a shape of more dims than createTensor takes.
  bool small = whole && tensor->dtype() != DType::String && tensor->dtype() != DType::Bool &&
               tensor->byteLength() <= kInlineTensorBytes && tensor->elementCount() > 0 &&
               tensor->shape().size() <= kMaxRunRank;
  if (!small) return TensorHandle(env, tensor);
  Napi::Value bytes = SlabCopy(env, *tensor);
  if (ranOn != nullptr) ranOn->ReleaseLater(tensor);
  else tensor->Release();
  return bytes;
}

}  // namespace stormbreaker
