// What TorchScript scripts can call beyond torch: redis.execute, redis.asList and
// redisAI.model_execute (spec §5.9). They reach the host that is running the current script
// through a per-thread pointer set for the duration of the call.
#pragma once
#include <torch/csrc/jit/frontend/resolver.h>

#include "../backend_api.h"

namespace stormbreaker_torch {

// Makes `host` the one this thread's script calls reach, until the guard ends.
class HostScope {
 public:
  explicit HostScope(const SBHostApi* host);
  ~HostScope();

 private:
  const SBHostApi* previous_;
};

// Resolves `torch`, `redis` and `redisAI` in script source.
std::shared_ptr<torch::jit::Resolver> ScriptResolver();

}  // namespace stormbreaker_torch
