// The class labels of ZipMap nodes (scikit-learn's ONNX-ML probability outputs), read from the
// serialized model: the backend turns a ZipMap's sequence of maps into a FLOAT [N, classes]
// tensor, and these say which class each column is.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace stormbreaker_onnx {

// Output name of each top-level ZipMap node → its class labels as text, in column order
// (ascending: numerically for integer labels, bytewise for string labels). Malformed input
// gives what could be read; ONNX Runtime rejects such a model anyway.
std::map<std::string, std::vector<std::string>> ZipMapLabels(const uint8_t* model, size_t length);

}  // namespace stormbreaker_onnx
