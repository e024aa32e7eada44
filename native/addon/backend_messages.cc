#include "backend_messages.h"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace stormbreaker {
namespace {

// A chatty library must not grow memory without bound between two takes.
constexpr size_t kMaxQueued = 1000;

std::mutex queue_mutex;
std::vector<std::pair<std::string, std::string>> queued;
size_t dropped = 0;

}  // namespace

void QueueBackendMessage(const char* backend, const char* line) {
  std::lock_guard<std::mutex> lock(queue_mutex);
  if (queued.size() >= kMaxQueued) {
    dropped++;
    return;
  }
  queued.emplace_back(backend, line);
}

Napi::Value TakeBackendMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::pair<std::string, std::string>> taken;
  size_t lost = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    taken.swap(queued);
    lost = dropped;
    dropped = 0;
  }
  if (lost > 0) taken.emplace_back("", std::to_string(lost) + " more backend messages were dropped");
  Napi::Array out = Napi::Array::New(env, taken.size());
  for (size_t i = 0; i < taken.size(); i++) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, taken[i].first);
    pair.Set(1u, taken[i].second);
    out.Set(static_cast<uint32_t>(i), pair);
  }
  return out;
}

}  // namespace stormbreaker
