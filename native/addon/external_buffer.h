// A JS ArrayBuffer over native Storage, without copying. It holds its own reference on the
// Storage, so the bytes outlive the tensor that made them for as long as JS can reach them.
#pragma once
#include <napi.h>

#include "../core/storage.h"

namespace stormbreaker {
Napi::ArrayBuffer ExternalArrayBuffer(Napi::Env env, Storage* storage);
}
