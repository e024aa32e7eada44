// What every backend needs on its side of backend_api.h: errors as one line, no C++ exception
// crossing the C table, and outputs handed to the core as DLPack over memory the backend keeps
// alive until the core calls the deleter. Header-only: each backend is its own shared object.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "backend_api.h"

namespace sb_backend {

// The host's log for this backend's library messages (set_log); null until the host sets it.
inline SBLogFn& HostLog() {
  static SBLogFn log = nullptr;
  return log;
}

// Sends one message of the backend's library to the server's log, without its trailing newline.
inline void LogLine(const char* backend, std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (HostLog() != nullptr && !line.empty()) HostLog()(backend, line.c_str());
}

// Records `text` as the error, flattened to one line (spec §0.2: clients read one line).
inline void SetError(SBError* err, const std::string& text) {
  err->code = 1;
  std::string line = text;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::snprintf(err->message, sizeof(err->message), "%s", line.c_str());
}

// Runs `body`; an exception becomes the error and a non-zero return instead of crossing the table.
template <typename F>
int Guard(SBError* err, const char* backend, F&& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    SetError(err, e.what());
  } catch (...) {
    SetError(err, std::string("unknown error in the ") + backend + " backend");
  }
  return 1;
}

// 64-byte aligned memory (what core tensors promise), freed with std::free.
inline void* AlignedAlloc(size_t bytes) {
  void* memory = nullptr;
  if (posix_memalign(&memory, 64, bytes == 0 ? 64 : bytes) != 0) throw std::bad_alloc();
  return memory;
}

// Hands `holder` (which has `DLManagedTensor managed` and `std::vector<int64_t> shape`, and owns
// whatever keeps `data` alive) to the core as a DLPack tensor of `dtype` over `data`.
template <typename Holder>
DLManagedTensor* HandOver(std::unique_ptr<Holder> holder, void* data, DLDataType dtype) {
  DLTensor& t = holder->managed.dl_tensor;
  t.data = data;
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(holder->shape.size());
  t.dtype = dtype;
  t.shape = holder->shape.data();
  holder->managed.manager_ctx = holder.get();
  holder->managed.deleter = [](DLManagedTensor* self) { delete static_cast<Holder*>(self->manager_ctx); };
  return &holder.release()->managed;
}

}  // namespace sb_backend
