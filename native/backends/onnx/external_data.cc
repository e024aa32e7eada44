#include "external_data.h"

namespace stormbreaker_onnx {
namespace {

// Which messages the walk descends into, by the protobuf field numbers of onnx.proto.
enum class Message { Model, Graph, Node, Attribute, Tensor, SparseTensor };

constexpr int kMaxDepth = 64;

struct Reader {
  const uint8_t* p;
  const uint8_t* end;

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
};

// Returns true when a nested message of kind `child` at `field` of `parent` is worth visiting.
bool Descend(Message parent, uint64_t field, Message* child) {
  switch (parent) {
    case Message::Model:
      if (field == 7) { *child = Message::Graph; return true; }
      return false;
    case Message::Graph:
      if (field == 1) { *child = Message::Node; return true; }
      if (field == 5) { *child = Message::Tensor; return true; }
      if (field == 15) { *child = Message::SparseTensor; return true; }
      return false;
    case Message::Node:
      if (field == 5) { *child = Message::Attribute; return true; }
      return false;
    case Message::Attribute:
      if (field == 5 || field == 10) { *child = Message::Tensor; return true; }
      if (field == 6 || field == 11) { *child = Message::Graph; return true; }
      if (field == 22 || field == 23) { *child = Message::SparseTensor; return true; }
      return false;
    case Message::SparseTensor:
      if (field == 1 || field == 2) { *child = Message::Tensor; return true; }
      return false;
    case Message::Tensor:
      return false;
  }
  return false;
}

bool Walk(const uint8_t* data, size_t length, Message kind, int depth) {
  if (depth > kMaxDepth) return false;
  Reader r{data, data + length};
  while (r.p < r.end) {
    uint64_t key;
    if (!r.Varint(&key)) return false;
    uint64_t field = key >> 3;
    switch (key & 7) {
      case 0: {
        uint64_t value;
        if (!r.Varint(&value)) return false;
        // TensorProto.data_location (14) == EXTERNAL (1)
        if (kind == Message::Tensor && field == 14 && value == 1) return true;
        break;
      }
      case 1:
        if (r.end - r.p < 8) return false;
        r.p += 8;
        break;
      case 5:
        if (r.end - r.p < 4) return false;
        r.p += 4;
        break;
      case 2: {
        uint64_t size;
        if (!r.Varint(&size) || size > static_cast<uint64_t>(r.end - r.p)) return false;
        // TensorProto.external_data (13): where the bytes live.
        if (kind == Message::Tensor && field == 13) return true;
        Message child;
        if (Descend(kind, field, &child) && Walk(r.p, size, child, depth + 1)) return true;
        r.p += size;
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

}  // namespace

bool HasExternalData(const uint8_t* model, size_t length) { return Walk(model, length, Message::Model, 0); }

}  // namespace stormbreaker_onnx
