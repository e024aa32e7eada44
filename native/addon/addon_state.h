// Per-load state of the addon (a worker thread may load it again), kept as the env's instance
// data: the shape scratch and the channel that brings device-thread results back to JS.
#pragma once
#include <napi.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace stormbreaker {

// The way back from device threads to one JS environment. Device threads may still finish work
// after that environment is gone (a Worker terminated with runs in flight), so they never touch
// AddonState, only this, which is never freed; once the environment's cleanup hook has closed
// it, results are dropped instead of calling into a thread-safe function that no longer exists.
struct CompletionChannel {
  std::mutex mutex;
  bool open = true;
  Napi::ThreadSafeFunction tsfn;  // referenced only while work is in flight
};

struct AddonState {
  // Shapes cross from JS through this Float64Array (see createTensor).
  Napi::Reference<Napi::Float64Array> shapeArray;
  const double* shape = nullptr;
  size_t shapeCapacity = 0;

  // Device threads hand finished work to JS through one channel. Its thread-safe function is
  // referenced only while work is in flight, so an idle addon never keeps the process alive.
  CompletionChannel* channel = nullptr;
  int inFlight = 0;
};

inline AddonState& StateOf(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

class DeviceQueue;
// How JS asks for a queue: `{ threads, limit }` (threads made if the queue is new; how many
// requests may wait in it, 0 for no bound).
struct QueueChoice {
  int threads = 1;
  size_t limit = 0;
};
QueueChoice QueueChoiceFrom(Napi::Value value);
// The queue of `device`, or nullptr with the spec's error thrown to JS when it cannot be made.
DeviceQueue* QueueOrThrow(Napi::Env env, const std::string& device, int threads);
// Throws the error a request gets when `queue` already holds `limit` waiting requests.
Napi::Value ThrowQueueFull(Napi::Env env, const DeviceQueue& queue, size_t limit);

// Called on the JS thread when work has been handed to a device thread.
void BeginAsync(Napi::Env env);
// Called on a device thread: runs `finish` on the JS thread (and ends the work begun).
void FinishAsync(CompletionChannel* channel, std::function<void(Napi::Env)> finish);
// Called on a device thread while its work is in flight: runs `call` on the JS thread. Returns
// false when the environment is going away (then `call` never runs).
// (A call queued just before the environment went away never runs either: wait with WaitForJs.)
bool CallOnJsThread(CompletionChannel* channel, std::function<void(Napi::Env)> call);
// Waits for what a CallOnJsThread call promised; false if the environment went away first.
bool WaitForJs(CompletionChannel* channel, const std::function<bool(std::chrono::milliseconds)>& ready);

}  // namespace stormbreaker
