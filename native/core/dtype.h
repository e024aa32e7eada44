// Element types a Stormbreaker tensor can hold, and their DLPack encoding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <dlpack/dlpack.h>

namespace stormbreaker {

// The numeric codes are part of the JS <-> C++ contract (src/native.ts mirrors them).
enum class DType : uint8_t {
  Float = 0,
  Double = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  UInt8 = 6,
  UInt16 = 7,
  Bool = 8,
  String = 9,
};
constexpr int kDTypeCount = 10;

// DLPack 0.6 has no bool or string codes; we use RedisAI's fork numbering (bool = 6,
// later adopted upstream as kDLBool; string = 7) so persisted codes stay compatible.
constexpr uint8_t kDLBoolCode = 6;
constexpr uint8_t kDLStringCode = 7;

inline bool IsValidDType(int code) { return code >= 0 && code < kDTypeCount; }

// Bytes per element; STRING is variable-length (its storage is NUL-terminated text).
inline size_t ElementSize(DType t) {
  switch (t) {
    case DType::Float: return 4;
    case DType::Double: return 8;
    case DType::Int8: return 1;
    case DType::Int16: return 2;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt8: return 1;
    case DType::UInt16: return 2;
    case DType::Bool: return 1;
    case DType::String: return 0;
  }
  return 0;
}

inline DLDataType ToDLDataType(DType t) {
  switch (t) {
    case DType::Float: return {kDLFloat, 32, 1};
    case DType::Double: return {kDLFloat, 64, 1};
    case DType::Int8: return {kDLInt, 8, 1};
    case DType::Int16: return {kDLInt, 16, 1};
    case DType::Int32: return {kDLInt, 32, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    case DType::UInt8: return {kDLUInt, 8, 1};
    case DType::UInt16: return {kDLUInt, 16, 1};
    case DType::Bool: return {kDLBoolCode, 8, 1};
    case DType::String: return {kDLStringCode, 8, 1};
  }
  return {kDLFloat, 32, 1};
}

// The dtype of a DLPack type, or false when Stormbreaker has no such dtype.
inline bool FromDLDataType(DLDataType t, DType* out) {
  if (t.lanes != 1) return false;
  switch (t.code) {
    case kDLFloat:
      if (t.bits == 32) { *out = DType::Float; return true; }
      if (t.bits == 64) { *out = DType::Double; return true; }
      return false;
    case kDLInt:
      if (t.bits == 8) { *out = DType::Int8; return true; }
      if (t.bits == 16) { *out = DType::Int16; return true; }
      if (t.bits == 32) { *out = DType::Int32; return true; }
      if (t.bits == 64) { *out = DType::Int64; return true; }
      return false;
    case kDLUInt:
      if (t.bits == 8) { *out = DType::UInt8; return true; }
      if (t.bits == 16) { *out = DType::UInt16; return true; }
      return false;
    case kDLBoolCode:
      if (t.bits == 8) { *out = DType::Bool; return true; }
      return false;
    case kDLStringCode:
      *out = DType::String;
      return true;
    default:
      return false;
  }
}

}  // namespace stormbreaker
