#include "model_functions.h"

#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "../exec/backend_registry.h"
#include "../exec/device_queue.h"
#include "../exec/model.h"
#include "../exec/model_request.h"
#include "addon_state.h"
#include "run_tensors.h"
#include "settle_run.h"
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

// Loads a backend's shared object on a thread of its own: dlopen of libtorch or TensorFlow takes
// hundreds of milliseconds, which the event loop must not wait for. Resolves with the backend's
// version text, or rejects with dlopen's reason.
Napi::Value LoadBackend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct Work {
    Napi::Promise::Deferred deferred;
    std::string name, path, error;
    const SBBackendApi* api = nullptr;
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  work->name = info[0].ToString().Utf8Value();
  work->path = info[1].IsString() ? info[1].ToString().Utf8Value() : "";
  BackendRegistry::PrepareLoad(work->name);  // environment settings: on this thread, never beside getenv elsewhere
  CompletionChannel* channel = StateOf(env).channel;
  BeginAsync(env);
  std::thread([work, channel] {
    work->api = BackendRegistry::Load(work->name, work->path, &work->error);
    FinishAsync(channel, [work](Napi::Env env) {
      if (work->api != nullptr) work->deferred.Resolve(Napi::String::New(env, work->api->version()));
      else work->deferred.Reject(Napi::Error::New(env, work->error).Value());
    });
  }).detach();
  return work->deferred.Promise();
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

Napi::Value BackendLibraryVersion(const Napi::CallbackInfo& info) {
  const SBBackendApi* api = BackendRegistry::Get(info[0].ToString().Utf8Value());
  if (api == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), api->library_version != nullptr ? api->library_version() : api->version());
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
    // The bytes, copied: a Worker's memory can go away while its device thread still reads them.
    std::string blob;
    std::string device;
    SBModelOptions options{};
    std::vector<std::string> inputs, outputs;
    std::vector<const char*> inputPtrs, outputPtrs;
    BatchPolicy batching;
    SBError error{};
    SBModel* model = nullptr;
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  Napi::Uint8Array blob = info[1].As<Napi::Uint8Array>();
  work->blob.assign(reinterpret_cast<const char*>(blob.Data()), blob.ByteLength());
  work->device = info[2].ToString().Utf8Value();
  Napi::Object options = info[4].As<Napi::Object>();
  work->inputs = StringList(options.Get("inputs"));
  work->outputs = StringList(options.Get("outputs"));
  for (const auto& s : work->inputs) work->inputPtrs.push_back(s.c_str());
  for (const auto& s : work->outputs) work->outputPtrs.push_back(s.c_str());
  work->options.device = work->device.c_str();
  work->options.batchsize = options.Get("batchsize").ToNumber().Int64Value();
  work->batching.batchsize = work->options.batchsize;
  work->batching.minbatchsize = options.Get("minbatchsize").ToNumber().Int64Value();
  work->batching.minbatchtimeoutMs = options.Get("minbatchtimeout").ToNumber().Int64Value();
  work->options.intra_op_threads = options.Get("intraOpThreads").ToNumber().Int64Value();
  work->options.inter_op_threads = options.Get("interOpThreads").ToNumber().Int64Value();
  work->options.execution_timeout_ms = options.Get("executionTimeoutMs").ToNumber().Int64Value();
  work->options.memory_limit_bytes = options.Get("memoryLimitBytes").ToNumber().Int64Value();
  work->options.input_names = work->inputPtrs.data();
  work->options.n_inputs = work->inputPtrs.size();
  work->options.output_names = work->outputPtrs.data();
  work->options.n_outputs = work->outputPtrs.size();
  QueueChoice choice = QueueChoiceFrom(info[3]);
  DeviceQueue* queue = QueueOrThrow(env, work->device, choice.threads);
  if (queue == nullptr) return env.Undefined();

  CompletionChannel* channel = StateOf(env).channel;
  auto job = [work, api, channel, queue] {
    int rc = api->model_create(work->blob.data(), work->blob.size(), &work->options, &work->model, &work->error);
    FinishAsync(channel, [work, api, rc, queue](Napi::Env env) {
      work->blob.clear();
      work->blob.shrink_to_fit();
      if (rc != 0) {
        work->deferred.Reject(Napi::Error::New(env, work->error.message).Value());
        return;
      }
      auto* model = new Model(api, work->model, work->batching, queue);
      work->deferred.Resolve(Napi::External<Model>::New(env, model, [](Napi::Env, Model* m) { m->Release(); }));
    });
  };
  if (!queue->Push(job, choice.limit)) return ThrowQueueFull(env, *queue, choice.limit);
  BeginAsync(env);
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

Napi::Value ModelOutputLabels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Model* model = ModelFrom(env, info[0]);
  if (model == nullptr) return env.Undefined();
  const auto& labels = model->outputLabels();
  Napi::Array out = Napi::Array::New(env, labels.size());
  for (size_t i = 0; i < labels.size(); i++) {
    out.Set(static_cast<uint32_t>(i), labels[i].empty() ? env.Null() : Names(env, labels[i]));
  }
  return out;
}

Napi::Value ModelRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Model* model = ModelFrom(env, info[0]);
  if (model == nullptr) return env.Undefined();
  if (!info[1].IsNumber() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "modelRun(model, queueLimit, inputs, timeoutMs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // The model's own queue, found when it was made: reading a device string and a queue object
  // per run was ~2% of the event loop's time per MODELEXECUTE.
  DeviceQueue* queue = model->queue();
  const double limit = info[1].As<Napi::Number>().DoubleValue();
  auto run = std::make_shared<ModelRequest>();
  // Each input with a reference of its own for the device thread, dropped when the result is back.
  if (!TakeRunInputs(env, info[2].As<Napi::Array>(), &run->inputs)) return env.Undefined();
  run->model = model;
  // TIMEOUT is a queue-wait deadline (spec 10.3): a run that waited longer is dropped unexecuted.
  run->timeoutMs = info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : 0;
  const size_t queueLimit = limit > 0 ? static_cast<size_t>(limit) : 0;
  auto deferred = std::make_shared<Napi::Promise::Deferred>(Napi::Promise::Deferred::New(env));
  CompletionChannel* channel = StateOf(env).channel;
  // Room for the outputs, made here: the device thread only fills it (MakeFinish says why).
  run->outcome.outputs.reserve(model->outputs().size());
  // The ModelRequest and the finishing job reference each other until the job has run (and is
  // deleted): the job holds the request, the request only the job's address.
  JsJob* finish = MakeFinish([run, deferred, queue](Napi::Env env) {
    for (Tensor* t : run->inputs) t->Release();
    run->model->Release();
    run->done = nullptr;
    SettleRun(env, *deferred, run->outcome, queue);
  });
  run->done = [channel, finish] { SendFinish(channel, finish); };
  model->Retain();
  if (!queue->PushRun(run, queueLimit)) {
    for (Tensor* t : run->inputs) t->Release();
    model->Release();
    run->done = nullptr;
    delete finish;
    return ThrowQueueFull(env, *queue, queueLimit);
  }
  BeginAsync(env);
  return deferred->Promise();
}

}  // namespace stormbreaker
