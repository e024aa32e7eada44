// DeviceQueue: the run queue of one device string ("CPU", "CPU:1", "GPU:0"), served by its own
// native threads. Threads sleep on a condition variable and wake when a job arrives: never a
// sleep-poll (a polling queue capped RedisAI at 888 runs/s), never libuv's shared thread pool.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <pthread.h>
#include <string>
#include <thread>
#include <vector>

namespace stormbreaker {

class DeviceQueue {
 public:
  DeviceQueue(std::string device, int threads);
  DeviceQueue(const DeviceQueue&) = delete;

  void Push(std::function<void()> job);
  size_t pending();
  const std::string& device() const { return device_; }
  int threads() const { return static_cast<int>(threads_.size()); }

  // The queue of an (upper-cased) device, created with `threads` threads on first use; nullptr
  // when it cannot be made (threads refused, or kMaxQueues exist). Queues live until the process
  // ends; their threads are detached so exit never waits on a long run.
  static DeviceQueue* For(const std::string& device, int threads);

  // Queues are never freed, so clients must not be able to make them without bound.
  static constexpr size_t kMaxQueues = 64;

  struct Snapshot {
    std::string device;
    size_t pending;
    std::vector<double> threadCpuSeconds;  // CPU time of each of the queue's threads
  };
  // Every queue made so far, in creation order.
  static std::vector<Snapshot> All();

 private:
  void Serve();

  std::string device_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread::id> threads_;
  std::vector<pthread_t> handles_;  // valid for the process's life: the threads never exit
};

}  // namespace stormbreaker
