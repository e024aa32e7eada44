#include "settle_run.h"

#include "handles.h"
#include "run_tensors.h"
#include "../exec/device_queue.h"

namespace stormbreaker {

void SettleRun(Napi::Env env, Napi::Promise::Deferred& deferred, RunOutcome& outcome, DeviceQueue* ranOn) {
  if (outcome.failed()) {
    outcome.ReleaseOutputs();
    deferred.Reject(Napi::Error::New(env, outcome.errorMessage).Value());
    return;
  }
  // [micros, output…], or [-1] for a run dropped past its deadline: an array, as naming an
  // object's properties from C strings cost a string-table lookup per key per run.
  const size_t count = outcome.timedOut ? 0 : outcome.outputs.size();
  Napi::Array result = Napi::Array::New(env, 1 + count);
  result.Set(0u, Napi::Number::New(env, outcome.timedOut ? -1.0 : static_cast<double>(outcome.micros)));
  for (size_t i = 0; i < count; i++) result.Set(static_cast<uint32_t>(1 + i), RunOutput(env, outcome.outputs[i], ranOn));
  if (outcome.timedOut) outcome.ReleaseOutputs();
  outcome.outputs.clear();  // the handles own them now, or they were released as bytes
  deferred.Resolve(result);
}

}  // namespace stormbreaker
