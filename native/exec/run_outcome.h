// RunOutcome: what one model or script run leaves for the JS thread: the output tensors (owned
// here until handed over), the backend's error, its own duration, or that it never ran.
#pragma once
#include <cstdint>
#include <vector>

#include "../backends/backend_api.h"
#include "../core/tensor.h"

namespace stormbreaker {

struct RunOutcome {
  std::vector<Tensor*> outputs;
  SBError error{};
  int64_t micros = 0;
  bool timedOut = false;  // waited in its queue past its TIMEOUT and was dropped unexecuted

  bool failed() const { return !timedOut && error.code != 0; }
  void ReleaseOutputs() {
    for (Tensor* t : outputs) t->Release();
    outputs.clear();
  }
};

// Fills `error` with `text` (truncated to fit).
void SetRunError(SBError* error, const char* text);

}  // namespace stormbreaker
