#include "external_data.h"

#include "protobuf_reader.h"

namespace stormbreaker_onnx {
namespace {

// Which messages the walk descends into, by the protobuf field numbers of onnx.proto: every
// place a TensorProto can be (initializers, node attributes, nested graphs, model-local
// functions, training graphs).
enum class Message { Model, Graph, Node, Attribute, Tensor, SparseTensor, Function, TrainingInfo };

// Protobuf's own parser stops at 100 nested messages and groups together; a model nested deeper
// than the walk goes is refused rather than loaded unchecked.
constexpr int kMaxDepth = 100;

// Returns true when a nested message of kind `child` at `field` of `parent` is worth visiting.
bool Descend(Message parent, uint64_t field, Message* child) {
  switch (parent) {
    case Message::Model:
      if (field == 7) { *child = Message::Graph; return true; }
      if (field == 20) { *child = Message::TrainingInfo; return true; }
      if (field == 25) { *child = Message::Function; return true; }
      return false;
    case Message::TrainingInfo:
      if (field == 1 || field == 2) { *child = Message::Graph; return true; }
      return false;
    case Message::Function:
      if (field == 7) { *child = Message::Node; return true; }
      if (field == 11) { *child = Message::Attribute; return true; }
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

ExternalData Walk(const uint8_t* data, size_t length, Message kind, int depth) {
  if (depth > kMaxDepth) return ExternalData::TooDeep;
  ProtobufReader r(data, length);
  while (!r.done()) {
    uint64_t field;
    int wireType;
    if (!r.Key(&field, &wireType)) return ExternalData::None;
    if (wireType == 0) {
      uint64_t value;
      if (!r.Varint(&value)) return ExternalData::None;
      // TensorProto.data_location (14) == EXTERNAL (1)
      if (kind == Message::Tensor && field == 14 && value == 1) return ExternalData::Found;
    } else if (wireType == 2) {
      const uint8_t* bytes;
      size_t size;
      if (!r.Bytes(&bytes, &size)) return ExternalData::None;
      // TensorProto.external_data (13): where the bytes live.
      if (kind == Message::Tensor && field == 13) return ExternalData::Found;
      Message child;
      if (Descend(kind, field, &child)) {
        ExternalData inner = Walk(bytes, size, child, depth + 1);
        if (inner != ExternalData::None) return inner;
      }
    } else if (!r.Skip(wireType, kMaxDepth - depth)) {
      // Groups nested past what protobuf itself would read could still hide nothing; but a walk
      // that stops early must never pass a model unchecked.
      return r.tooDeep ? ExternalData::TooDeep : ExternalData::None;
    }
  }
  return ExternalData::None;
}

}  // namespace

ExternalData FindExternalData(const uint8_t* model, size_t length) { return Walk(model, length, Message::Model, 0); }

}  // namespace stormbreaker_onnx
