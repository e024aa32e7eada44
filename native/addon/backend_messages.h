// The messages backends' libraries send (backend_api.h's set_log): kept in one process-wide,
// bounded queue from any thread, and taken by JS (the server writes them to its log).
#pragma once
#include <napi.h>

namespace stormbreaker {

// The SBLogFn every backend gets.
void QueueBackendMessage(const char* backend, const char* line);

// takeBackendMessages(): [[backend, line], ...] queued since the last call (and a line saying
// how many were dropped, when more came than the queue keeps).
Napi::Value TakeBackendMessages(const Napi::CallbackInfo& info);

}  // namespace stormbreaker
