// ModelRequest: one request to run a model, as it waits in a device queue. The queue may serve it
// alone or merged with others into one batched backend call (batcher.h); either way it ends with
// its own outcome and `done` is called on the device thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "../core/tensor.h"
#include "model.h"
#include "run_outcome.h"

namespace stormbreaker {

struct ModelRequest {
  Model* model = nullptr;        // the requester keeps a reference until done
  std::vector<Tensor*> inputs;   // likewise
  std::chrono::steady_clock::time_point enqueued;
  int64_t timeoutMs = 0;         // queue-wait deadline (spec §10.3); 0: none
  RunOutcome outcome;
  std::function<void()> done;

  bool TimedOutAt(std::chrono::steady_clock::time_point now) const {
    return timeoutMs > 0 && now - enqueued > std::chrono::milliseconds(timeoutMs);
  }
};

}  // namespace stormbreaker
