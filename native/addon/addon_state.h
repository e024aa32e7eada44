// Per-load state of the addon (a worker thread may load it again), kept as the env's instance
// data: the shape scratch and the channel that brings device-thread results back to JS.
#pragma once
#include <napi.h>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace stormbreaker {

using JsJob = std::function<void(Napi::Env)>;

// The way back from device threads to one JS environment: a queue of jobs, and a thread-safe
// function called only to wake the JS thread when the queue was idle. A wake-up runs the jobs
// queued before it (at most kJobsPerTurn); what is left, or came meanwhile, runs from a
// setImmediate, so timers and sockets get a turn between batches. Calling the thread-safe
// function once per job let Node run up to 1,000 of them per loop turn, and tiny runs that end
// within one job's continuation kept a turn going for milliseconds (the L1 loop-lag benchmark).
// Device threads may still finish work after the environment is gone (a Worker terminated with
// runs in flight), so they never touch AddonState, only this, which is never freed; once the
// environment's cleanup hook has closed it, results are dropped instead of queued.
struct CompletionChannel {
  std::mutex mutex;
  bool open = true;
  std::deque<JsJob*> jobs;
  // A wake-up or a setImmediate is on its way: new jobs need not ask for another.
  bool draining = false;
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
  // JS writes the dtype and shape of a run's byte inputs into this Float64Array before the run
  // call (run_tensors.h): reading it is far cheaper than N-API calls per element of JS arrays.
  Napi::Reference<Napi::Float64Array> runScratchArray;
  const double* runScratch = nullptr;
  size_t runScratchCapacity = 0;
  // Where small run outputs' bytes go (run_tensors.cc), and how much of it is used.
  Napi::Reference<Napi::ArrayBuffer> outputSlab;
  size_t outputSlabUsed = 0;
  // setImmediate, and the function it calls to run the jobs left for the next turn.
  Napi::FunctionReference setImmediate;
  Napi::FunctionReference drainJobs;
};

// Makes the channel of `env`; called once by the addon's Init.
void OpenCompletionChannel(Napi::Env env, AddonState& state);

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
// The same, in two steps: the job is made on the JS thread (MakeFinish) and only sent from the
// device thread (SendFinish). Everything the job holds is then allocated and freed on the JS
// thread: made on a device thread, each job's three small allocations (the job, its closure, the
// closure it wraps) went to the JS thread's malloc cache and left the device thread's empty, so
// every run there took malloc's slow path (~15% of a tiny run's device-thread time).
// A job made but never sent is deleted by its maker.
JsJob* MakeFinish(std::function<void(Napi::Env)> finish);
void SendFinish(CompletionChannel* channel, JsJob* job);
// Called on a device thread while its work is in flight: runs `call` on the JS thread. Returns
// false when the environment is going away (then `call` never runs).
// (A call queued just before the environment went away never runs either: wait with WaitForJs.)
bool CallOnJsThread(CompletionChannel* channel, std::function<void(Napi::Env)> call);
// Waits for what a CallOnJsThread call promised; false if the environment went away first.
bool WaitForJs(CompletionChannel* channel, const std::function<bool(std::chrono::milliseconds)>& ready);

}  // namespace stormbreaker
