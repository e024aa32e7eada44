// BackendRegistry: loads backend shared objects with dlopen, once each, and checks their table
// version. The core addon never links a backend library itself.
#pragma once
#include <string>

#include "../backends/backend_api.h"

namespace stormbreaker {

class BackendRegistry {
 public:
  // Loads `name` from `path` (or from the addon's own folder when path is empty). Returns the
  // table, or nullptr with `*error` set. Loading an already loaded backend returns it again.
  // Any thread may call it (the addon calls it on a thread of its own: dlopen is slow).
  static const SBBackendApi* Load(const std::string& name, const std::string& path, std::string* error);
  // What must happen on the main thread before `name` loads (process environment settings).
  static void PrepareLoad(const std::string& name);
  // Where backends loaded from now on send their library messages (set once by the addon).
  static SBLogFn& LogSink();
  // The table of a loaded backend, or nullptr.
  static const SBBackendApi* Get(const std::string& name);
  // Folder holding the addon (and, by default, the backend libraries).
  static std::string AddonFolder();
};

}  // namespace stormbreaker
