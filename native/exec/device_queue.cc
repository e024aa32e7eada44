#include "device_queue.h"

#include <ctime>
#include <memory>

namespace stormbreaker {

DeviceQueue::DeviceQueue(std::string device, int threads) : device_(std::move(device)) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); i++) {
    std::thread worker([this] { Serve(); });
    threads_.push_back(worker.get_id());
    handles_.push_back(worker.native_handle());
    worker.detach();
  }
}

void DeviceQueue::Push(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

size_t DeviceQueue::pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size();
}

void DeviceQueue::Serve() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return !jobs_.empty(); });
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

namespace {
std::mutex registry_mutex;
// Never freed: device threads may still be running while the process exits.
auto* registry = new std::vector<std::unique_ptr<DeviceQueue>>();
}  // namespace

DeviceQueue* DeviceQueue::For(const std::string& device, int threads) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (auto& queue : *registry) {
    if (queue->device() == device) return queue.get();
  }
  if (registry->size() >= kMaxQueues) return nullptr;
  try {
    registry->push_back(std::make_unique<DeviceQueue>(device, threads));
  } catch (const std::exception&) {
    return nullptr;  // the system refused a thread; threads already started keep serving nothing
  }
  return registry->back().get();
}

std::vector<DeviceQueue::Snapshot> DeviceQueue::All() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  std::vector<Snapshot> out;
  for (auto& queue : *registry) {
    Snapshot snapshot{queue->device(), queue->pending(), {}};
    for (pthread_t handle : queue->handles_) {
      clockid_t clock;
      timespec ts{};
      if (pthread_getcpuclockid(handle, &clock) == 0 && clock_gettime(clock, &ts) == 0) {
        snapshot.threadCpuSeconds.push_back(static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9);
      } else {
        snapshot.threadCpuSeconds.push_back(0);
      }
    }
    out.push_back(std::move(snapshot));
  }
  return out;
}

}  // namespace stormbreaker
