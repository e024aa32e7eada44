// The tensor and storage functions of the addon. Argument rules are checked in TypeScript
// (src/tensor/); this layer trusts types but checks every size and handle it is given.
#pragma once
#include <napi.h>

namespace stormbreaker {

// setShapeScratch(Float64Array): where createTensor reads shapes from (set once at load)
Napi::Value SetShapeScratch(const Napi::CallbackInfo& info);
// allocateStorage(byteLength, zeroed) -> storage handle
Napi::Value AllocateStorage(const Napi::CallbackInfo& info);
// storageArrayBuffer(storage) -> ArrayBuffer over it (no copy), valid while the handle holds it
Napi::Value StorageArrayBuffer(const Napi::CallbackInfo& info);
// discardStorage(storage, arrayBuffer): detaches the ArrayBuffer over the storage and gives its
// memory back now (an upload that will never complete)
Napi::Value DiscardStorage(const Napi::CallbackInfo& info);
// releaseStorage(storage, arrayBuffer): detaches the ArrayBuffer and gives the handle's hold back
// now (the request that filled it is done); a tensor made from the storage keeps its own
Napi::Value ReleaseStorage(const Napi::CallbackInfo& info);
// tensorRelease(tensor) -> true when the tensor's memory was given back now (nothing else held
// the tensor: the handle is unusable from then on), false when it stays for the collector
Napi::Value TensorRelease(const Napi::CallbackInfo& info);
// createTensor(dtype, ndim, sourceKind, source, byteOffset, byteLength) -> tensor handle, or a
// BlobCheck code (number) when the bytes do not fit the dtype and shape. The shape is read from
// the first `ndim` elements of the shape scratch.
Napi::Value CreateTensor(const Napi::CallbackInfo& info);
// tensorDType / tensorShape / tensorByteOffset / tensorByteLength / tensorDataAlignment (tensor)
Napi::Value TensorDType(const Napi::CallbackInfo& info);
Napi::Value TensorShape(const Napi::CallbackInfo& info);
Napi::Value TensorByteOffset(const Napi::CallbackInfo& info);
Napi::Value TensorByteLength(const Napi::CallbackInfo& info);
Napi::Value TensorDataAlignment(const Napi::CallbackInfo& info);
// tensorArrayBuffer(tensor) -> ArrayBuffer over the tensor's whole storage (no copy)
Napi::Value TensorArrayBuffer(const Napi::CallbackInfo& info);
// formatFloats(bytes, isDouble): `%.17g` text of each FLOAT (or DOUBLE) in `bytes`, which need not
// be aligned; for a tensor still held as bytes in JS, which then needs no native copy.
Napi::Value FormatFloats(const Napi::CallbackInfo& info);
// encodeFloatsReply(bytes, isDouble, resp3, target, offset) -> bytes written: the FLOAT (or
// DOUBLE) elements of `bytes` as the RESP elements of an array of their `%.17g` texts (bulk
// strings on RESP2, doubles on RESP3; the array's header is the caller's), written into `target`
// at `offset`, which must have 32 bytes free per element: a VALUES reply with no JS string or
// reply object per element.
Napi::Value EncodeFloatsReply(const Napi::CallbackInfo& info);

}  // namespace stormbreaker
