// Per-load addon state (worker threads may load the addon more than once), kept as the env's
// instance data and freed with it.
#pragma once
#include <napi.h>

namespace stormbreaker {

struct AddonState {
  Napi::FunctionReference storageConstructor;
  Napi::FunctionReference tensorConstructor;
};

inline AddonState& StateOf(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

}  // namespace stormbreaker
