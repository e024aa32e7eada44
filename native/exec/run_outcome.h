// RunOutcome: what one model or script run leaves for the JS thread: the output tensors (owned
// here until handed over), the backend's error, its own duration, or that it never ran.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../backends/backend_api.h"
#include "../core/tensor.h"

namespace stormbreaker {

struct RunOutcome {
  std::vector<Tensor*> outputs;
  // The backend's error, if any. Not an SBError: its 1 KiB message made every run request a
  // "large" allocation, and each such malloc on the event loop consolidated glibc's fast bins
  // (~2% of the loop's time under M1). The device thread passes the backend an SBError of its own.
  int errorCode = 0;
  std::string errorMessage;
  int64_t micros = 0;
  bool timedOut = false;  // waited in its queue past its TIMEOUT and was dropped unexecuted

  bool failed() const { return !timedOut && errorCode != 0; }
  void Fail(int code, const char* message) {
    errorCode = code != 0 ? code : 1;
    errorMessage = message;
  }
  void ReleaseOutputs() {
    for (Tensor* t : outputs) t->Release();
    outputs.clear();
  }
};


}  // namespace stormbreaker
