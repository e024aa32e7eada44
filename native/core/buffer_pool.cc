#include "buffer_pool.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "storage.h"

namespace stormbreaker {
namespace {

// Size classes: four per power of two, so a pooled buffer wastes at most a quarter of itself.
size_t RoundToSizeClass(size_t size) {
  if (size < kPoolMinSize) {
    return (size + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  }
  size_t top = 63 - __builtin_clzll(size);
  size_t step = size_t(1) << (top - 2);
  return (size + step - 1) / step * step;
}

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<char*>> free;
  size_t cachedBytes = 0;
  size_t cachedBuffers = 0;
  size_t cacheLimit = size_t(256) << 20;
  size_t hits = 0;
  size_t misses = 0;
};

Pool& ThePool() {
  static Pool* pool = new Pool();  // never destroyed: worker threads may free during exit
  return *pool;
}

char* AlignedAlloc(size_t capacity) {
  void* p = nullptr;
  if (posix_memalign(&p, kTensorAlignment, capacity == 0 ? kTensorAlignment : capacity) != 0) {
    throw std::bad_alloc();
  }
  return static_cast<char*>(p);
}

}  // namespace

char* BufferPool::Allocate(size_t size, size_t* capacity) {
  size_t cap = RoundToSizeClass(size);
  *capacity = cap;
  if (cap < kPoolMinSize) return AlignedAlloc(cap);
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    auto it = pool.free.find(cap);
    if (it != pool.free.end() && !it->second.empty()) {
      char* data = it->second.back();
      it->second.pop_back();
      pool.cachedBytes -= cap;
      pool.cachedBuffers--;
      pool.hits++;
      return data;
    }
    pool.misses++;
  }
  return AlignedAlloc(cap);
}

void BufferPool::Free(char* data, size_t capacity) {
  if (capacity >= kPoolMinSize) {
    Pool& pool = ThePool();
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (pool.cachedBytes + capacity <= pool.cacheLimit) {
      pool.free[capacity].push_back(data);
      pool.cachedBytes += capacity;
      pool.cachedBuffers++;
      return;
    }
  }
  std::free(data);
}

PoolStats BufferPool::Stats() {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  return {pool.cachedBytes, pool.cachedBuffers, pool.hits, pool.misses};
}

void BufferPool::SetCacheLimit(size_t bytes) {
  Pool& pool = ThePool();
  std::vector<char*> drop;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.cacheLimit = bytes;
    for (auto& entry : pool.free) {
      while (pool.cachedBytes > pool.cacheLimit && !entry.second.empty()) {
        drop.push_back(entry.second.back());
        entry.second.pop_back();
        pool.cachedBytes -= entry.first;
        pool.cachedBuffers--;
      }
    }
  }
  for (char* p : drop) std::free(p);
}

}  // namespace stormbreaker
