#include "addon_state.h"

#include "../exec/device_queue.h"

namespace stormbreaker {

QueueChoice QueueChoiceFrom(Napi::Value value) {
  QueueChoice choice;
  if (value.IsObject()) {
    Napi::Object object = value.As<Napi::Object>();
    choice.threads = object.Get("threads").ToNumber().Int32Value();
    double limit = object.Get("limit").ToNumber().DoubleValue();
    choice.limit = limit > 0 ? static_cast<size_t>(limit) : 0;
  }
  return choice;
}

Napi::Value ThrowQueueFull(Napi::Env env, const DeviceQueue& queue, size_t limit) {
  std::string text = "ERR the " + queue.device() + " queue is full (" + std::to_string(limit) +
                     " runs waiting): retry later, or raise QUEUE_LIMIT";
  Napi::Error::New(env, text).ThrowAsJavaScriptException();
  return env.Undefined();
}

DeviceQueue* QueueOrThrow(Napi::Env env, const std::string& device, int threads) {
  DeviceQueue* queue = DeviceQueue::For(device, threads);
  if (queue == nullptr) Napi::Error::New(env, "ERR Could not initialize queue on requested device").ThrowAsJavaScriptException();
  return queue;
}

void BeginAsync(Napi::Env env) {
  AddonState& state = StateOf(env);
  if (state.inFlight++ == 0) state.channel->tsfn.Ref(env);
}

namespace {

// Queues `job` for the JS thread unless the channel has closed; false then. A job that cannot be
// sent is leaked on purpose: what it holds (N-API references, promises) may only be released on
// a JS thread that no longer exists, and this happens once, when a Worker is terminated.
template <typename Callback>
bool Send(CompletionChannel* channel, std::function<void(Napi::Env)>* job, Callback callback) {
  std::lock_guard<std::mutex> lock(channel->mutex);
  napi_status status = channel->open ? channel->tsfn.NonBlockingCall(job, callback) : napi_closing;
  return status == napi_ok;
}

}  // namespace

void FinishAsync(CompletionChannel* channel, std::function<void(Napi::Env)> finish) {
  // Closed (the environment is gone): nobody is left to tell.
  Send(channel, new std::function<void(Napi::Env)>(std::move(finish)),
       [](Napi::Env env, Napi::Function, std::function<void(Napi::Env)>* done) {
         (*done)(env);
         delete done;
         AddonState& state = StateOf(env);
         if (--state.inFlight == 0) state.channel->tsfn.Unref(env);
       });
}

bool WaitForJs(CompletionChannel* channel, const std::function<bool(std::chrono::milliseconds)>& ready) {
  // Checked now and then rather than waited on: the environment's cleanup hook cannot wake us.
  while (!ready(std::chrono::milliseconds(100))) {
    std::lock_guard<std::mutex> lock(channel->mutex);
    if (!channel->open) return false;
  }
  return true;
}

bool CallOnJsThread(CompletionChannel* channel, std::function<void(Napi::Env)> call) {
  return Send(channel, new std::function<void(Napi::Env)>(std::move(call)),
              [](Napi::Env env, Napi::Function, std::function<void(Napi::Env)>* run) {
                (*run)(env);
                delete run;
              });
}

}  // namespace stormbreaker
