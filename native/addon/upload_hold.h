// An upload's storage, held for JS: the memory a bulk string of AI.TENSORSET is read into
// (src/tensor/Tensor.ts storageView), until the request that filled it is done.
//
// Why a hold and not the storage itself behind the handle: the request's end is known (the
// connection has run it), so the memory is given back then (releaseStorage) instead of when the
// garbage collector finds the handle. Uploads outlive a young-generation collection while their
// bytes arrive over many reads, so waiting for the collector meant a full mark of the heap every
// 64 MB of uploads (V8's external-memory trigger) and a pool cycling tens of cold buffers.
#pragma once
#include <napi.h>

#include <cstdint>

#include "../core/storage.h"

namespace stormbreaker {

struct UploadHold {
  static constexpr uint32_t kMagic = 0x55504c44;  // "UPLD"
  bool IsValid() const { return magic == kMagic && storage != nullptr; }

  const uint32_t magic = kMagic;
  // One reference, or nullptr once given back.
  Storage* storage = nullptr;
  // Bytes the JS engine was told about while the hold lasts.
  int64_t accounted = 0;
};

// A handle holding one reference on `storage` (adopted).
Napi::Value StorageHandle(Napi::Env env, Storage* storage);

// The hold behind a handle, released or not; nullptr (with a TypeError thrown) when the value is
// not a storage handle.
UploadHold* HoldFrom(Napi::Env env, Napi::Value value);

// The storage a live handle holds; nullptr (with a TypeError thrown) when it is not one or was
// given back.
Storage* StorageFrom(Napi::Env env, Napi::Value value);

// Gives the hold's reference (and what the engine was told) back; nothing when already done.
void DropHold(Napi::Env env, UploadHold* hold);

}  // namespace stormbreaker
