// CallBackend: the part of a model or script run that is the same for both, on a device thread:
// lend the inputs to the backend as DLPack, time the call, and adopt what it returns as core
// tensors without copying.
#pragma once
#include <functional>
#include <vector>

#include "../backends/backend_api.h"
#include "../core/tensor.h"
#include "run_outcome.h"

namespace stormbreaker {

using BackendCallFn = std::function<int(DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs,
                                        size_t max_outputs, size_t* n_outputs, SBError* err)>;

void CallBackend(const std::vector<Tensor*>& inputs, bool wantOutputs, const BackendCallFn& call, RunOutcome* outcome);

}  // namespace stormbreaker
