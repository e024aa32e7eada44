#include "storage.h"

#include <cstring>

#include "buffer_pool.h"

namespace stormbreaker {

Storage* Storage::Allocate(size_t size) {
  size_t capacity = 0;
  char* data = BufferPool::Allocate(size, &capacity);
  return new Storage(data, size, capacity);
}

Storage* Storage::AllocateZeroed(size_t size) {
  Storage* s = Allocate(size);
  std::memset(s->data_, 0, size);
  return s;
}

void Storage::Release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    BufferPool::Free(data_, capacity_);
    delete this;
  }
}

}  // namespace stormbreaker
