// Tensor: a DLPack managed tensor over shared Storage, reference-counted so that the keyspace,
// JS views and backend runs on device threads can all hold it safely.
#pragma once
#include <dlpack/dlpack.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "dtype.h"
#include "storage.h"

namespace stormbreaker {

enum class BlobCheck {
  Ok = 0,
  SizeMismatch = 1,         // byte length does not match shape and dtype
  BoolNotBinary = 2,        // a BOOL byte that is neither 0 nor 1
  StringCountMismatch = 3,  // STRING blob does not hold exactly one NUL-terminated element per slot
};

// Checks `bytes` as the data of a tensor with `count` elements. Every BOOL byte is checked,
// the last one included (RedisAI skipped it; DESIGN.md deviation 2).
BlobCheck CheckBlob(DType dtype, int64_t count, const char* bytes, size_t length);

class Tensor {
 public:
  // Lets the addon check that an opaque handle it is given really is a Tensor.
  static constexpr uint32_t kMagic = 0x54454e53;  // "TENS"
  bool IsValid() const { return magic_ == kMagic && storage_ != nullptr; }

  // Creates a tensor over [byteOffset, byteOffset + byteLength) of `storage`, taking its own
  // reference. STRING data must already have passed CheckBlob.
  static Tensor* Create(DType dtype, std::vector<int64_t> shape, Storage* storage, size_t byteOffset,
                        size_t byteLength);

  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release();

  // Gives the storage back now when this is the tensor's only reference (a stored tensor the
  // store dropped, that nothing else reached): its memory returns to the pool at once instead
  // of when the garbage collector finds the handle. The tensor is then no longer valid (a
  // handle on it is refused). False, and nothing done, when anything else holds the tensor.
  bool ReleaseStorageIfSole();

  // Bytes of this tensor's memory the JS engine was told about (its handle tells it again when
  // it goes): taken, so that it is given back once.
  void SetHostAccounted(int64_t bytes) { hostAccounted_ = bytes; }
  int64_t TakeHostAccounted() {
    int64_t bytes = hostAccounted_;
    hostAccounted_ = 0;
    return bytes;
  }

  // Hands a DLPack consumer its own reference; the consumer's deleter call releases it.
  DLManagedTensor* ToDLPack();

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t elementCount() const { return elementCount_; }
  Storage* storage() const { return storage_; }
  size_t byteOffset() const { return byteOffset_; }
  size_t byteLength() const { return byteLength_; }
  const char* data() const { return storage_->data() + byteOffset_; }
  // Start of each element of a STRING tensor within data().
  const std::vector<uint64_t>& stringOffsets() const { return stringOffsets_; }

 private:
  Tensor(DType dtype, std::vector<int64_t> shape, Storage* storage, size_t byteOffset, size_t byteLength);
  ~Tensor();

  const uint32_t magic_ = kMagic;
  std::atomic<int> refs_{1};
  int64_t hostAccounted_ = 0;
  DType dtype_;
  std::vector<int64_t> shape_;
  int64_t elementCount_;
  Storage* storage_;
  size_t byteOffset_;
  size_t byteLength_;
  std::vector<uint64_t> stringOffsets_;
  DLManagedTensor managed_;
};

// Element count of a shape (1 for a scalar).
int64_t ElementCount(const std::vector<int64_t>& shape);

}  // namespace stormbreaker
