// ProtobufReader: just enough of the protobuf wire format to walk a serialized ONNX model
// without the protobuf library (ONNX Runtime keeps its own copy private). Every read is bounds
// checked: a model blob is untrusted input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace stormbreaker_onnx {

struct ProtobufReader {
  const uint8_t* p;
  const uint8_t* end;
  bool tooDeep = false;  // a Skip failed because groups nested past its depth

  ProtobufReader(const uint8_t* data, size_t length) : p(data), end(data + length) {}

  bool done() const { return p >= end; }

  bool Varint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      uint8_t byte = *p++;
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  // Reads a field's key; `wireType` is 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
  bool Key(uint64_t* field, int* wireType) {
    uint64_t key;
    if (!Varint(&key)) return false;
    *field = key >> 3;
    *wireType = static_cast<int>(key & 7);
    return true;
  }

  // The bytes of a length-delimited field, after its key.
  bool Bytes(const uint8_t** data, size_t* length) {
    uint64_t size;
    if (!Varint(&size) || size > static_cast<uint64_t>(end - p)) return false;
    *data = p;
    *length = static_cast<size_t>(size);
    p += size;
    return true;
  }

  // Skips the value of a field of `wireType`, after its key (a group: up to its end, nested
  // groups included, at most `depth` deep).
  bool Skip(int wireType, int depth = 32) {
    switch (wireType) {
      case 3: {  // start group (deprecated, still valid protobuf): fields up to the matching end
        if (depth <= 0) {
          tooDeep = true;
          return false;
        }
        for (;;) {
          uint64_t field;
          int inner;
          if (!Key(&field, &inner)) return false;
          if (inner == 4) return true;
          if (!Skip(inner, depth - 1)) return false;
        }
      }
      case 0: {
        uint64_t ignored;
        return Varint(&ignored);
      }
      case 1:
        if (end - p < 8) return false;
        p += 8;
        return true;
      case 5:
        if (end - p < 4) return false;
        p += 4;
        return true;
      case 2: {
        const uint8_t* data;
        size_t length;
        return Bytes(&data, &length);
      }
      default:
        return false;
    }
  }
};

}  // namespace stormbreaker_onnx
