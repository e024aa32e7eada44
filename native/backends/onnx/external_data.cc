#include "external_data.h"

#include "protobuf_reader.h"

namespace stormbreaker_onnx {
namespace {

// Which messages the walk descends into, by the protobuf field numbers of onnx.proto.
enum class Message { Model, Graph, Node, Attribute, Tensor, SparseTensor };

// Protobuf's own parser stops at 100 nested messages; a model nested deeper is refused rather than
// loaded unchecked.
constexpr int kMaxDepth = 100;

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
  if (depth > kMaxDepth) return true;
  ProtobufReader r(data, length);
  while (!r.done()) {
    uint64_t field;
    int wireType;
    if (!r.Key(&field, &wireType)) return false;
    if (wireType == 0) {
      uint64_t value;
      if (!r.Varint(&value)) return false;
      // TensorProto.data_location (14) == EXTERNAL (1)
      if (kind == Message::Tensor && field == 14 && value == 1) return true;
    } else if (wireType == 2) {
      const uint8_t* bytes;
      size_t size;
      if (!r.Bytes(&bytes, &size)) return false;
      // TensorProto.external_data (13): where the bytes live.
      if (kind == Message::Tensor && field == 13) return true;
      Message child;
      if (Descend(kind, field, &child) && Walk(bytes, size, child, depth + 1)) return true;
    } else if (!r.Skip(wireType)) {
      return false;
    }
  }
  return false;
}

}  // namespace

bool HasExternalData(const uint8_t* model, size_t length) { return Walk(model, length, Message::Model, 0); }

}  // namespace stormbreaker_onnx
