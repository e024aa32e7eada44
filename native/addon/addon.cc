// Entry point of the core addon. This is the whole native surface; src/native.ts describes it
// to TypeScript.
#include <napi.h>
#include <sched.h>
#include <sys/resource.h>

#include "../core/buffer_pool.h"
#include "../core/format_double.h"
#include "../exec/backend_registry.h"
#include "../exec/device_queue.h"
#include "backend_messages.h"
#include "addon_state.h"
#include "model_functions.h"
#include "run_tensors.h"
#include "script_functions.h"
#include "socket_layer.h"
#include "tensor_functions.h"

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

// Device queues as INFO reports them: requests waiting and running, batches formed, requests
// refused, and each thread's CPU time.
Napi::Value QueueStatsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto queues = DeviceQueue::All();
  Napi::Array out = Napi::Array::New(env, queues.size());
  for (size_t i = 0; i < queues.size(); i++) {
    Napi::Object q = Napi::Object::New(env);
    q.Set("device", queues[i].device);
    q.Set("pending", static_cast<double>(queues[i].pending));
    q.Set("running", static_cast<double>(queues[i].running));
    q.Set("batches", static_cast<double>(queues[i].batches));
    q.Set("batchedRuns", static_cast<double>(queues[i].batchedRuns));
    q.Set("rejected", static_cast<double>(queues[i].rejected));
    Napi::Array cpu = Napi::Array::New(env, queues[i].threadCpuSeconds.size());
    for (size_t t = 0; t < queues[i].threadCpuSeconds.size(); t++) cpu.Set(static_cast<uint32_t>(t), queues[i].threadCpuSeconds[t]);
    q.Set("threadCpuSeconds", cpu);
    out.Set(static_cast<uint32_t>(i), q);
  }
  return out;
}

// Makes a device's queue now, before its first run (RedisAI has its CPU queue from start-up, and
// INFO reports its threads from then on). Throws the queue error when it cannot be made.
Napi::Value OpenQueueJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QueueChoice choice = QueueChoiceFrom(info[1]);
  QueueOrThrow(env, info[0].ToString().Utf8Value(), choice.threads);
  return env.Undefined();
}

// CPU time of the calling (main) thread.
Napi::Value MainThreadCpuJs(const Napi::CallbackInfo& info) {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("user", usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6);
  out.Set("sys", usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
  return out;
}

// Offers the calling thread's core to any other thread waiting for it, and returns at once when
// none is: each turn of a polling event loop calls it (src/engine/keepLoopAwake.ts), so that a
// client or backend thread sharing the core never waits for the poll to end.
Napi::Value YieldCpuJs(const Napi::CallbackInfo& info) {
  sched_yield();
  return info.Env().Undefined();
}

// standDownDeviceSpin(ms): device threads do not spin for work for the next `ms` (DeviceQueue::StandDownSpin).
Napi::Value StandDownDeviceSpinJs(const Napi::CallbackInfo& info) {
  const double ms = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  // At most a minute: the server renews it every ms or so while clients send (NaN does nothing).
  if (ms > 0) DeviceQueue::StandDownSpin(ms < 60000 ? ms : 60000);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new AddonState();
  env.SetInstanceData<AddonState>(state);
  OpenCompletionChannel(env, *state);
  auto fn = [&](const char* name, Napi::Value (*f)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, f, name));
  };
  BackendRegistry::LogSink() = QueueBackendMessage;
  fn("takeBackendMessages", TakeBackendMessages);
  fn("yieldCpu", YieldCpuJs);
  fn("standDownDeviceSpin", StandDownDeviceSpinJs);
  exports.Set("abiVersion", Napi::Number::New(env, 18));
  fn("setShapeScratch", SetShapeScratch);
  fn("setRunScratch", SetRunScratch);
  fn("allocateStorage", AllocateStorage);
  fn("storageArrayBuffer", StorageArrayBuffer);
  fn("discardStorage", DiscardStorage);
  fn("releaseStorage", ReleaseStorage);
  fn("tensorRelease", TensorRelease);
  fn("createTensor", CreateTensor);
  fn("tensorDType", TensorDType);
  fn("tensorShape", TensorShape);
  fn("tensorByteOffset", TensorByteOffset);
  fn("tensorByteLength", TensorByteLength);
  fn("tensorDataAlignment", TensorDataAlignment);
  fn("tensorArrayBuffer", TensorArrayBuffer);
  fn("formatFloats", FormatFloats);
  fn("encodeFloatsReply", EncodeFloatsReply);
  fn("loadBackend", LoadBackend);
  fn("backendVersion", BackendVersion);
  fn("backendLibraryVersion", BackendLibraryVersion);
  fn("backendMemory", BackendMemory);
  fn("modelCreate", ModelCreate);
  fn("modelInputs", ModelInputs);
  fn("modelOutputs", ModelOutputs);
  fn("modelOutputLabels", ModelOutputLabels);
  fn("modelRun", ModelRun);
  fn("scriptCreate", ScriptCreate);
  fn("scriptCheckEntryPoint", ScriptCheckEntryPoint);
  fn("scriptRun", ScriptRun);
  fn("formatDouble", FormatDoubleJs);
  fn("openQueue", OpenQueueJs);
  fn("poolStats", PoolStatsJs);
  fn("queueStats", QueueStatsJs);
  fn("mainThreadCpu", MainThreadCpuJs);
  RegisterSocketLayer(env, exports);
  return exports;
}

}  // namespace
}  // namespace stormbreaker

// The macro pastes its argument into a name, so it needs an unqualified function.
static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return stormbreaker::Init(env, exports); }
NODE_API_MODULE(stormbreaker, InitAddon)
