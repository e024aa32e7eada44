#include "tracked_allocator.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

namespace stormbreaker_onnx {

const char* const kMemoryLimitMessage = "Onnxruntime memory limit exceeded, memory allocation failed.";

namespace {

std::atomic<uint64_t> bytes_held{0};
std::atomic<uint64_t> accesses{0};
std::atomic<uint64_t> limit{0};
const OrtMemoryInfo* memory_info = nullptr;

// 64-byte aligned, as ONNX Runtime's own CPU allocator (MLAS kernels expect it).
void* ORT_API_CALL Allocate(OrtAllocator*, size_t size) {
  size_t rounded = size == 0 ? 64 : (size + 63) & ~static_cast<size_t>(63);
  uint64_t cap = limit.load(std::memory_order_relaxed);
  if (cap > 0 && bytes_held.load(std::memory_order_relaxed) + rounded > cap) throw std::runtime_error(kMemoryLimitMessage);
  void* p = std::aligned_alloc(64, rounded);
  if (p == nullptr) throw std::bad_alloc();
  bytes_held.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  accesses.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void ORT_API_CALL Release(OrtAllocator*, void* p) {
  if (p == nullptr) return;
  bytes_held.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  accesses.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}

const OrtMemoryInfo* ORT_API_CALL Info(const OrtAllocator*) { return memory_info; }

OrtAllocator allocator;

}  // namespace

void UseTrackedAllocator(const OrtApi* api, OrtEnv* env, int64_t limit_bytes) {
  limit.store(limit_bytes > 0 ? static_cast<uint64_t>(limit_bytes) : 0);
  static std::once_flag once;
  std::call_once(once, [api, env] {
    OrtMemoryInfo* info = nullptr;
    OrtStatus* status = api->CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &info);
    if (status == nullptr) {
      memory_info = info;
      std::memset(&allocator, 0, sizeof(allocator));  // optional entries (stats, streams, shrink) stay null
      allocator.version = ORT_API_VERSION;
      allocator.Alloc = Allocate;
      allocator.Free = Release;
      allocator.Info = Info;
      allocator.Reserve = Allocate;
      status = api->RegisterAllocator(env, &allocator);
    }
    if (status != nullptr) {
      std::string message = api->GetErrorMessage(status);
      api->ReleaseStatus(status);
      throw std::runtime_error("could not register the ONNX allocator: " + message);
    }
  });
}

uint64_t TrackedBytes() { return bytes_held.load(); }
uint64_t TrackedAccesses() { return accesses.load(); }

}  // namespace stormbreaker_onnx
