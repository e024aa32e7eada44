// Storage: a reference-counted, 64-byte aligned block of tensor memory.
// Tensors, JS ArrayBuffer views and in-flight socket writes each hold a reference, so the
// bytes live exactly as long as someone can still read them, whatever thread lets go last.
#pragma once
#include <atomic>
#include <cstddef>

namespace stormbreaker {

constexpr size_t kTensorAlignment = 64;

class Storage {
 public:
  // Uninitialised memory of `size` bytes (large sizes come from the buffer pool).
  static Storage* Allocate(size_t size);
  // Zero-filled memory of `size` bytes.
  static Storage* AllocateZeroed(size_t size);

  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release();

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  Storage(char* data, size_t size, size_t capacity) : data_(data), size_(size), capacity_(capacity) {}
  ~Storage() = default;

  std::atomic<int> refs_{1};
  char* data_;
  size_t size_;
  size_t capacity_;  // what the allocator handed out; the pool takes it back by this size
};

}  // namespace stormbreaker
