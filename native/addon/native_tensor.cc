#include "native_tensor.h"

#include <cstring>
#include <limits>

#include "../core/format_double.h"
#include "addon_state.h"
#include "external_buffer.h"
#include "native_storage.h"

namespace stormbreaker {
namespace {

Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Reads a shape array, checking every dim is a positive integer and the element count fits.
bool ReadShape(Napi::Array array, std::vector<int64_t>* shape, int64_t* count) {
  uint32_t n = array.Length();
  shape->reserve(n);
  __int128 total = 1;
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = array.Get(i);
    if (!v.IsNumber()) return false;
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d))) return false;
    shape->push_back(static_cast<int64_t>(d));
    total *= static_cast<int64_t>(d);
    if (total > std::numeric_limits<int64_t>::max() / 16) return false;
  }
  *count = static_cast<int64_t>(total);
  return true;
}

}  // namespace

Napi::Function NativeTensor::Define(Napi::Env env) {
  return DefineClass(env, "NativeTensor",
                     {InstanceAccessor<&NativeTensor::DType>("dtype"),
                      InstanceAccessor<&NativeTensor::Shape>("shape"),
                      InstanceAccessor<&NativeTensor::ByteOffset>("byteOffset"),
                      InstanceAccessor<&NativeTensor::ByteLength>("byteLength"),
                      InstanceMethod<&NativeTensor::ArrayBuffer>("arrayBuffer"),
                      InstanceAccessor<&NativeTensor::DataAlignment>("dataAlignment"),
                      InstanceMethod<&NativeTensor::FormatFloats>("formatFloats")});
}

bool NativeTensor::Is(Napi::Env env, Napi::Value value) {
  return value.IsObject() && value.As<Napi::Object>().InstanceOf(StateOf(env).tensorConstructor.Value());
}

// Constructed only from Create, which passes an External holding one reference to adopt.
NativeTensor::NativeTensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeTensor>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "NativeTensor is created by createTensor()").ThrowAsJavaScriptException();
    return;
  }
  tensor_ = info[0].As<Napi::External<Tensor>>().Data();
}

NativeTensor::~NativeTensor() {
  if (tensor_ != nullptr) tensor_->Release();
}

Napi::Value NativeTensor::CheckBlob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int code = info[0].As<Napi::Number>().Int32Value();
  int64_t count = info[1].As<Napi::Number>().Int64Value();
  if (!IsValidDType(code) || !info[2].IsTypedArray()) return Fail(env, "checkBlob: bad arguments");
  Napi::Uint8Array bytes = info[2].As<Napi::Uint8Array>();
  BlobCheck result = stormbreaker::CheckBlob(static_cast<stormbreaker::DType>(code), count,
                                             reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  return Napi::Number::New(env, static_cast<int>(result));
}

Napi::Value NativeTensor::Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsArray() || !info[3].IsNumber() || !info[4].IsNumber()) {
    return Fail(env, "createTensor(dtype, shape, source, byteOffset, byteLength)");
  }
  int code = info[0].As<Napi::Number>().Int32Value();
  if (!IsValidDType(code)) return Fail(env, "createTensor: unknown dtype code");
  auto dtype = static_cast<stormbreaker::DType>(code);
  std::vector<int64_t> shape;
  int64_t count = 0;
  if (!ReadShape(info[1].As<Napi::Array>(), &shape, &count)) return Fail(env, "createTensor: invalid shape");
  double offsetNumber = info[3].As<Napi::Number>().DoubleValue();
  double lengthNumber = info[4].As<Napi::Number>().DoubleValue();
  if (offsetNumber < 0 || lengthNumber < 0) return Fail(env, "createTensor: negative range");
  size_t byteOffset = static_cast<size_t>(offsetNumber);
  size_t byteLength = static_cast<size_t>(lengthNumber);
  if (dtype != DType::String && static_cast<uint64_t>(count) * ElementSize(dtype) != byteLength) {
    return Fail(env, "createTensor: byte length does not match shape and dtype");
  }

  Napi::Value source = info[2];
  Storage* storage = nullptr;
  try {
    if (source.IsNull() || source.IsUndefined()) {
      if (byteOffset != 0 || (dtype == DType::String && byteLength != static_cast<size_t>(count))) {
        return Fail(env, "createTensor: a zero tensor needs offset 0 (and one byte per STRING element)");
      }
      storage = Storage::AllocateZeroed(byteLength);
    } else if (source.IsTypedArray()) {
      Napi::Uint8Array bytes = source.As<Napi::Uint8Array>();
      if (byteOffset + byteLength > bytes.ByteLength()) return Fail(env, "createTensor: range outside source");
      storage = Storage::Allocate(byteLength);
      std::memcpy(storage->data(), bytes.Data() + byteOffset, byteLength);
      byteOffset = 0;
    } else if (NativeStorage::Is(env, source)) {
      storage = NativeStorage::Unwrap(source.As<Napi::Object>())->storage();
      storage->Retain();
    } else if (NativeTensor::Is(env, source)) {
      storage = NativeTensor::Unwrap(source.As<Napi::Object>())->tensor()->storage();
      storage->Retain();
    } else {
      return Fail(env, "createTensor: source must be a NativeStorage, NativeTensor, Uint8Array or null");
    }
  } catch (const std::bad_alloc&) {
    Napi::Error::New(env, "out of memory allocating tensor storage").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (byteOffset + byteLength > storage->size()) {
    storage->Release();
    return Fail(env, "createTensor: range outside storage");
  }
  if (dtype == DType::String &&
      stormbreaker::CheckBlob(dtype, count, storage->data() + byteOffset, byteLength) != BlobCheck::Ok) {
    storage->Release();
    return Fail(env, "createTensor: STRING data must hold one NUL-terminated element per slot");
  }
  Tensor* tensor = Tensor::Create(dtype, std::move(shape), storage, byteOffset, byteLength);
  storage->Release();  // the tensor holds its own reference now
  return StateOf(env).tensorConstructor.New({Napi::External<Tensor>::New(env, tensor)});
}

Napi::Value NativeTensor::DType(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(tensor_->dtype()));
}

Napi::Value NativeTensor::Shape(const Napi::CallbackInfo& info) {
  const auto& shape = tensor_->shape();
  Napi::Array out = Napi::Array::New(info.Env(), shape.size());
  for (size_t i = 0; i < shape.size(); i++) out.Set(i, Napi::Number::New(info.Env(), static_cast<double>(shape[i])));
  return out;
}

Napi::Value NativeTensor::ByteOffset(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(tensor_->byteOffset()));
}

Napi::Value NativeTensor::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(tensor_->byteLength()));
}

// The whole storage as an ArrayBuffer; JS views it at [byteOffset, byteOffset + byteLength).
Napi::Value NativeTensor::ArrayBuffer(const Napi::CallbackInfo& info) {
  return ExternalArrayBuffer(info.Env(), tensor_->storage());
}

// The largest power of two (up to 4096) that divides the data address: lets tests check the
// 64-byte alignment promise without exposing raw pointers.
Napi::Value NativeTensor::DataAlignment(const Napi::CallbackInfo& info) {
  auto address = reinterpret_cast<uintptr_t>(tensor_->data());
  uintptr_t alignment = 1;
  while (alignment < 4096 && address % (alignment * 2) == 0) alignment *= 2;
  return Napi::Number::New(info.Env(), static_cast<double>(alignment));
}

// "%.17g" text of every element of a FLOAT or DOUBLE tensor, in row-major order.
Napi::Value NativeTensor::FormatFloats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t n = tensor_->elementCount();
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(n));
  if (tensor_->dtype() == DType::Float) {
    const float* values = reinterpret_cast<const float*>(tensor_->data());
    for (int64_t i = 0; i < n; i++) out.Set(static_cast<uint32_t>(i), FormatDouble(static_cast<double>(values[i])));
  } else if (tensor_->dtype() == DType::Double) {
    const double* values = reinterpret_cast<const double*>(tensor_->data());
    for (int64_t i = 0; i < n; i++) out.Set(static_cast<uint32_t>(i), FormatDouble(values[i]));
  } else {
    return Fail(env, "formatFloats: not a FLOAT or DOUBLE tensor");
  }
  return out;
}

}  // namespace stormbreaker
