// Script: a backend's compiled script, reference-counted like Model so a run in flight keeps it
// alive after its key is overwritten or deleted.
#pragma once
#include <atomic>
#include <cstdint>

#include "../backends/backend_api.h"

namespace stormbreaker {

class Script {
 public:
  Script(const SBBackendApi* api, SBScript* script) : api_(api), script_(script) {}
  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  bool IsValid() const { return magic_ == kMagic; }
  const SBBackendApi* api() const { return api_; }
  SBScript* handle() const { return script_; }

  static constexpr uint32_t kMagic = 0x53435254;  // "SCRT"

 private:
  ~Script() { api_->script_free(script_); }
  const uint32_t magic_ = kMagic;
  std::atomic<int> refs_{1};
  const SBBackendApi* api_;
  SBScript* script_;
};

}  // namespace stormbreaker
