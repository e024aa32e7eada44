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

}  // namespace stormbreaker
