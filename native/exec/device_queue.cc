#include "device_queue.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include <sched.h>

#include "batcher.h"

namespace stormbreaker {
namespace {
constexpr size_t kMaxBatchScan = 256;
// Outputs ReleaseLater keeps for the device threads at most: past it (the threads are asleep or
// busy with a long run), the JS thread releases them itself rather than hold their memory.
constexpr size_t kMaxReleaseLater = 256;
// Backends compile model code and scripts on these threads, and compilers recurse: the stack is
// far deeper than the default 8 MB, so that every input within the backends' source bounds
// (native/backends/torch/source_limits.h) fits with room to spare. Only touched pages use memory.
constexpr size_t kDeviceThreadStack = 64 * 1024 * 1024;

// How long a device thread that ran out of work keeps looking for more before it sleeps on the
// condition variable. Sleeping costs a futex wake on each side of every hand-off (the JS thread's
// signal, then the switch back in, several µs each on these VMs) and the latency of being
// scheduled again; under a steady stream of small runs the next request usually arrives within
// this window, so it is picked up at once and the JS thread's signal finds no sleeper. Idle
// queues cost this much CPU once per burst, not per run. STORMBREAKER_DEVICE_SPIN_US overrides it
// (0 turns spinning off).
std::chrono::microseconds SpinWindow() {
  static const std::chrono::microseconds window = [] {
    const char* text = std::getenv("STORMBREAKER_DEVICE_SPIN_US");
    long us = text != nullptr ? std::strtol(text, nullptr, 10) : 100;
    return std::chrono::microseconds(us < 0 ? 0 : std::min(us, 10000L));
  }();
  return window;
}

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

std::atomic<int64_t> DeviceQueue::spinOffUntil_{0};

void DeviceQueue::StandDownSpin(double ms) {
  const int64_t until = (Clock::now() + std::chrono::microseconds(static_cast<int64_t>(ms * 1000))).time_since_epoch().count();
  int64_t seen = spinOffUntil_.load(std::memory_order_relaxed);
  while (seen < until && !spinOffUntil_.compare_exchange_weak(seen, until, std::memory_order_relaxed)) {
  }
}

bool DeviceQueue::SpinForWork(uint64_t enqueuedBefore) const {
  const std::chrono::microseconds window = SpinWindow();
  if (window.count() == 0) return false;
  const Clock::time_point start = Clock::now();
  // Standing down (several clients are sending): sleep, and let the next runs gather meanwhile.
  // M1 with 8 clients: 11-12 µs of this thread per run spinning, 6-8 sleeping; runs/s up to +18%
  // in some windows, within the machine's drift in others.
  if (start.time_since_epoch().count() < spinOffUntil_.load(std::memory_order_relaxed)) return false;
  const Clock::time_point until = start + window;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (enqueued_.load(std::memory_order_acquire) != enqueuedBefore) return true;
      CpuRelax();
    }
    if (Clock::now() >= until) return false;
    // On a machine with as few cores as this one, the threads this spin would keep waiting (the
    // event loop, the clients) share its core: they get it back whenever they are runnable, and
    // the spin goes on when they are not. M1 +10%, D1 +12% (bench/cpu-budget.md).
    sched_yield();
  }
}

void* DeviceQueue::ServeThread(void* queue) {
  static_cast<DeviceQueue*>(queue)->Serve();
  return nullptr;
}

DeviceQueue::DeviceQueue(std::string device, int threads) : device_(std::move(device)) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kDeviceThreadStack);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < (threads < 1 ? 1 : threads); i++) {
    pthread_t handle;
    if (pthread_create(&handle, &attr, ServeThread, this) != 0) {
      // No room for a big stack: a thread with the default one still serves the queue.
      std::thread worker([this] { Serve(); });
      handle = worker.native_handle();
      worker.detach();
    }
    // Named for profilers and the CPU budget benchmark (15 characters at most).
    pthread_setname_np(handle, ("sb:" + device_).substr(0, 15).c_str());
    handles_.push_back(handle);
  }
  pthread_attr_destroy(&attr);
}

void DeviceQueue::ReleaseLater(Tensor* tensor) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (releaseLater_.size() < kMaxReleaseLater) {
      releaseLater_.push_back(tensor);
      return;
    }
  }
  tensor->Release();
}

namespace {
// The calling thread's open WakeBatch scopes, and the queues pushed to meanwhile (few: one per
// device in use, so a vector searched in order).
thread_local int wakeBatchDepth = 0;
thread_local std::vector<DeviceQueue*>* wakeBatchQueues = nullptr;
}  // namespace

DeviceQueue::WakeBatch::WakeBatch() {
  if (wakeBatchDepth++ == 0 && wakeBatchQueues == nullptr) wakeBatchQueues = new std::vector<DeviceQueue*>();
}

DeviceQueue::WakeBatch::~WakeBatch() {
  if (--wakeBatchDepth > 0) return;
  for (DeviceQueue* queue : *wakeBatchQueues) queue->wake_.notify_one();
  wakeBatchQueues->clear();
}

void DeviceQueue::WakeOne() {
  if (wakeBatchDepth == 0) {
    wake_.notify_one();
    return;
  }
  for (DeviceQueue* queue : *wakeBatchQueues) {
    if (queue == this) return;
  }
  wakeBatchQueues->push_back(this);
}

bool DeviceQueue::Push(std::function<void()> job, size_t limit, Clock::time_point deadline) {
  return Enqueue(Item{std::move(job), nullptr, deadline}, limit);
}

bool DeviceQueue::PushRun(std::shared_ptr<ModelRequest> run, size_t limit) {
  run->enqueued = Clock::now();
  Clock::time_point deadline = run->timeoutMs > 0 ? run->enqueued + std::chrono::milliseconds(run->timeoutMs) : Clock::time_point::max();
  return Enqueue(Item{nullptr, std::move(run), deadline}, limit);
}

void* DeviceQueue::WatchThread(void* queue) {
  static_cast<DeviceQueue*>(queue)->WatchDeadlines();
  return nullptr;
}

void DeviceQueue::WatchDeadlines() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    Clock::time_point now = Clock::now();
    Clock::time_point earliest = Clock::time_point::max();
    std::vector<Item> late;
    for (size_t i = 0; i < items_.size();) {
      // Strictly past the deadline, as ModelRequest::TimedOutAt counts it.
      if (items_[i].deadline != Clock::time_point::max() && now > items_[i].deadline) {
        late.push_back(std::move(items_[i]));
        items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      earliest = std::min(earliest, items_[i].deadline);
      i++;
    }
    if (!late.empty()) {
      lock.unlock();
      for (Item& item : late) {
        if (item.run) {
          item.run->outcome.timedOut = true;
          item.run->done();
        } else {
          item.job();  // it finds itself past its deadline and only answers TIMEDOUT
        }
      }
      lock.lock();
      continue;
    }
    if (earliest == Clock::time_point::max()) deadlineWake_.wait(lock);
    else deadlineWake_.wait_until(lock, earliest + std::chrono::microseconds(1));
  }
}

bool DeviceQueue::Enqueue(Item item, size_t limit) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (limit > 0 && items_.size() >= limit) {
      rejected_++;
      return false;
    }
    const bool timed = item.deadline != Clock::time_point::max();
    items_.push_back(std::move(item));
    enqueued_.fetch_add(1, std::memory_order_release);
    if (timed) {
      if (!watching_) {
        pthread_t handle;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        watching_ = pthread_create(&handle, &attr, WatchThread, this) == 0;
        pthread_attr_destroy(&attr);
        if (watching_) pthread_setname_np(handle, ("sbt:" + device_).substr(0, 15).c_str());
      }
      deadlineWake_.notify_one();
    }
  }
  WakeOne();
  return true;
}

void DeviceQueue::Serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  // This thread's turn of releaseLater_ (swapped, so neither vector reallocates once grown).
  std::vector<Tensor*> released;
  for (;;) {
    if (!releaseLater_.empty()) {
      released.swap(releaseLater_);
      lock.unlock();
      for (Tensor* tensor : released) tensor->Release();
      released.clear();
      lock.lock();
    }
    Clock::time_point wakeAt = Clock::time_point::max();
    Taken taken = TakeReady(Clock::now(), &wakeAt);
    if (taken.empty()) {
      if (wakeAt == Clock::time_point::max()) {
        const uint64_t seen = enqueued_.load(std::memory_order_relaxed);
        lock.unlock();
        const bool arrived = SpinForWork(seen);
        lock.lock();
        // Also when it came just after the spin gave up: its notify found no sleeper.
        if (arrived || enqueued_.load(std::memory_order_relaxed) != seen) continue;
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, wakeAt);
      }
      continue;
    }
    running_++;
    if (taken.runs.size() > 1) {
      batches_++;
      batchedRuns_ += taken.runs.size();
    }
    // Others may be ready too (e.g. after a batch was formed from requests that arrived while
    // this thread was busy): let another thread look while this one works.
    if (!items_.empty()) wake_.notify_one();
    lock.unlock();
    Execute(taken);
    lock.lock();
    running_--;
  }
}

DeviceQueue::Taken DeviceQueue::TakeReady(Clock::time_point now, Clock::time_point* wakeAt) {
  Taken taken;
  std::vector<bool> waiting;  // items already found to belong to a batch that is not ready yet
  for (size_t i = 0; i < items_.size(); i++) {
    if (i < waiting.size() && waiting[i]) continue;
    Item& item = items_[i];
    if (!item.run) {
      taken.job = std::move(item.job);
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      return taken;
    }
    ModelRequest& run = *item.run;
    const BatchPolicy& policy = run.model->batching();
    if (run.TimedOutAt(now)) run.outcome.timedOut = true;
    // A model without BATCHSIZE runs alone: its inputs' shapes are not even looked at (BatchRows
    // walks every input's shape, ~1% of the device thread's time per run of a plain model).
    const int64_t rows = policy.batchsize == 0 ? 0 : BatchRows(run);
    if (run.outcome.timedOut || rows == 0 || rows >= policy.batchsize) {
      taken.runs.push_back(std::move(item.run));
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      return taken;
    }
    // Gather later requests for the same model until the batch is full (it may overshoot).
    std::vector<size_t> group{i};
    int64_t total = rows;
    // Partners are looked for among the next kMaxBatchScan requests only: a queue of many
    // requests that cannot merge (different shapes) must not make every wake-up quadratic.
    size_t last = std::min(items_.size(), i + 1 + kMaxBatchScan);
    for (size_t j = i + 1; j < last && total < policy.batchsize; j++) {
      if ((j < waiting.size() && waiting[j]) || !items_[j].run) continue;
      const ModelRequest& other = *items_[j].run;
      int64_t otherRows = BatchRows(other);
      // A request past its TIMEOUT is left to be answered TIMEDOUT when the scan reaches it.
      if (otherRows == 0 || otherRows >= policy.batchsize || other.TimedOutAt(now) || !CanBatchTogether(run, other)) continue;
      group.push_back(j);
      total += otherRows;
    }
    bool minimumWaitOver =
        policy.minbatchtimeoutMs > 0 && now - run.enqueued > std::chrono::milliseconds(policy.minbatchtimeoutMs);
    if (policy.minbatchsize == 0 || total >= policy.minbatchsize || minimumWaitOver) {
      for (size_t index : group) taken.runs.push_back(std::move(items_[index].run));
      for (auto it = group.rbegin(); it != group.rend(); ++it) items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(*it));
      return taken;
    }
    // Not ready: the group waits for more requests, its MINBATCHTIMEOUT, or a member's TIMEOUT.
    if (waiting.size() < items_.size()) waiting.resize(items_.size(), false);
    for (size_t index : group) {
      waiting[index] = true;
      const ModelRequest& member = *items_[index].run;
      if (member.timeoutMs > 0) {
        // Strictly past the deadline (TimedOutAt uses >), hence the extra microsecond.
        *wakeAt = std::min(*wakeAt, member.enqueued + std::chrono::milliseconds(member.timeoutMs) + std::chrono::microseconds(1));
      }
    }
    if (policy.minbatchtimeoutMs > 0) {
      *wakeAt = std::min(*wakeAt, run.enqueued + std::chrono::milliseconds(policy.minbatchtimeoutMs) + std::chrono::microseconds(1));
    }
  }
  return taken;
}

void DeviceQueue::Execute(Taken& taken) {
  if (taken.job) {
    taken.job();
    return;
  }
  std::vector<ModelRequest*> runs;
  for (auto& run : taken.runs) runs.push_back(run.get());
  if (!runs[0]->outcome.timedOut) RunModelBatch(runs);
  for (auto& run : taken.runs) run->done();
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
    Snapshot snapshot;
    {
      std::lock_guard<std::mutex> queueLock(queue->mutex_);
      snapshot = Snapshot{queue->device_, queue->items_.size(), queue->running_, queue->batches_, queue->batchedRuns_,
                          queue->rejected_, {}};
    }
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
