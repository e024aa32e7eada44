#include "model_functions.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../exec/backend_registry.h"
#include "../exec/device_queue.h"
#include "../exec/model.h"
#include "addon_state.h"
#include "handles.h"

namespace stormbreaker {
namespace {

constexpr size_t kMaxOutputs = 1024;

Model* ModelFrom(Napi::Env env, Napi::Value value) {
  if (value.IsExternal()) {
    auto* model = static_cast<Model*>(value.As<Napi::External<void>>().Data());
    if (model != nullptr && model->IsValid()) return model;
  }
  Napi::TypeError::New(env, "expected a model handle").ThrowAsJavaScriptException();
  return nullptr;
}

std::vector<std::string> StringList(Napi::Value value) {
  std::vector<std::string> out;
  if (!value.IsArray()) return out;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(array.Get(i).ToString().Utf8Value());
  return out;
}

Napi::Array Names(Napi::Env env, const std::vector<std::string>& names) {
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); i++) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

// Wraps a backend's output as a core tensor, adopting its memory. Returns nullptr (and calls
// the output's deleter) when its element type is not one of ours.
Tensor* AdoptOutput(DLManagedTensor* out) {
  const DLTensor& t = out->dl_tensor;
  DType dtype;
  if (!FromDLDataType(t.dtype, &dtype) || dtype == DType::String) {
    out->deleter(out);
    return nullptr;
  }
  std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
  size_t bytes = static_cast<size_t>(ElementCount(shape)) * ElementSize(dtype);
  Storage* storage = Storage::AdoptManaged(out, bytes);
  Tensor* tensor = Tensor::Create(dtype, std::move(shape), storage, 0, bytes);
  storage->Release();
  return tensor;
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
  work->options.input_names = work->inputPtrs.data();
  work->options.n_inputs = work->inputPtrs.size();
  work->options.output_names = work->outputPtrs.data();
  work->options.n_outputs = work->outputPtrs.size();
  int threads = info[3].ToNumber().Int32Value();

  AddonState* state = &StateOf(env);
  BeginAsync(env);
  DeviceQueue::For(work->device, threads).Push([work, api, state] {
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
    std::vector<Tensor*> outputs;
    SBError error{};
    int64_t micros = 0;
    bool timedOut = false;
    explicit Work(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  auto work = std::make_shared<Work>(env);
  Napi::Array inputs = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < inputs.Length(); i++) {
    Tensor* t = TensorFrom(env, inputs.Get(i));
    if (t == nullptr) return env.Undefined();
    work->inputs.push_back(t);
  }
  // References for the device thread; dropped when the result is back on the JS thread.
  for (Tensor* t : work->inputs) t->Retain();
  model->Retain();
  work->model = model;
  std::string device = info[1].ToString().Utf8Value();
  int threads = info[2].ToNumber().Int32Value();
  // TIMEOUT is a queue-wait deadline (spec 10.3): a run that waited longer is dropped unexecuted.
  int64_t timeoutMs = info[4].IsNumber() ? info[4].As<Napi::Number>().Int64Value() : 0;
  auto enqueued = std::chrono::steady_clock::now();

  AddonState* state = &StateOf(env);
  BeginAsync(env);
  DeviceQueue::For(device, threads).Push([work, state, timeoutMs, enqueued] {
    if (timeoutMs > 0 && std::chrono::steady_clock::now() - enqueued > std::chrono::milliseconds(timeoutMs)) {
      work->timedOut = true;
      FinishAsync(state, [work](Napi::Env env) {
        for (Tensor* t : work->inputs) t->Release();
        work->model->Release();
        Napi::Object result = Napi::Object::New(env);
        result.Set("timedOut", true);
        work->deferred.Resolve(result);
      });
      return;
    }
    std::vector<DLManagedTensor*> in;
    for (Tensor* t : work->inputs) in.push_back(t->ToDLPack());
    std::vector<DLManagedTensor*> out(kMaxOutputs);
    size_t produced = 0;
    auto start = std::chrono::steady_clock::now();
    const SBBackendApi* api = work->model->api();
    int rc = api->model_run(work->model->handle(), in.data(), in.size(), out.data(), out.size(), &produced, &work->error);
    work->micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    for (DLManagedTensor* m : in) m->deleter(m);
    if (rc == 0) {
      for (size_t i = 0; i < produced; i++) {
        Tensor* t = AdoptOutput(out[i]);
        if (t == nullptr && work->error.code == 0) {
          work->error.code = 1;
          std::snprintf(work->error.message, sizeof(work->error.message), "model output %zu has an unsupported dtype", i);
        }
        work->outputs.push_back(t);
      }
    }
    FinishAsync(state, [work](Napi::Env env) {
      for (Tensor* t : work->inputs) t->Release();
      work->model->Release();
      if (work->error.code != 0) {
        for (Tensor* t : work->outputs) if (t != nullptr) t->Release();
        work->deferred.Reject(Napi::Error::New(env, work->error.message).Value());
        return;
      }
      Napi::Array outputs = Napi::Array::New(env, work->outputs.size());
      for (size_t i = 0; i < work->outputs.size(); i++) outputs.Set(static_cast<uint32_t>(i), TensorHandle(env, work->outputs[i]));
      Napi::Object result = Napi::Object::New(env);
      result.Set("outputs", outputs);
      result.Set("micros", Napi::Number::New(env, static_cast<double>(work->micros)));
      result.Set("timedOut", false);
      work->deferred.Resolve(result);
    });
  });
  return work->deferred.Promise();
}

}  // namespace stormbreaker
