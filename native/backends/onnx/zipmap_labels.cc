#include "zipmap_labels.h"

#include <algorithm>

#include "protobuf_reader.h"

namespace stormbreaker_onnx {
namespace {

// Field numbers of onnx.proto.
constexpr uint64_t kModelGraph = 7;
constexpr uint64_t kGraphNode = 1;
constexpr uint64_t kNodeOutput = 2, kNodeOpType = 4, kNodeAttribute = 5;
constexpr uint64_t kAttributeName = 1, kAttributeInts = 8, kAttributeStrings = 9;

// The one length-delimited field `wanted` of a message (the last one, as protobuf merges).
bool Field(const uint8_t* data, size_t length, uint64_t wanted, const uint8_t** out, size_t* outLength) {
  ProtobufReader r(data, length);
  bool found = false;
  while (!r.done()) {
    uint64_t field;
    int wireType;
    if (!r.Key(&field, &wireType)) return found;
    if (field == wanted && wireType == 2) {
      if (!r.Bytes(out, outLength)) return found;
      found = true;
    } else if (!r.Skip(wireType)) {
      return found;
    }
  }
  return found;
}

struct Labels {
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

// classlabels_int64s / classlabels_strings of a ZipMap's attribute, if that is what it is.
void ReadAttribute(const uint8_t* data, size_t length, Labels* labels) {
  ProtobufReader r(data, length);
  std::string name;
  Labels found;
  while (!r.done()) {
    uint64_t field;
    int wireType;
    if (!r.Key(&field, &wireType)) return;
    if (field == kAttributeName && wireType == 2) {
      const uint8_t* bytes;
      size_t size;
      if (!r.Bytes(&bytes, &size)) return;
      name.assign(reinterpret_cast<const char*>(bytes), size);
    } else if (field == kAttributeInts && wireType == 0) {
      uint64_t value;
      if (!r.Varint(&value)) return;
      found.ints.push_back(static_cast<int64_t>(value));
    } else if (field == kAttributeInts && wireType == 2) {  // packed
      const uint8_t* bytes;
      size_t size;
      if (!r.Bytes(&bytes, &size)) return;
      ProtobufReader packed(bytes, size);
      uint64_t value;
      while (!packed.done() && packed.Varint(&value)) found.ints.push_back(static_cast<int64_t>(value));
    } else if (field == kAttributeStrings && wireType == 2) {
      const uint8_t* bytes;
      size_t size;
      if (!r.Bytes(&bytes, &size)) return;
      found.strings.emplace_back(reinterpret_cast<const char*>(bytes), size);
    } else if (!r.Skip(wireType)) {
      return;
    }
  }
  if (name == "classlabels_int64s") labels->ints = std::move(found.ints);
  if (name == "classlabels_strings") labels->strings = std::move(found.strings);
}

void ReadNode(const uint8_t* data, size_t length, std::map<std::string, std::vector<std::string>>* out) {
  ProtobufReader r(data, length);
  std::string opType;
  std::vector<std::string> outputs;
  Labels labels;
  while (!r.done()) {
    uint64_t field;
    int wireType;
    if (!r.Key(&field, &wireType)) return;
    if (wireType == 2 && (field == kNodeOutput || field == kNodeOpType || field == kNodeAttribute)) {
      const uint8_t* bytes;
      size_t size;
      if (!r.Bytes(&bytes, &size)) return;
      if (field == kNodeOutput) outputs.emplace_back(reinterpret_cast<const char*>(bytes), size);
      if (field == kNodeOpType) opType.assign(reinterpret_cast<const char*>(bytes), size);
      if (field == kNodeAttribute) ReadAttribute(bytes, size, &labels);
    } else if (!r.Skip(wireType)) {
      return;
    }
  }
  if (opType != "ZipMap" || outputs.size() != 1) return;
  std::vector<std::string> text;
  if (!labels.ints.empty()) {
    std::sort(labels.ints.begin(), labels.ints.end());
    for (int64_t label : labels.ints) text.push_back(std::to_string(label));
  } else {
    std::sort(labels.strings.begin(), labels.strings.end());
    text = std::move(labels.strings);
  }
  (*out)[outputs[0]] = std::move(text);
}

}  // namespace

std::map<std::string, std::vector<std::string>> ZipMapLabels(const uint8_t* model, size_t length) {
  std::map<std::string, std::vector<std::string>> out;
  const uint8_t* graph;
  size_t graphLength;
  if (!Field(model, length, kModelGraph, &graph, &graphLength)) return out;
  ProtobufReader r(graph, graphLength);
  while (!r.done()) {
    uint64_t field;
    int wireType;
    if (!r.Key(&field, &wireType)) break;
    if (field == kGraphNode && wireType == 2) {
      const uint8_t* node;
      size_t nodeLength;
      if (!r.Bytes(&node, &nodeLength)) break;
      ReadNode(node, nodeLength, &out);
    } else if (!r.Skip(wireType)) {
      break;
    }
  }
  return out;
}

}  // namespace stormbreaker_onnx
