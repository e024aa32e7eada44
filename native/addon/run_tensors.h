// How a run's tensors cross between JS and a device thread. A small numeric tensor crosses as
// its bytes (a Uint8Array), not as a handle: a handle is an External whose finalizer the garbage
// collector must run, and at ~90K tiny runs a second those finalizers ran in bursts of thousands
// after each scavenge, holding the event loop for milliseconds (the L1 loop-lag benchmark). JS
// keeps such tensors as bytes anyway (Tensor.ts, PENDING_LIMIT). Their dtype and shape travel as
// doubles, [dtypeCode, rank, dim…]: an input's in the run scratch (written by JS just before the
// call, one header per byte input, in input order), an output's in the slab right after its bytes
// (at the next multiple of 8). An N-API call per element of a [dtype, shape, bytes] array was a
// tenth of the event loop's time per tiny MODELEXECUTE.
#pragma once
#include <napi.h>

#include <vector>

#include "../core/tensor.h"

namespace stormbreaker {

// Largest tensor that crosses as bytes; Tensor.ts's PENDING_LIMIT is the same.
constexpr size_t kInlineTensorBytes = 4096;
// Most dims of a tensor that crosses as bytes: createTensor's shape scratch (src/native.ts).
constexpr size_t kMaxRunRank = 64;

// The tensors of a run's inputs, each with a reference of its own for the run: from a handle, or
// copied from a Uint8Array whose header is the next one in the run scratch. False (with a JS error
// thrown, nothing held) on a bad one.
bool TakeRunInputs(Napi::Env env, Napi::Array inputs, std::vector<Tensor*>* out);

// A run's output for JS, adopting the reference: for a small numeric (not BOOL) tensor with no
// empty dimension that has its storage to itself (released here), a Uint8Array of its bytes in the
// output slab with its header after them; else a handle (a batched run's rows stay views of its
// one output). A tensor copied out is released on `ranOn`'s device thread (nullptr: here).
class DeviceQueue;
Napi::Value RunOutput(Napi::Env env, Tensor* tensor, DeviceQueue* ranOn);

// setRunScratch(Float64Array): where run inputs' headers are read from (set once at load).
Napi::Value SetRunScratch(const Napi::CallbackInfo& info);

}  // namespace stormbreaker
