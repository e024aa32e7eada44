#include "tensor.h"

#include <cstring>

namespace stormbreaker {

int64_t ElementCount(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

BlobCheck CheckBlob(DType dtype, int64_t count, const char* bytes, size_t length) {
  if (dtype == DType::String) {
    if (length == 0) return count == 0 ? BlobCheck::Ok : BlobCheck::StringCountMismatch;  // [0]: no elements
    if (bytes[length - 1] != '\0') return BlobCheck::StringCountMismatch;
    int64_t terminators = 0;
    const char* p = bytes;
    const char* end = bytes + length;
    while (p < end) {
      const void* nul = std::memchr(p, 0, end - p);
      if (nul == nullptr) break;
      terminators++;
      p = static_cast<const char*>(nul) + 1;
    }
    return terminators == count ? BlobCheck::Ok : BlobCheck::StringCountMismatch;
  }
  if (static_cast<uint64_t>(count) * ElementSize(dtype) != length) return BlobCheck::SizeMismatch;
  if (dtype == DType::Bool) {
    for (size_t i = 0; i < length; i++) {
      if (static_cast<unsigned char>(bytes[i]) > 1) return BlobCheck::BoolNotBinary;
    }
  }
  return BlobCheck::Ok;
}

Tensor* Tensor::Create(DType dtype, std::vector<int64_t> shape, Storage* storage, size_t byteOffset,
                       size_t byteLength) {
  return new Tensor(dtype, std::move(shape), storage, byteOffset, byteLength);
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, Storage* storage, size_t byteOffset, size_t byteLength)
    : dtype_(dtype),
      shape_(std::move(shape)),
      elementCount_(ElementCount(shape_)),
      storage_(storage),
      byteOffset_(byteOffset),
      byteLength_(byteLength) {
  storage_->Retain();
  if (dtype_ == DType::String) {
    stringOffsets_.reserve(elementCount_);
    const char* base = data();
    size_t start = 0;
    for (size_t i = 0; i < byteLength_; i++) {
      if (base[i] == '\0') {
        stringOffsets_.push_back(start);
        start = i + 1;
      }
    }
  }
  std::memset(&managed_, 0, sizeof(managed_));
  DLTensor& t = managed_.dl_tensor;
  t.data = storage_->data();
  t.byte_offset = byteOffset_;
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(shape_.size());
  t.dtype = ToDLDataType(dtype_);
  t.shape = shape_.data();
  t.strides = nullptr;  // compact row-major
  managed_.manager_ctx = this;
  managed_.deleter = [](DLManagedTensor* self) { static_cast<Tensor*>(self->manager_ctx)->Release(); };
}

Tensor::~Tensor() {
  if (storage_ != nullptr) storage_->Release();
}

bool Tensor::ReleaseStorageIfSole() {
  // Only the thread that owns the handle calls this; any other holder took its reference from
  // that thread first (a run request, a DLPack consumer), so a count of one cannot be racing.
  if (refs_.load(std::memory_order_acquire) != 1 || storage_ == nullptr) return false;
  storage_->Release();
  storage_ = nullptr;
  return true;
}

void Tensor::Release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

DLManagedTensor* Tensor::ToDLPack() {
  Retain();
  return &managed_;
}

}  // namespace stormbreaker
