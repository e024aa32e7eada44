#include "model_functions.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../exec/backend_registry.h"
#include "../exec/device_queue.h"
#include "../exec/model.h"
#include "addon_state.h"
#include "backend_outputs.h"
#include "handles.h"

namespace stormbreaker {
namespace {

Model* ModelFrom(Napi::Env env, Napi::Value value) { return HandleFrom<Model>(env, value, "model"); }


Napi::Array Names(Napi::Env env, const std::vector<std::string>& names) {
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); i++) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

}  // namespace

Napi::Value LoadBackend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string error;
  const SBBackendApi* api =
      BackendRegistry::Load(info[0].ToString().Utf8Value(), info[1].IsString() ? info[1].ToString().Utf8Value() : "", &error);
  if (api == nullptr) {
    Napi::Error::New(env, error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::String::New(env, api->version());
}

Napi::Value BackendMemory(const Napi::CallbackInfo& info) {
  const SBBackendApi* api = BackendRegistry::Get(info[0].ToString().Utf8Value());
  uint64_t bytes = 0, allocations = 0;
  if (api == nullptr || api->memory_stats == nullptr || api->memory_stats(&bytes, &allocations) != 0) return info.Env().Null();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("bytes", static_cast<double>(bytes));
  out.Set("allocations", static_cast<double>(allocations));
  return out;
}

Napi::Value BackendVersion(const Napi::CallbackInfo& info) {
  const SBBackendApi* api = BackendRegistry::Get(info[0].ToString().Utf8Value());
  return api == nullptr ? info.Env().Null() : Napi::String::New(info.Env(), api->version());
}

Napi::Value ModelCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SBBackendApi* api = BackendRegistry::Get(info[0].ToString().Utf8Value());
  if (api == nullptr || !info[1].IsTypedArray() || !info[2].IsString() || !info[4].IsObject()) {
    Napi::TypeError::New(env, "modelCreate(loadedBackend, blob, device, threads, options)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct Work {
    Napi::Promise::Deferred deferred;
    Napi::Reference<Napi::Uint8Array> blob;  // keeps the bytes alive while a device thread reads them
    const uint8_t* data;
    size_t length;
    std::string device;
    SBModelOptions options{};
    std::vector<std::string> inputs, outputs;
    std::vector<const char*> inputPtrs, outputPtrs;
    SBError error{};
    SBModel* model = nullptr;
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  Napi::Uint8Array blob = info[1].As<Napi::Uint8Array>();
  work->blob = Napi::Persistent(blob);
  work->data = blob.Data();
  work->length = blob.ByteLength();
  work->device = info[2].ToString().Utf8Value();
  Napi::Object options = info[4].As<Napi::Object>();
  work->inputs = StringList(options.Get("inputs"));
  work->outputs = StringList(options.Get("outputs"));
  for (const auto& s : work->inputs) work->inputPtrs.push_back(s.c_str());
  for (const auto& s : work->outputs) work->outputPtrs.push_back(s.c_str());
  work->options.device = work->device.c_str();
  work->options.batchsize = options.Get("batchsize").ToNumber().Int64Value();
  work->options.intra_op_threads = options.Get("intraOpThreads").ToNumber().Int64Value();
  work->options.inter_op_threads = options.Get("interOpThreads").ToNumber().Int64Value();
  work->options.execution_timeout_ms = options.Get("executionTimeoutMs").ToNumber().Int64Value();
  work->options.memory_limit_bytes = options.Get("memoryLimitBytes").ToNumber().Int64Value();
  work->options.input_names = work->inputPtrs.data();
  work->options.n_inputs = work->inputPtrs.size();
  work->options.output_names = work->outputPtrs.data();
  work->options.n_outputs = work->outputPtrs.size();
  int threads = info[3].ToNumber().Int32Value();
  DeviceQueue* queue = QueueOrThrow(env, work->device, threads);
  if (queue == nullptr) return env.Undefined();

  AddonState* state = &StateOf(env);
  BeginAsync(env);
  queue->Push([work, api, state] {
    int rc = api->model_create(work->data, work->length, &work->options, &work->model, &work->error);
    FinishAsync(state, [work, api, rc](Napi::Env env) {
      work->blob.Reset();
      if (rc != 0) {
        work->deferred.Reject(Napi::Error::New(env, work->error.message).Value());
        return;
      }
      auto* model = new Model(api, work->model);
      work->deferred.Resolve(Napi::External<Model>::New(env, model, [](Napi::Env, Model* m) { m->Release(); }));
    });
  });
  return work->deferred.Promise();
}

Napi::Value ModelInputs(const Napi::CallbackInfo& info) {
  Model* model = ModelFrom(info.Env(), info[0]);
  return model == nullptr ? info.Env().Undefined() : Names(info.Env(), model->inputs());
}

Napi::Value ModelOutputs(const Napi::CallbackInfo& info) {
  Model* model = ModelFrom(info.Env(), info[0]);
  return model == nullptr ? info.Env().Undefined() : Names(info.Env(), model->outputs());
}

Napi::Value ModelRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Model* model = ModelFrom(env, info[0]);
  if (model == nullptr) return env.Undefined();
  if (!info[1].IsString() || !info[3].IsArray()) {
    Napi::TypeError::New(env, "modelRun(model, device, threads, inputs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct Work {
    Napi::Promise::Deferred deferred;
    Model* model;
    std::vector<Tensor*> inputs;
    BackendOutputs outputs;
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  Napi::Array inputs = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < inputs.Length(); i++) {
    Tensor* t = TensorFrom(env, inputs.Get(i));
    if (t == nullptr) return env.Undefined();
    work->inputs.push_back(t);
  }
  std::string device = info[1].ToString().Utf8Value();
  int threads = info[2].ToNumber().Int32Value();
  DeviceQueue* queue = QueueOrThrow(env, device, threads);
  if (queue == nullptr) return env.Undefined();
  // References for the device thread; dropped when the result is back on the JS thread.
  for (Tensor* t : work->inputs) t->Retain();
  model->Retain();
  work->model = model;
  // TIMEOUT is a queue-wait deadline (spec 10.3): a run that waited longer is dropped unexecuted.
  int64_t timeoutMs = info[4].IsNumber() ? info[4].As<Napi::Number>().Int64Value() : 0;
  auto enqueued = std::chrono::steady_clock::now();

  AddonState* state = &StateOf(env);
  BeginAsync(env);
  queue->Push([work, state, timeoutMs, enqueued] {
    bool timedOut = timeoutMs > 0 && std::chrono::steady_clock::now() - enqueued > std::chrono::milliseconds(timeoutMs);
    if (!timedOut) {
      const SBBackendApi* api = work->model->api();
      work->outputs.Run(work->inputs, true, [&](DLManagedTensor* const* in, size_t n_in, DLManagedTensor** out,
                                                size_t max_out, size_t* n_out, SBError* err) {
        return api->model_run(work->model->handle(), in, n_in, out, max_out, n_out, err);
      });
    }
    FinishAsync(state, [work, timedOut](Napi::Env env) {
      for (Tensor* t : work->inputs) t->Release();
      work->model->Release();
      work->outputs.Settle(env, work->deferred, timedOut);
    });
  });
  return work->deferred.Promise();
}

}  // namespace stormbreaker
