#include "script_functions.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../exec/backend_registry.h"
#include "../exec/device_queue.h"
#include "../exec/script.h"
#include "addon_state.h"
#include "run_tensors.h"
#include "settle_run.h"
#include "../exec/backend_call.h"
#include "handles.h"
#include "script_host.h"

namespace stormbreaker {
namespace {

Script* ScriptFrom(Napi::Env env, Napi::Value value) { return HandleFrom<Script>(env, value, "script"); }


}  // namespace

Napi::Value ScriptCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SBBackendApi* api = BackendRegistry::Get(info[0].ToString().Utf8Value());
  if (api == nullptr || api->script_create == nullptr || !info[1].IsString() || !info[2].IsString()) {
    Napi::TypeError::New(env, "scriptCreate(loadedBackendWithScripts, source, device, threads)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct Work {
    Napi::Promise::Deferred deferred;
    std::string source, device;
    SBError error{};
    SBScript* script = nullptr;
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  work->source = info[1].ToString().Utf8Value();
  work->device = info[2].ToString().Utf8Value();
  QueueChoice choice = QueueChoiceFrom(info[3]);
  DeviceQueue* queue = QueueOrThrow(env, work->device, choice.threads);
  if (queue == nullptr) return env.Undefined();
  CompletionChannel* channel = StateOf(env).channel;
  auto job = [work, api, channel] {
    int rc = api->script_create(work->source.c_str(), work->device.c_str(), &work->script, &work->error);
    FinishAsync(channel, [work, api, rc](Napi::Env env) {
      if (rc != 0) {
        work->deferred.Reject(Napi::Error::New(env, work->error.message).Value());
        return;
      }
      auto* script = new Script(api, work->script);
      work->deferred.Resolve(Napi::External<Script>::New(env, script, [](Napi::Env, Script* s) { s->Release(); }));
    });
  };
  if (!queue->Push(job, choice.limit)) return ThrowQueueFull(env, *queue, choice.limit);
  BeginAsync(env);
  return work->deferred.Promise();
}

Napi::Value ScriptCheckEntryPoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Script* script = ScriptFrom(env, info[0]);
  if (script == nullptr) return env.Undefined();
  SBError error{};
  std::string fn = info[1].ToString().Utf8Value();
  if (script->api()->script_check_entry_point(script->handle(), fn.c_str(), &error) == 0) return env.Null();
  return Napi::String::New(env, error.message);
}

Napi::Value ScriptRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Script* script = ScriptFrom(env, info[0]);
  if (script == nullptr) return env.Undefined();
  if (!info[1].IsString() || !info[3].IsString() || !info[5].IsArray()) {
    Napi::TypeError::New(env, "scriptRun(script, device, threads, fn, entry, inputs, keys, args, wantOutputs, timeoutMs, host, executionTimeoutMs)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct Work {
    Napi::Promise::Deferred deferred;
    Script* script;
    std::string fn;
    bool entry, wantOutputs;
    std::vector<Tensor*> inputs;
    std::vector<std::string> keys, args;
    RunOutcome outcome;
    std::unique_ptr<ScriptHost> host;  // made and freed on the JS thread
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  if (info[10].IsObject()) work->host = std::make_unique<ScriptHost>(env, info[10].As<Napi::Object>());
  QueueChoice choice = QueueChoiceFrom(info[2]);
  DeviceQueue* queue = QueueOrThrow(env, info[1].ToString().Utf8Value(), choice.threads);
  if (queue == nullptr) return env.Undefined();
  // Each input with a reference of its own for the device thread, dropped when the result is back.
  if (!TakeRunInputs(env, info[5].As<Napi::Array>(), &work->inputs)) return env.Undefined();
  script->Retain();
  work->script = script;
  work->fn = info[3].ToString().Utf8Value();
  work->entry = info[4].ToBoolean();
  work->keys = StringList(info[6]);
  work->args = StringList(info[7]);
  work->wantOutputs = info[8].ToBoolean();
  int64_t timeoutMs = info[9].IsNumber() ? info[9].As<Napi::Number>().Int64Value() : 0;
  int64_t executionTimeoutMs = info[11].IsNumber() ? info[11].As<Napi::Number>().Int64Value() : 0;
  auto enqueued = std::chrono::steady_clock::now();

  CompletionChannel* channel = StateOf(env).channel;
  auto job = [work, channel, queue, timeoutMs, executionTimeoutMs, enqueued] {
    work->outcome.timedOut = timeoutMs > 0 && std::chrono::steady_clock::now() - enqueued > std::chrono::milliseconds(timeoutMs);
    if (!work->outcome.timedOut) {
      std::vector<const char*> keys, args;
      for (auto& k : work->keys) keys.push_back(k.c_str());
      for (auto& a : work->args) args.push_back(a.c_str());
      const SBBackendApi* api = work->script->api();
      CallBackend(work->inputs, work->wantOutputs, [&](DLManagedTensor* const* in, size_t n_in, DLManagedTensor** out,
                                                       size_t max_out, size_t* n_out, SBError* err) {
        return api->script_run(work->script->handle(), work->fn.c_str(), work->entry ? 1 : 0, in, n_in, keys.data(),
                               keys.size(), args.data(), args.size(), work->host ? work->host->api() : nullptr,
                               executionTimeoutMs, out, max_out, n_out, err);
      }, &work->outcome);
    }
    FinishAsync(channel, [work, queue](Napi::Env env) {
      for (Tensor* t : work->inputs) t->Release();
      work->script->Release();
      work->host.reset();
      SettleRun(env, work->deferred, work->outcome, queue);
    });
  };
  auto deadline = timeoutMs > 0 ? enqueued + std::chrono::milliseconds(timeoutMs) : std::chrono::steady_clock::time_point::max();
  if (!queue->Push(job, choice.limit, deadline)) {
    for (Tensor* t : work->inputs) t->Release();
    work->script->Release();
    return ThrowQueueFull(env, *queue, choice.limit);
  }
  BeginAsync(env);
  return work->deferred.Promise();
}

}  // namespace stormbreaker
