#include "storage.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "buffer_pool.h"

namespace stormbreaker {

// Header slot of an inline storage: the data that follows it stays 64-byte aligned.
constexpr size_t kInlineHeader = (sizeof(Storage) + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
constexpr size_t kInlineMaxSize = 4096;

Storage* Storage::AllocateInline(size_t size) {
  // malloc and align by hand: small sizes then come from glibc's per-thread cache, where
  // posix_memalign always takes the allocator's slow path (split, unlink) for the alignment.
  void* block = std::malloc(kInlineHeader + size + kTensorAlignment - 1);
  if (block == nullptr) throw std::bad_alloc();
  auto at = (reinterpret_cast<uintptr_t>(block) + kTensorAlignment - 1) & ~static_cast<uintptr_t>(kTensorAlignment - 1);
  auto* storage = new (reinterpret_cast<void*>(at)) Storage(reinterpret_cast<char*>(at) + kInlineHeader, size, 0);
  storage->block_ = block;
  return storage;
}

Storage* Storage::Allocate(size_t size) {
  if (size <= kInlineMaxSize) return AllocateInline(size);
  size_t capacity = 0;
  char* data = BufferPool::Allocate(size, &capacity);
  return new Storage(data, size, capacity);
}

Storage* Storage::AllocateZeroed(size_t size) {
  Storage* s = Allocate(size);
  std::memset(s->data_, 0, size);
  return s;
}

Storage* Storage::AdoptManaged(DLManagedTensor* managed, size_t size) {
  char* data = static_cast<char*>(managed->dl_tensor.data) + managed->dl_tensor.byte_offset;
  auto* storage = new Storage(data, size, 0);
  storage->foreign_ = managed;
  return storage;
}

void Storage::DiscardMemory() {
  if (foreign_ != nullptr || capacity_ == 0 || data_ == nullptr) return;
  BufferPool::Free(data_, capacity_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
  foreign_ = nullptr;
  discarded_ = true;
}

void Storage::Release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (foreign_ != nullptr) {
      if (foreign_->deleter != nullptr) foreign_->deleter(foreign_);
      delete this;
      return;
    }
    if (discarded_) {
      delete this;
      return;
    }
    if (capacity_ == 0) {
      void* block = block_;
      this->~Storage();
      std::free(block);  // header and data were one block
      return;
    }
    BufferPool::Free(data_, capacity_);
    delete this;
  }
}

}  // namespace stormbreaker
