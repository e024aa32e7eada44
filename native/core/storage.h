// Storage: a reference-counted, 64-byte aligned block of tensor memory.
// Tensors, JS ArrayBuffer views and in-flight socket writes each hold a reference, so the
// bytes live exactly as long as someone can still read them, whatever thread lets go last.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include <dlpack/dlpack.h>

namespace stormbreaker {

constexpr size_t kTensorAlignment = 64;

class Storage {
 public:
  // Lets the addon check that an opaque handle it is given really is a Storage.
  static constexpr uint32_t kMagic = 0x53544f52;  // "STOR"
  bool IsValid() const { return magic_ == kMagic; }

  // Uninitialised memory of `size` bytes (large sizes come from the buffer pool).
  static Storage* Allocate(size_t size);
  // Zero-filled memory of `size` bytes.
  static Storage* AllocateZeroed(size_t size);
  // The memory of a tensor a backend produced, without a copy; its deleter runs on release.
  static Storage* AdoptManaged(DLManagedTensor* managed, size_t size);

  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release();

  // Gives large memory back now, before the last reference goes (an upload cut off mid-way:
  // nobody will read it). The caller makes sure nothing can reach the bytes any more. Small
  // inline storage, and memory a backend owns, stay as they are.
  void DiscardMemory();

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  Storage(char* data, size_t size, size_t capacity) : data_(data), size_(size), capacity_(capacity) {}
  DLManagedTensor* foreign_ = nullptr;  // set when the memory belongs to a backend's tensor
  bool discarded_ = false;              // DiscardMemory gave the memory back; only the header remains
  ~Storage() = default;
  // Small storage lives in one allocation with its header (capacity_ == 0 marks it): one malloc
  // instead of two on the hot path of small tensors.
  static Storage* AllocateInline(size_t size);

  const uint32_t magic_ = kMagic;
  std::atomic<int> refs_{1};
  char* data_;
  size_t size_;
  size_t capacity_;  // what the allocator handed out; the pool takes it back by this size
  void* block_ = nullptr;  // an inline storage's allocation, which starts before it (alignment)
};

}  // namespace stormbreaker
