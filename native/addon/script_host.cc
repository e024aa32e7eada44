#include "script_host.h"

#include <cstdio>
#include <deque>
#include <future>
#include <memory>
#include <string>

#include "../exec/model.h"

namespace stormbreaker {
namespace {

// A reply tree that owns its strings and element arrays.
struct OwnedReply {
  SBReply root{};
  std::deque<std::string> strings;
  std::deque<std::unique_ptr<SBReply[]>> arrays;
};

void Fill(OwnedReply& owner, SBReply& node, Napi::Value value) {
  node = SBReply{};
  if (value.IsNull() || value.IsUndefined()) {
    node.type = SB_REPLY_NIL;
  } else if (value.IsNumber()) {
    node.type = SB_REPLY_INTEGER;
    node.integer = value.As<Napi::Number>().Int64Value();
  } else if (value.IsBigInt()) {
    bool lossless;
    node.type = SB_REPLY_INTEGER;
    node.integer = value.As<Napi::BigInt>().Int64Value(&lossless);
  } else if (value.IsBuffer() || value.IsString()) {
    node.type = SB_REPLY_STRING;
    if (value.IsBuffer()) {
      auto b = value.As<Napi::Buffer<char>>();
      owner.strings.emplace_back(b.Data(), b.Length());
    } else {
      owner.strings.push_back(value.As<Napi::String>().Utf8Value());
    }
    node.str = owner.strings.back().data();
    node.len = owner.strings.back().size();
  } else if (value.IsArray()) {
    Napi::Array array = value.As<Napi::Array>();
    owner.arrays.emplace_back(new SBReply[array.Length()]);
    SBReply* elements = owner.arrays.back().get();
    for (uint32_t i = 0; i < array.Length(); i++) Fill(owner, elements[i], array.Get(i));
    node.type = SB_REPLY_ARRAY;
    node.elements = elements;
    node.len = array.Length();
  } else if (value.IsObject() && value.As<Napi::Object>().Has("error")) {
    node.type = SB_REPLY_ERROR;
    owner.strings.push_back(value.As<Napi::Object>().Get("error").ToString().Utf8Value());
    node.str = owner.strings.back().data();
    node.len = owner.strings.back().size();
  } else {
    node.type = SB_REPLY_NIL;
  }
}

void SetError(SBError* err, const std::string& text) {
  err->code = 1;
  std::snprintf(err->message, sizeof(err->message), "%s", text.c_str());
}

}  // namespace

ScriptHost::ScriptHost(Napi::Env env, Napi::Object handler) : channel_(StateOf(env).channel), handler_(Napi::Persistent(handler)) {
  api_.context = this;
  api_.execute = &ScriptHost::Execute;
  api_.release_reply = &ScriptHost::ReleaseReply;
  api_.model_execute = &ScriptHost::ModelExecute;
}

ScriptHost::~ScriptHost() = default;

int ScriptHost::Execute(void* context, const char* const* argv, const size_t* argv_len, size_t argc, const SBReply** reply,
                        SBError* err) {
  auto* self = static_cast<ScriptHost*>(context);
  std::promise<OwnedReply*> answer;
  std::string failure;
  bool queued = CallOnJsThread(self->channel_, [&](Napi::Env env) {
    OwnedReply* owned = nullptr;
    try {
      Napi::Array args = Napi::Array::New(env, argc);
      for (size_t i = 0; i < argc; i++) args.Set(static_cast<uint32_t>(i), Napi::Buffer<char>::Copy(env, argv[i], argv_len[i]));
      Napi::Object handler = self->handler_.Value();
      Napi::Value result = handler.Get("execute").As<Napi::Function>().Call(handler, {args});
      owned = new OwnedReply();
      Fill(*owned, owned->root, result);
    } catch (const Napi::Error& e) {
      failure = e.Message();
    }
    answer.set_value(owned);
  });
  if (!queued) {
    SetError(err, "the server is shutting down");
    return 1;
  }
  std::future<OwnedReply*> future = answer.get_future();
  if (!WaitForJs(self->channel_, [&](std::chrono::milliseconds t) { return future.wait_for(t) == std::future_status::ready; })) {
    SetError(err, "the server is shutting down");
    return 1;
  }
  OwnedReply* owned = future.get();
  if (owned == nullptr) {
    SetError(err, failure);
    return 1;
  }
  *reply = &owned->root;
  return 0;
}

void ScriptHost::ReleaseReply(void*, const SBReply* reply) {
  // root is the first member, so the reply's address is its owner's.
  delete reinterpret_cast<const OwnedReply*>(reply);
}

int ScriptHost::ModelExecute(void* context, const char* key, size_t key_len, DLManagedTensor* const* inputs, size_t n_inputs,
                             DLManagedTensor** outputs, size_t max_outputs, size_t* n_outputs, SBError* err) {
  auto* self = static_cast<ScriptHost*>(context);
  std::promise<Model*> answer;
  std::string failure;
  bool queued = CallOnJsThread(self->channel_, [&](Napi::Env env) {
    Model* model = nullptr;
    try {
      Napi::Object handler = self->handler_.Value();
      Napi::Value result =
          handler.Get("modelExecute").As<Napi::Function>().Call(handler, {Napi::Buffer<char>::Copy(env, key, key_len)});
      if (result.IsExternal()) {
        auto* candidate = static_cast<Model*>(result.As<Napi::External<void>>().Data());
        if (candidate != nullptr && candidate->IsValid()) {
          candidate->Retain();
          model = candidate;
        }
      }
      if (model == nullptr) failure = "ERR model key is empty";
    } catch (const Napi::Error& e) {
      failure = e.Message();
    }
    answer.set_value(model);
  });
  if (!queued) {
    SetError(err, "the server is shutting down");
    return 1;
  }
  std::future<Model*> future = answer.get_future();
  if (!WaitForJs(self->channel_, [&](std::chrono::milliseconds t) { return future.wait_for(t) == std::future_status::ready; })) {
    SetError(err, "the server is shutting down");
    return 1;
  }
  Model* model = future.get();
  if (model == nullptr) {
    SetError(err, failure);
    return 1;
  }
  // The model runs right here, on the script's device thread: queueing it would wait on ourselves.
  int rc = model->api()->model_run(model->handle(), inputs, n_inputs, outputs, max_outputs, n_outputs, err);
  model->Release();
  return rc;
}

}  // namespace stormbreaker
