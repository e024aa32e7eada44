// DeviceQueue: the run queue of one device string ("CPU", "CPU:1", "GPU:0"), served by its own
// native threads. Threads sleep on a condition variable and wake when a job arrives or when a
// waiting request's deadline (MINBATCHTIMEOUT, TIMEOUT) comes: never a sleep-poll (a polling
// queue capped RedisAI at 888 runs/s), never libuv's shared thread pool. Before sleeping, a
// thread that ran out of work watches for new work for a short window (SpinForWork), so a
// stream of small runs needs no futex wake-up on either side.
// Model runs are queued as ModelRequest so that the serving thread can merge compatible ones into
// one backend call (spec §10.2); everything else is an opaque job.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>
#include <thread>
#include <vector>

#include "model_request.h"

namespace stormbreaker {

class DeviceQueue {
 public:
  DeviceQueue(std::string device, int threads);
  DeviceQueue(const DeviceQueue&) = delete;

  // Both return false, queueing nothing, when `limit` (> 0) requests are already waiting.
  // A job with a `deadline` that is still queued when it passes is taken off the queue and run
  // then by the queue's deadline thread (the job sees it is late and only answers TIMEDOUT), so a
  // TIMEOUT is honoured even while every device thread is busy with a long run.
  bool Push(std::function<void()> job, size_t limit,
            std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  bool PushRun(std::shared_ptr<ModelRequest> run, size_t limit);

  const std::string& device() const { return device_; }

  // Called on the JS thread: drops a reference to `tensor` (a run's output, made on this queue's
  // threads) on one of those threads, at its next wake-up. glibc gives a block freed on another
  // thread to that thread's cache: outputs freed on the JS thread left the device thread's cache
  // empty (malloc's slow path, ~15% of its time per tiny run) and filled the JS thread's.
  void ReleaseLater(Tensor* tensor);

  // No queue's threads spin for work (SpinForWork) for the next `ms` (from now, or later if
  // already asked): several clients are sending, and with the cores saturated a spinning thread
  // only takes one from them, where a sleeping one lets runs gather while it is woken.
  static void StandDownSpin(double ms);

  // While one is open on a thread (the JS thread, around one batch of socket reads or of
  // completions), what that thread queues wakes each queue's sleeping thread once, when the
  // outermost closes, not once per push. Under M1 (8 clients, threads asleep between runs) each
  // run's push cost a futex wake-up (4.4% of the event loop) and woke the device thread for that
  // one run; now the thread wakes once per batch and serves the batch's runs back to back.
  class WakeBatch {
   public:
    WakeBatch();
    ~WakeBatch();
    WakeBatch(const WakeBatch&) = delete;
    WakeBatch& operator=(const WakeBatch&) = delete;
  };

  // The queue of an (upper-cased) device, created with `threads` threads on first use; nullptr
  // when it cannot be made (threads refused, or kMaxQueues exist). Queues live until the process
  // ends; their threads are detached so exit never waits on a long run.
  static DeviceQueue* For(const std::string& device, int threads);

  // Queues are never freed, so clients must not be able to make them without bound.
  static constexpr size_t kMaxQueues = 64;

  struct Snapshot {
    std::string device;
    size_t pending;           // waiting in the queue
    size_t running;           // being executed by its threads now
    uint64_t batches;         // backend calls that merged two or more model runs
    uint64_t batchedRuns;     // model runs served by those calls
    uint64_t rejected;        // refused because the queue was full
    std::vector<double> threadCpuSeconds;  // CPU time of each of the queue's threads
  };
  // Every queue made so far, in creation order.
  static std::vector<Snapshot> All();

 private:
  using Clock = std::chrono::steady_clock;
  struct Item {
    std::function<void()> job;     // set for opaque jobs
    std::shared_ptr<ModelRequest> run;  // set for model runs
    Clock::time_point deadline = Clock::time_point::max();  // queue-wait deadline (TIMEOUT)
  };
  // What a thread takes off the queue in one go: a job, or one or more model runs to serve
  // together (a lone run past its TIMEOUT is taken to be answered TIMEDOUT).
  struct Taken {
    std::function<void()> job;
    std::vector<std::shared_ptr<ModelRequest>> runs;
    bool empty() const { return !job && runs.empty(); }
  };

  void Serve();
  // Out of work, a thread keeps looking for a while before it sleeps (see kDefaultSpin): true
  // when something was queued meanwhile. Called without the lock.
  bool SpinForWork(uint64_t enqueuedBefore) const;
  static void* ServeThread(void* queue);  // pthread entry: Serve() on `queue`
  bool Enqueue(Item item, size_t limit);
  // Wakes one of the queue's threads now, or when the calling thread's WakeBatch closes.
  void WakeOne();
  // Under the lock. Takes the first thing ready to run; when nothing is, leaves in `wakeAt` the
  // earliest moment something will be (or Clock::time_point::max()).
  Taken TakeReady(Clock::time_point now, Clock::time_point* wakeAt);
  void Execute(Taken& taken);
  // The deadline thread: answers queued items whose deadline passed (started on the first one).
  void WatchDeadlines();
  static void* WatchThread(void* queue);

  std::string device_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable deadlineWake_;
  bool watching_ = false;
  std::deque<Item> items_;
  // Items ever queued: a spinning thread watches it change without taking the lock.
  std::atomic<uint64_t> enqueued_{0};
  // Until when (steady clock, ns) no queue spins: StandDownSpin.
  static std::atomic<int64_t> spinOffUntil_;
  // What ReleaseLater gave back since a thread last woke (at most kMaxReleaseLater).
  std::vector<Tensor*> releaseLater_;
  size_t running_ = 0;
  uint64_t batches_ = 0, batchedRuns_ = 0, rejected_ = 0;
  std::vector<pthread_t> handles_;  // valid for the process's life: the threads never exit
};

}  // namespace stormbreaker
