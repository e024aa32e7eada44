// ScriptHost: what a script running on a device thread may ask of the server (redis.execute,
// redisAI.model_execute). Each request is answered on the JS thread by the engine's handler while
// the device thread waits, so commands run exactly as a client's would, one at a time.
#pragma once
#include <napi.h>

#include "../backends/backend_api.h"
#include "addon_state.h"

namespace stormbreaker {

class ScriptHost {
 public:
  // On the JS thread. `handler` has execute(argv: Buffer[]) and modelExecute(key: Buffer).
  ScriptHost(Napi::Env env, Napi::Object handler);
  // On the JS thread, once the script's run is over.
  ~ScriptHost();
  const SBHostApi* api() const { return &api_; }

 private:
  static int Execute(void* context, const char* const* argv, const size_t* argv_len, size_t argc, const SBReply** reply,
                     SBError* err);
  static void ReleaseReply(void* context, const SBReply* reply);
  static int ModelExecute(void* context, const char* key, size_t key_len, DLManagedTensor* const* inputs,
                          size_t n_inputs, DLManagedTensor** outputs, size_t max_outputs, size_t* n_outputs,
                          SBError* err);

  CompletionChannel* channel_;
  Napi::ObjectReference handler_;
  SBHostApi api_;
};

}  // namespace stormbreaker
