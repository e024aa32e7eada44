// Entry point of the core addon: registers the tensor and storage handles and a few functions.
// This is the whole native surface; src/native.ts describes it to TypeScript.
#include <napi.h>

#include "../core/buffer_pool.h"
#include "../core/format_double.h"
#include "addon_state.h"
#include "native_storage.h"
#include "native_tensor.h"

namespace stormbreaker {
namespace {

Napi::Value FormatDoubleJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), FormatDouble(info[0].As<Napi::Number>().DoubleValue()));
}

Napi::Value PoolStatsJs(const Napi::CallbackInfo& info) {
  PoolStats stats = BufferPool::Stats();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("cachedBytes", static_cast<double>(stats.cachedBytes));
  out.Set("cachedBuffers", static_cast<double>(stats.cachedBuffers));
  out.Set("hits", static_cast<double>(stats.hits));
  out.Set("misses", static_cast<double>(stats.misses));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new AddonState();
  env.SetInstanceData<AddonState>(state);
  Napi::Function storage = NativeStorage::Define(env);
  Napi::Function tensor = NativeTensor::Define(env);
  state->storageConstructor = Napi::Persistent(storage);
  state->tensorConstructor = Napi::Persistent(tensor);

  exports.Set("abiVersion", Napi::Number::New(env, 1));
  exports.Set("NativeStorage", storage);
  exports.Set("NativeTensor", tensor);
  exports.Set("allocateStorage", Napi::Function::New<NativeStorage::Allocate>(env, "allocateStorage"));
  exports.Set("createTensor", Napi::Function::New<NativeTensor::Create>(env, "createTensor"));
  exports.Set("checkBlob", Napi::Function::New<NativeTensor::CheckBlob>(env, "checkBlob"));
  exports.Set("formatDouble", Napi::Function::New<FormatDoubleJs>(env, "formatDouble"));
  exports.Set("poolStats", Napi::Function::New<PoolStatsJs>(env, "poolStats"));
  return exports;
}

}  // namespace
}  // namespace stormbreaker

// The macro pastes its argument into a name, so it needs an unqualified function.
static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return stormbreaker::Init(env, exports); }
NODE_API_MODULE(stormbreaker, InitAddon)
