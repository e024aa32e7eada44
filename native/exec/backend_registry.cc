#include "backend_registry.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace stormbreaker {
namespace {

std::mutex registry_mutex;
std::map<std::string, const SBBackendApi*>& Loaded() {
  static auto* loaded = new std::map<std::string, const SBBackendApi*>();
  return *loaded;
}

std::string LibraryFileName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return "libstormbreaker_" + name + ".so";
}

}  // namespace

std::string BackendRegistry::AddonFolder() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&BackendRegistry::AddonFolder), &info) == 0 || info.dli_fname == nullptr) {
    return ".";
  }
  std::string file = info.dli_fname;
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

const SBBackendApi* BackendRegistry::Get(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = Loaded().find(name);
  return it == Loaded().end() ? nullptr : it->second;
}

SBLogFn& BackendRegistry::LogSink() {
  static SBLogFn sink = nullptr;
  return sink;
}

void BackendRegistry::PrepareLoad(const std::string& name) {
  // TensorFlow logs start-up chatter to stderr unless told otherwise (a user's setting wins).
  if (name == "TF") setenv("TF_CPP_MIN_LOG_LEVEL", "2", 0);
}

const SBBackendApi* BackendRegistry::Load(const std::string& name, const std::string& path, std::string* error) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = Loaded().find(name);
  if (it != Loaded().end()) return it->second;
  std::string file = path.empty() ? AddonFolder() + "/" + LibraryFileName(name) : path;
  // RTLD_LOCAL: each backend keeps its own dependencies' symbols to itself (TF and TFLite both
  // define TfLite* functions, with different layouts).
  int flags = RTLD_NOW | RTLD_LOCAL;
  if (name == "TF") {
    // libtensorflow exports its own BoringSSL and Brotli under the names Node exports for its
    // OpenSSL and Brotli; without DEEPBIND TensorFlow's calls would bind to Node's copies.
#ifndef __SANITIZE_ADDRESS__  // AddressSanitizer refuses DEEPBIND (npm run test:asan runs TF without it)
    flags |= RTLD_DEEPBIND;
#endif
  }
  void* library = dlopen(file.c_str(), flags);
  if (library == nullptr) {
    const char* why = dlerror();
    *error = why != nullptr ? why : ("cannot open " + file);
    return nullptr;
  }
  auto get = reinterpret_cast<SBGetBackendApiFn>(dlsym(library, SB_GET_BACKEND_API_SYMBOL));
  const SBBackendApi* api = get != nullptr ? get(SB_BACKEND_API_VERSION) : nullptr;
  if (api == nullptr || api->api_version != SB_BACKEND_API_VERSION || name != api->name) {
    *error = file + " is not a " + name + " backend for API version " + std::to_string(SB_BACKEND_API_VERSION);
    dlclose(library);
    return nullptr;
  }
  if (api->set_log != nullptr && LogSink() != nullptr) api->set_log(LogSink());
  Loaded()[name] = api;
  return api;
}

}  // namespace stormbreaker
