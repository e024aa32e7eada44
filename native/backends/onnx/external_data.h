// Finds tensors that point to external data files in a serialized ONNX model. Loading those
// would make the server read files a model names (spec §10.4: such models are refused).
#pragma once
#include <cstddef>
#include <cstdint>

namespace stormbreaker_onnx {

enum class ExternalData {
  None,     // no tensor points outside the model (or the blob is malformed: ONNX Runtime, whose
            // parser reads the same bytes the same way, then rejects it itself)
  Found,    // a tensor (anywhere: initializers, attributes, nested graphs, functions) is external
  TooDeep,  // nested deeper than the walk reads: refused, since it could not be checked
};

ExternalData FindExternalData(const uint8_t* model, size_t length);

}  // namespace stormbreaker_onnx
