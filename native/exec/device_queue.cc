#include "device_queue.h"

#include <map>
#include <memory>

namespace stormbreaker {

DeviceQueue::DeviceQueue(std::string device, int threads) : device_(std::move(device)) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); i++) {
    std::thread worker([this] { Serve(); });
    threads_.push_back(worker.get_id());
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

DeviceQueue& DeviceQueue::For(const std::string& device, int threads) {
  static std::mutex registry_mutex;
  static auto* registry = new std::map<std::string, std::unique_ptr<DeviceQueue>>();  // never freed
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry->find(device);
  if (it == registry->end()) it = registry->emplace(device, std::make_unique<DeviceQueue>(device, threads)).first;
  return *it->second;
}

}  // namespace stormbreaker
