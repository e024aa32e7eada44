// SettleRun: on the JS thread, turns a finished run's outcome into the caller's promise result:
// { outputs, micros, timedOut }, or a rejection with the backend's one-line message.
#pragma once
#include <napi.h>

#include "../exec/run_outcome.h"

namespace stormbreaker {

class DeviceQueue;
// Outputs copied out as bytes are given back on `ranOn`'s device thread (the queue that ran them,
// where they were allocated: DeviceQueue::ReleaseLater); nullptr releases them here.
void SettleRun(Napi::Env env, Napi::Promise::Deferred& deferred, RunOutcome& outcome, DeviceQueue* ranOn);

}  // namespace stormbreaker
