#include "settle_run.h"

#include "handles.h"
#include "run_tensors.h"

namespace stormbreaker {

void SettleRun(Napi::Env env, Napi::Promise::Deferred& deferred, RunOutcome& outcome) {
  if (outcome.failed()) {
    outcome.ReleaseOutputs();
    deferred.Reject(Napi::Error::New(env, outcome.error.message).Value());
    return;
  }
  Napi::Array outputs = Napi::Array::New(env, outcome.outputs.size());
  for (size_t i = 0; i < outcome.outputs.size(); i++) outputs.Set(static_cast<uint32_t>(i), RunOutput(env, outcome.outputs[i]));
  outcome.outputs.clear();  // the handles own them now, or they were released as bytes
  Napi::Object result = Napi::Object::New(env);
  result.Set("outputs", outputs);
  result.Set("micros", Napi::Number::New(env, static_cast<double>(outcome.micros)));
  result.Set("timedOut", outcome.timedOut);
  deferred.Resolve(result);
}

}  // namespace stormbreaker
