// The one allocator every CPU session of the ONNX backend uses: registered on ONNX Runtime's
// environment, and chosen by each session with session.use_env_allocators. It counts the bytes
// ONNX Runtime holds and how often it allocates and frees, which INFO MODULES reports as
// ai_onnxruntime_memory and ai_onnxruntime_memory_access_num (RedisAI's allocator counted the same
// two things), and it refuses an allocation that would pass BACKEND_MEMORY_LIMIT.
#pragma once
#include <cstdint>

#include <onnxruntime_c_api.h>

namespace stormbreaker_onnx {

// RedisAI's text for an allocation past BACKEND_MEMORY_LIMIT; the refusal is thrown inside ONNX
// Runtime (as its own arena does when it runs out) and comes back in the failed call's message.
extern const char* const kMemoryLimitMessage;

// Registers the allocator on `env`, once; later calls only update the limit (0: none).
void UseTrackedAllocator(const OrtApi* api, OrtEnv* env, int64_t limit_bytes);

// Bytes held now, and allocations plus frees so far.
uint64_t TrackedBytes();
uint64_t TrackedAccesses();

}  // namespace stormbreaker_onnx
