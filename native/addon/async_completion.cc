#include "addon_state.h"

#include "../exec/device_queue.h"

#include <exception>
#include <vector>

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

namespace {

// Enough to keep device threads' results flowing, few enough that a loop turn stays well under a
// millisecond even when each job's continuation starts another run.
constexpr size_t kJobsPerTurn = 64;

// On the JS thread: the jobs queued before now, up to kJobsPerTurn. Each runs in the callback
// scope of the wake-up or setImmediate that called this, so promise reactions run after it.
void RunJobs(Napi::Env env) {
  AddonState& state = StateOf(env);
  CompletionChannel* channel = state.channel;
  std::vector<JsJob*> batch;
  {
    std::lock_guard<std::mutex> lock(channel->mutex);
    while (!channel->jobs.empty() && batch.size() < kJobsPerTurn) {
      batch.push_back(channel->jobs.front());
      channel->jobs.pop_front();
    }
  }
  // A job that throws must not strand the others (their promises would never settle): the first
  // error is thrown once all have run, as the uncaught exception it would have been.
  Napi::Value failure;
  // Runs these jobs start (a DAG's next op, say) wake their device threads once, after them all.
  DeviceQueue::WakeBatch wakeOnce;
  for (JsJob* job : batch) {
    try {
      (*job)(env);
    } catch (const Napi::Error& e) {
      if (failure.IsEmpty()) failure = e.Value();
    } catch (const std::exception& e) {
      if (failure.IsEmpty()) failure = Napi::Error::New(env, e.what()).Value();
    }
    delete job;
  }
  bool more;
  {
    std::lock_guard<std::mutex> lock(channel->mutex);
    more = !channel->jobs.empty();
    if (!more) channel->draining = false;  // the next job wakes us again
  }
  // What is left (or came while these ran) waits for the next turn, after timers and sockets;
  // through the thread-safe function if setImmediate cannot be called (the environment is
  // shutting down), so the queue is never left marked as draining with nobody coming.
  if (more) {
    bool scheduled = false;
    try {
      state.setImmediate.Call({state.drainJobs.Value()});
      scheduled = true;
    } catch (const Napi::Error&) {
    }
    if (!scheduled) {
      std::lock_guard<std::mutex> lock(channel->mutex);
      if (channel->tsfn.NonBlockingCall([](Napi::Env env, Napi::Function) { RunJobs(env); }) != napi_ok) channel->draining = false;
    }
  }
  if (!failure.IsEmpty()) throw Napi::Error(env, failure);
}

Napi::Value DrainJobsJs(const Napi::CallbackInfo& info) {
  RunJobs(info.Env());
  return info.Env().Undefined();
}

// Queues `job` for the JS thread unless the channel has closed; false then. A job that cannot be
// queued is leaked on purpose: what it holds (N-API references, promises) may only be released on
// a JS thread that no longer exists, and this happens once, when a Worker is terminated.
bool Send(CompletionChannel* channel, JsJob* job) {
  std::lock_guard<std::mutex> lock(channel->mutex);
  if (!channel->open) return false;
  channel->jobs.push_back(job);
  if (channel->draining) return true;
  channel->draining = true;
  napi_status status = channel->tsfn.NonBlockingCall([](Napi::Env env, Napi::Function) { RunJobs(env); });
  if (status == napi_ok) return true;
  // Not queued after all: the caller treats the job as never sent (and may free what it holds).
  channel->jobs.pop_back();
  channel->draining = false;
  return false;
}

}  // namespace

void OpenCompletionChannel(Napi::Env env, AddonState& state) {
  // Never freed: device threads may hold it after this environment is gone (see addon_state.h).
  state.channel = new CompletionChannel();
  state.channel->tsfn = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "stormbreaker-completions", 0, 1);
  state.channel->tsfn.Unref(env);
  state.setImmediate = Napi::Persistent(env.Global().Get("setImmediate").As<Napi::Function>());
  state.drainJobs = Napi::Persistent(Napi::Function::New(env, DrainJobsJs, "drainStormbreakerJobs"));
  // Registered after the thread-safe function, so it runs before that is torn down (cleanup
  // hooks run in reverse order).
  napi_add_env_cleanup_hook(
      env,
      [](void* arg) {
        auto* channel = static_cast<CompletionChannel*>(arg);
        std::lock_guard<std::mutex> lock(channel->mutex);
        channel->open = false;
      },
      state.channel);
}

void BeginAsync(Napi::Env env) {
  AddonState& state = StateOf(env);
  if (state.inFlight++ == 0) state.channel->tsfn.Ref(env);
}

JsJob* MakeFinish(std::function<void(Napi::Env)> finish) {
  return new JsJob([finish = std::move(finish)](Napi::Env env) {
    // Counted out even when `finish` throws, or the process would be kept alive for ever.
    struct Finished {
      Napi::Env env;
      ~Finished() {
        AddonState& state = StateOf(env);
        if (--state.inFlight == 0) state.channel->tsfn.Unref(env);
      }
    } finished{env};
    finish(env);
  });
}

void SendFinish(CompletionChannel* channel, JsJob* job) {
  // Closed (the environment is gone): nobody is left to tell.
  Send(channel, job);
}

void FinishAsync(CompletionChannel* channel, std::function<void(Napi::Env)> finish) {
  SendFinish(channel, MakeFinish(std::move(finish)));
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
  return Send(channel, new JsJob(std::move(call)));
}

}  // namespace stormbreaker
