// BufferPool: keeps freed large aligned buffers for reuse. A fresh allocation that is then
// touched once costs ~20x a warm copy on these machines (PERFORMANCE.md), so large tensor
// buffers are recycled instead of returned to the OS.
#pragma once
#include <cstddef>

namespace stormbreaker {

// Buffers below this size come straight from the C allocator, which is fast for them.
constexpr size_t kPoolMinSize = 64 * 1024;

struct PoolStats {
  size_t cachedBytes;
  size_t cachedBuffers;
  size_t hits;
  size_t misses;
};

class BufferPool {
 public:
  // Returns 64-byte aligned memory of at least `size` bytes; `*capacity` receives the real size,
  // which must be handed back to Free.
  static char* Allocate(size_t size, size_t* capacity);
  static void Free(char* data, size_t capacity);
  static PoolStats Stats();
  // Upper bound of bytes kept cached (default 256 MiB).
  static void SetCacheLimit(size_t bytes);
};

}  // namespace stormbreaker
