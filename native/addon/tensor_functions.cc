#include "tensor_functions.h"

#include <cstring>
#include <limits>

#include "../core/buffer_pool.h"
#include "../core/format_double.h"
#include "addon_state.h"
#include "external_buffer.h"
#include "handles.h"
#include "upload_hold.h"

namespace stormbreaker {
namespace {

// What createTensor's `source` is (src/native.ts SourceKind).
enum class SourceKind { Zeroed = 0, Bytes = 1, Storage = 2, Tensor = 3 };

// Element i of FLOAT (or DOUBLE) bytes at any alignment, as a double.
double FloatingElement(const char* bytes, size_t i, bool isDouble) {
  if (isDouble) {
    double value;
    std::memcpy(&value, bytes + i * sizeof(double), sizeof(double));
    return value;
  }
  float value;
  std::memcpy(&value, bytes + i * sizeof(float), sizeof(float));
  return static_cast<double>(value);
}

Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Reads `ndim` dims from the scratch, checking each is a positive integer and the count fits.
bool ReadShape(Napi::Env env, uint32_t ndim, std::vector<int64_t>* shape, int64_t* count) {
  AddonState& state = StateOf(env);
  if (state.shape == nullptr || ndim > state.shapeCapacity) return false;
  shape->reserve(ndim);
  __int128 total = 1;
  for (uint32_t i = 0; i < ndim; i++) {
    double d = state.shape[i];
    // 0 is a valid dim natively (backends return empty outputs, persistence restores them); the
    // wire and the public library API refuse it before reaching here, as RedisAI does.
    if (!(d >= 0) || d > 9.007199254740991e15 || d != static_cast<double>(static_cast<int64_t>(d))) return false;
    shape->push_back(static_cast<int64_t>(d));
    total *= static_cast<int64_t>(d);
    if (total > std::numeric_limits<int64_t>::max() / 16) return false;
  }
  *count = static_cast<int64_t>(total);
  return true;
}

}  // namespace

Napi::Value SetShapeScratch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    return Fail(env, "setShapeScratch(Float64Array)");
  }
  // JS writes a shape into this Float64Array before createTensor: reading one typed array we
  // hold is far cheaper than an N-API call per element of a JS array.
  AddonState& state = StateOf(env);
  Napi::Float64Array array = info[0].As<Napi::Float64Array>();
  state.shapeArray = Napi::Persistent(array);
  state.shape = array.Data();
  state.shapeCapacity = array.ElementLength();
  return env.Undefined();
}

Napi::Value AllocateStorage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double length = info[0].As<Napi::Number>().DoubleValue();
  if (!(length >= 0) || length > 9.007199254740991e15) return Fail(env, "allocateStorage: bad length");
  try {
    size_t n = static_cast<size_t>(length);
    return StorageHandle(env, info[1].ToBoolean() ? Storage::AllocateZeroed(n) : Storage::Allocate(n));
  } catch (const std::bad_alloc&) {
    Napi::Error::New(env, "out of memory allocating tensor storage").ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

Napi::Value StorageArrayBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage* storage = StorageFrom(env, info[0]);
  if (storage == nullptr) return env.Undefined();
  // An empty storage may have no memory at all (a null pointer): V8 would treat that external
  // buffer as detached.
  if (storage->size() == 0) return Napi::ArrayBuffer::New(env, 0);
  // No reference of its own: the handle's hold keeps the memory (src/tensor/Tensor.ts maps this
  // buffer to its handle for as long as the buffer lives), and whoever gives the hold back
  // detaches the buffer first.
  return Napi::ArrayBuffer::New(env, storage->data(), storage->size());
}

namespace {

// The storage handle and its ArrayBuffer of discardStorage and releaseStorage: the buffer is
// detached, so that no JS view reaches the memory once the hold is given back.
UploadHold* DetachUpload(const Napi::CallbackInfo& info, const char* usage) {
  Napi::Env env = info.Env();
  UploadHold* hold = HoldFrom(env, info[0]);
  if (hold == nullptr) return nullptr;
  if (!info[1].IsArrayBuffer()) {
    Fail(env, usage);
    return nullptr;
  }
  Napi::ArrayBuffer buffer = info[1].As<Napi::ArrayBuffer>();
  if (buffer.ByteLength() > 0 && !buffer.IsDetached()) buffer.Detach();
  return hold;
}

}  // namespace

Napi::Value DiscardStorage(const Napi::CallbackInfo& info) {
  UploadHold* hold = DetachUpload(info, "discardStorage(storage, arrayBuffer)");
  if (hold != nullptr && hold->storage != nullptr) {
    hold->storage->DiscardMemory();
    DropHold(info.Env(), hold);
  }
  return info.Env().Undefined();
}

Napi::Value ReleaseStorage(const Napi::CallbackInfo& info) {
  UploadHold* hold = DetachUpload(info, "releaseStorage(storage, arrayBuffer)");
  if (hold != nullptr) DropHold(info.Env(), hold);
  return info.Env().Undefined();
}

Napi::Value CreateTensor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() || !info[4].IsNumber() ||
      !info[5].IsNumber()) {
    return Fail(env, "createTensor(dtype, ndim, sourceKind, source, byteOffset, byteLength)");
  }
  int code = info[0].As<Napi::Number>().Int32Value();
  if (!IsValidDType(code)) return Fail(env, "createTensor: unknown dtype code");
  auto dtype = static_cast<stormbreaker::DType>(code);
  std::vector<int64_t> shape;
  int64_t count = 0;
  if (!ReadShape(env, info[1].As<Napi::Number>().Uint32Value(), &shape, &count)) {
    return Fail(env, "createTensor: invalid shape");
  }
  double offsetNumber = info[4].As<Napi::Number>().DoubleValue();
  double lengthNumber = info[5].As<Napi::Number>().DoubleValue();
  if (!(offsetNumber >= 0) || !(lengthNumber >= 0)) return Fail(env, "createTensor: negative range");
  size_t byteOffset = static_cast<size_t>(offsetNumber);
  size_t byteLength = static_cast<size_t>(lengthNumber);

  auto kind = static_cast<SourceKind>(info[2].As<Napi::Number>().Int32Value());
  Storage* storage = nullptr;
  try {
    switch (kind) {
      case SourceKind::Zeroed: {
        size_t expected = dtype == DType::String ? static_cast<size_t>(count) : count * ElementSize(dtype);
        if (byteOffset != 0 || byteLength != expected) return Fail(env, "createTensor: zero tensor of the wrong size");
        storage = Storage::AllocateZeroed(byteLength);
        break;
      }
      case SourceKind::Bytes: {
        if (!info[3].IsTypedArray()) return Fail(env, "createTensor: bytes must be a Uint8Array");
        Napi::Uint8Array bytes = info[3].As<Napi::Uint8Array>();
        if (byteOffset + byteLength > bytes.ByteLength()) return Fail(env, "createTensor: range outside source");
        const char* data = reinterpret_cast<const char*>(bytes.Data()) + byteOffset;
        BlobCheck check = CheckBlob(dtype, count, data, byteLength);
        if (check != BlobCheck::Ok) return Napi::Number::New(env, static_cast<int>(check));
        storage = Storage::Allocate(byteLength);
        std::memcpy(storage->data(), data, byteLength);
        byteOffset = 0;
        break;
      }
      case SourceKind::Storage:
      case SourceKind::Tensor: {
        if (kind == SourceKind::Storage) {
          storage = StorageFrom(env, info[3]);
        } else {
          Tensor* source = TensorFrom(env, info[3]);
          storage = source == nullptr ? nullptr : source->storage();
        }
        if (storage == nullptr) return env.Undefined();
        if (byteOffset + byteLength > storage->size()) return Fail(env, "createTensor: range outside storage");
        BlobCheck check = CheckBlob(dtype, count, storage->data() + byteOffset, byteLength);
        if (check != BlobCheck::Ok) return Napi::Number::New(env, static_cast<int>(check));
        storage->Retain();
        break;
      }
      default:
        return Fail(env, "createTensor: unknown source kind");
    }
  } catch (const std::bad_alloc&) {
    Napi::Error::New(env, "out of memory allocating tensor storage").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Tensor* tensor = Tensor::Create(dtype, std::move(shape), storage, byteOffset, byteLength);
  storage->Release();  // the tensor holds its own reference now
  if (kind == SourceKind::Storage && byteLength >= kPoolMinSize) {
    // The upload's memory is the tensor's now: the JS engine hears of it from the tensor, whose
    // handle outlives the upload's hold (which the request's end gives back).
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(byteLength));
    tensor->SetHostAccounted(static_cast<int64_t>(byteLength));
  }
  return TensorHandle(env, tensor);
}

Napi::Value TensorRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) return Fail(env, "tensorRelease(tensor)");
  auto* tensor = static_cast<Tensor*>(info[0].As<Napi::External<void>>().Data());
  // Checked by hand rather than with TensorFrom: a tensor already released is not an error here.
  if (tensor == nullptr || !tensor->IsValid()) return Napi::Boolean::New(env, false);
  if (!tensor->ReleaseStorageIfSole()) return Napi::Boolean::New(env, false);
  if (int64_t bytes = tensor->TakeHostAccounted()) Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
  return Napi::Boolean::New(env, true);
}

#define TENSOR_ARG                                          \
  Tensor* tensor = TensorFrom(info.Env(), info[0]);         \
  if (tensor == nullptr) return info.Env().Undefined();

Napi::Value TensorDType(const Napi::CallbackInfo& info) {
  TENSOR_ARG
  return Napi::Number::New(info.Env(), static_cast<int>(tensor->dtype()));
}

Napi::Value TensorShape(const Napi::CallbackInfo& info) {
  TENSOR_ARG
  const auto& shape = tensor->shape();
  Napi::Array out = Napi::Array::New(info.Env(), shape.size());
  for (size_t i = 0; i < shape.size(); i++) out.Set(i, Napi::Number::New(info.Env(), static_cast<double>(shape[i])));
  return out;
}

Napi::Value TensorByteOffset(const Napi::CallbackInfo& info) {
  TENSOR_ARG
  return Napi::Number::New(info.Env(), static_cast<double>(tensor->byteOffset()));
}

Napi::Value TensorByteLength(const Napi::CallbackInfo& info) {
  TENSOR_ARG
  return Napi::Number::New(info.Env(), static_cast<double>(tensor->byteLength()));
}

// The largest power of two (up to 4096) that divides the data address: lets tests check the
// 64-byte alignment promise without exposing raw pointers.
Napi::Value TensorDataAlignment(const Napi::CallbackInfo& info) {
  TENSOR_ARG
  auto address = reinterpret_cast<uintptr_t>(tensor->data());
  uintptr_t alignment = 1;
  while (alignment < 4096 && address % (alignment * 2) == 0) alignment *= 2;
  return Napi::Number::New(info.Env(), static_cast<double>(alignment));
}

Napi::Value TensorArrayBuffer(const Napi::CallbackInfo& info) {
  TENSOR_ARG
  return ExternalArrayBuffer(info.Env(), tensor->storage());
}

namespace {
// A typed array's first byte and byte length, from one napi_get_typedarray_info; false (nothing
// thrown) when `value` is not a typed array.
bool TypedArrayBytes(napi_env env, napi_value value, void** data, size_t* byteLength) {
  bool isTypedArray = false;
  if (napi_is_typedarray(env, value, &isTypedArray) != napi_ok || !isTypedArray) return false;
  napi_typedarray_type type;
  size_t length = 0;
  void* first = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &first, nullptr, nullptr) != napi_ok) return false;
  size_t elementSize = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: elementSize = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elementSize = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elementSize = 8; break;
    default: break;
  }
  *data = first;
  *byteLength = length * elementSize;
  return true;
}
}  // namespace

Napi::Value FormatFloats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* data = nullptr;
  size_t byteLength = 0;
  if (info.Length() < 2 || !TypedArrayBytes(env, info[0], &data, &byteLength) || !info[1].IsBoolean()) {
    return Fail(env, "formatFloats(bytes, isDouble)");
  }
  const char* bytes = static_cast<const char*>(data);
  bool isDouble = info[1].As<Napi::Boolean>().Value();
  size_t size = isDouble ? sizeof(double) : sizeof(float);
  if (byteLength % size != 0) return Fail(env, "formatFloats: not a whole number of elements");
  size_t n = byteLength / size;
  // One string, the texts separated by spaces (none of them holds one), that JS splits: a JS
  // string and an array element per value cost two N-API calls each.
  std::string out;
  out.reserve(n * 24);
  for (size_t i = 0; i < n; i++) {
    if (i > 0) out.push_back(' ');
    out += FormatDouble(FloatingElement(bytes, i, isDouble));
  }
  return Napi::String::New(env, out);
}

Napi::Value EncodeFloatsReply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // One napi_get_typedarray_info per array for its data and length (Napi::TypedArray's
  // ArrayBuffer() and ByteOffset() each ask again): the call's fixed cost was ~300 ns, more than
  // formatting a few values.
  void* sourceData = nullptr;
  size_t sourceLength = 0;
  void* targetData = nullptr;
  size_t targetLength = 0;
  if (info.Length() < 5 || !TypedArrayBytes(env, info[0], &sourceData, &sourceLength) || !info[1].IsBoolean() ||
      !info[2].IsBoolean() || !TypedArrayBytes(env, info[3], &targetData, &targetLength) || !info[4].IsNumber()) {
    return Fail(env, "encodeFloatsReply(bytes, isDouble, resp3, target, offset)");
  }
  const bool isDouble = info[1].As<Napi::Boolean>().Value();
  const bool resp3 = info[2].As<Napi::Boolean>().Value();
  const double offset = info[4].As<Napi::Number>().DoubleValue();
  const char* bytes = static_cast<const char*>(sourceData);
  const size_t size = isDouble ? sizeof(double) : sizeof(float);
  if (sourceLength % size != 0) return Fail(env, "encodeFloatsReply: not a whole number of elements");
  const size_t n = sourceLength / size;
  // The most one element takes: `$24\r\n` + text + `\r\n` (RESP2).
  const size_t room = n * (kMaxDoubleText + 8);
  if (!(offset >= 0) || offset > static_cast<double>(targetLength) || targetLength - static_cast<size_t>(offset) < room) {
    return Fail(env, "encodeFloatsReply: target too small");
  }
  char* start = static_cast<char*>(targetData) + static_cast<size_t>(offset);
  char* out = start;
  for (size_t i = 0; i < n; i++) {
    char text[kMaxDoubleText];
    const size_t length = FormatDoubleTo(FloatingElement(bytes, i, isDouble), text);
    if (resp3) {
      *out++ = ',';
    } else {
      *out++ = '$';
      if (length >= 10) *out++ = static_cast<char>('0' + length / 10);
      *out++ = static_cast<char>('0' + length % 10);
      *out++ = '\r';
      *out++ = '\n';
    }
    std::memcpy(out, text, length);
    out += length;
    *out++ = '\r';
    *out++ = '\n';
  }
  return Napi::Number::New(env, static_cast<double>(out - start));
}

}  // namespace stormbreaker
