// Scripts: compiling on a device queue, checking entry points, and calling functions there.
#pragma once
#include <napi.h>

namespace stormbreaker {

// scriptCreate(backend, source, device, queue: { threads, limit }) -> Promise<script handle>
Napi::Value ScriptCreate(const Napi::CallbackInfo& info);
// scriptCheckEntryPoint(script, fn) -> null, or the reason it is not an entry point
Napi::Value ScriptCheckEntryPoint(const Napi::CallbackInfo& info);
// scriptRun(script, device, queue: { threads, limit }, fn, entry, inputs, keys, args, wantOutputs, timeoutMs, host)
//   (host: { execute(argv), modelExecute(key) } answering the script's redis/redisAI calls)
//   -> Promise<{ outputs, micros, timedOut }>
Napi::Value ScriptRun(const Napi::CallbackInfo& info);

}  // namespace stormbreaker
