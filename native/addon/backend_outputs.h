// BackendOutputs: the part of a model or script run that is the same for both: lend the inputs
// to the backend as DLPack, time the call, adopt what it returns as core tensors (no copy), and
// settle the caller's promise on the JS thread.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "../backends/backend_api.h"
#include "../core/tensor.h"

namespace stormbreaker {

class BackendOutputs {
 public:
  using Call = std::function<int(DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs,
                                 size_t max_outputs, size_t* n_outputs, SBError* err)>;

  // On a device thread.
  void Run(const std::vector<Tensor*>& inputs, bool wantOutputs, const Call& call);
  // On the JS thread: resolves { outputs, micros, timedOut } or rejects with the backend's message.
  void Settle(Napi::Env env, Napi::Promise::Deferred& deferred, bool timedOut);

 private:
  std::vector<Tensor*> outputs_;
  SBError error_{};
  int64_t micros_ = 0;
};

}  // namespace stormbreaker
