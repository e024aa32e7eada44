// Model: a backend's loaded model, reference-counted so that a run in flight on a device thread
// keeps it alive after the key that held it is overwritten or deleted.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "../backends/backend_api.h"

namespace stormbreaker {

class DeviceQueue;

// Autobatching settings of a stored model (spec §10.2); all zero: never batched.
struct BatchPolicy {
  int64_t batchsize = 0;
  int64_t minbatchsize = 0;
  int64_t minbatchtimeoutMs = 0;
};

class Model {
 public:
  // Adopts `model`, which `api` made on `queue`'s device; its runs go to that queue.
  Model(const SBBackendApi* api, SBModel* model, BatchPolicy batching, DeviceQueue* queue);
  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  bool IsValid() const { return magic_ == kMagic; }

  const SBBackendApi* api() const { return api_; }
  SBModel* handle() const { return model_; }
  const std::vector<std::string>& inputs() const { return inputs_; }
  const std::vector<std::string>& outputs() const { return outputs_; }
  const BatchPolicy& batching() const { return batching_; }
  // Found once, when the model was made: a run does not name its device again (queues live as
  // long as the process).
  DeviceQueue* queue() const { return queue_; }
  // Per output, the names of its columns when the backend knows them (else empty).
  const std::vector<std::vector<std::string>>& outputLabels() const { return outputLabels_; }

  static constexpr uint32_t kMagic = 0x4d4f444c;  // "MODL"

 private:
  ~Model() { api_->model_free(model_); }
  const uint32_t magic_ = kMagic;
  std::atomic<int> refs_{1};
  const SBBackendApi* api_;
  SBModel* model_;
  std::vector<std::string> inputs_;
  std::vector<std::string> outputs_;
  BatchPolicy batching_;
  DeviceQueue* queue_;
  std::vector<std::vector<std::string>> outputLabels_;
};

inline Model::Model(const SBBackendApi* api, SBModel* model, BatchPolicy batching, DeviceQueue* queue)
    : api_(api), model_(model), batching_(batching), queue_(queue) {
  for (size_t i = 0; i < api->model_input_count(model); i++) inputs_.push_back(api->model_input_name(model, i));
  for (size_t i = 0; i < api->model_output_count(model); i++) {
    outputs_.push_back(api->model_output_name(model, i));
    std::vector<std::string> labels;
    size_t count = api->model_output_label_count == nullptr ? 0 : api->model_output_label_count(model, i);
    for (size_t j = 0; j < count; j++) labels.push_back(api->model_output_label(model, i, j));
    outputLabels_.push_back(std::move(labels));
  }
}

}  // namespace stormbreaker
