// Backends and models: loading a backend, storing a model and running it on a device queue.
// Results come back as promises settled on the JS thread; no inference runs on the event loop.
#pragma once
#include <napi.h>

namespace stormbreaker {

// loadBackend(name, path) -> version text; throws with the loader's message
Napi::Value LoadBackend(const Napi::CallbackInfo& info);
// backendMemory(name) -> { bytes, allocations } the backend's own allocator holds, or null
Napi::Value BackendMemory(const Napi::CallbackInfo& info);
// backendVersion(name) -> version text, or null when not loaded
Napi::Value BackendVersion(const Napi::CallbackInfo& info);
Napi::Value BackendLibraryVersion(const Napi::CallbackInfo& info);
// modelCreate(backend, blob, device, queue: { threads, limit }, options) -> Promise<model handle>;
// loads on the device's queue. options: { batchsize, minbatchsize, minbatchtimeout,
// intraOpThreads, interOpThreads, executionTimeoutMs, memoryLimitBytes, inputs, outputs }
Napi::Value ModelCreate(const Napi::CallbackInfo& info);
// modelInputs(model) / modelOutputs(model) -> names the model declares
Napi::Value ModelInputs(const Napi::CallbackInfo& info);
Napi::Value ModelOutputs(const Napi::CallbackInfo& info);
// modelOutputLabels(model) -> per output, its column labels (an ONNX ZipMap) or null
Napi::Value ModelOutputLabels(const Napi::CallbackInfo& info);
// modelRun(model, device, queue: { threads, limit }, inputs: tensor handles, timeoutMs)
//   -> Promise<{ outputs, micros, timedOut }>; timeoutMs 0 means none
Napi::Value ModelRun(const Napi::CallbackInfo& info);

}  // namespace stormbreaker
