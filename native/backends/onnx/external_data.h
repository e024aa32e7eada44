// Finds tensors that point to external data files in a serialized ONNX model. Loading those
// would make the server read files a model names (spec §10.4: such models are refused).
#pragma once
#include <cstddef>
#include <cstdint>

namespace stormbreaker_onnx {

// True when any tensor of the model (initializers, node attributes, nested graphs) is stored
// outside the model. Malformed input counts as false: ONNX Runtime then rejects it itself.
bool HasExternalData(const uint8_t* model, size_t length);

}  // namespace stormbreaker_onnx
