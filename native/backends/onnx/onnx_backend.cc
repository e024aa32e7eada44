// The ONNX backend: ONNX Runtime sessions behind the C table of backend_api.h, built as its own
// shared object against the libonnxruntime.so.1 that get_deps.sh takes from npm's
// onnxruntime-node (ONNXRUNTIME_DIR for a user's own build). Inputs are bound to tensor memory
// without copying; outputs stay in the memory ONNX Runtime allocated for them when it is aligned.
#include <onnxruntime_c_api.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../backend_api.h"
#include "../backend_support.h"
#include "external_data.h"
#include "tracked_allocator.h"
#include "zipmap_labels.h"

namespace {

// Below this size (the serialized model), INTRA_OP_PARALLELISM 0 runs the session's ops on the
// calling device thread instead of ORT's default pool (see model_create).
constexpr size_t kSmallModelBytes = 1024 * 1024;

const OrtApi* Api() {
  static const OrtApi* api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
  return api;
}

// A failed ORT call: carries ORT's message (some are looked at before they become the error).
struct OrtFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void Check(OrtStatus* status) {
  if (status == nullptr) return;
  std::string message = Api()->GetErrorMessage(status);
  Api()->ReleaseStatus(status);
  throw OrtFailure(message);
}

using sb_backend::AlignedAlloc;
using sb_backend::HandOver;

template <typename F>
int Guard(SBError* err, F&& body) {
  return sb_backend::Guard(err, "ONNX", body);
}

// ONNX Runtime's warnings go to the server's log (errors also reach the client, as the failed
// call's message).
void OrtToLog(void*, OrtLoggingLevel, const char*, const char*, const char*, const char* message) {
  sb_backend::LogLine("ONNX", message);
}

void SetLog(SBLogFn log) { sb_backend::HostLog() = log; }

OrtEnv* Env() {
  static OrtEnv* env = [] {
    OrtEnv* created = nullptr;
    if (sb_backend::HostLog() != nullptr) {
      Check(Api()->CreateEnvWithCustomLogger(OrtToLog, nullptr, ORT_LOGGING_LEVEL_WARNING, "stormbreaker", &created));
    } else {
      Check(Api()->CreateEnv(ORT_LOGGING_LEVEL_FATAL, "stormbreaker", &created));  // nowhere to send them but stderr
    }
    return created;
  }();
  return env;
}

OrtAllocator* DefaultAllocator() {
  OrtAllocator* allocator = nullptr;
  Check(Api()->GetAllocatorWithDefaultOptions(&allocator));
  return allocator;
}

// Terminates runs that outlive MODEL_EXECUTION_TIMEOUT through ONNX Runtime's terminate flag, so
// a model that never ends cannot hold its device queue forever. One thread waits on a condition
// variable until the earliest deadline (no polling).
//
// A run wakes that thread only when its deadline comes before the time the thread already sleeps
// to. Waking it for every run (each run's deadline, 5 s away by default, is past the earliest one)
// cost two context switches per run on the device thread's cores: a tiny ONNX model's backend
// call took ~14 µs where its forward takes a few. With nothing to watch the thread sleeps a second
// at a time, so the runs that follow (their deadlines seconds away) need no wake-up either.
class Watchdog {
 public:
  static Watchdog& Instance() {
    static Watchdog* watchdog = new Watchdog();  // never destroyed: its thread runs until exit
    return *watchdog;
  }

  void Watch(OrtRunOptions* run, std::chrono::steady_clock::time_point deadline) {
    std::lock_guard<std::mutex> lock(mutex_);
    runs_[run] = deadline;
    if (!started_) {
      started_ = true;
      std::thread([this] { Serve(); }).detach();
    }
    if (deadline < sleepsUntil_) wake_.notify_one();
  }

  void Forget(OrtRunOptions* run) {
    std::lock_guard<std::mutex> lock(mutex_);
    runs_.erase(run);
  }

 private:
  static constexpr std::chrono::seconds kIdleRecheck{1};

  void Serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      auto next = now + kIdleRecheck;
      for (auto it = runs_.begin(); it != runs_.end();) {
        if (it->second <= now) {
          Api()->RunOptionsSetTerminate(it->first);
          it = runs_.erase(it);
        } else {
          next = std::min(next, it->second);
          ++it;
        }
      }
      sleepsUntil_ = next;
      wake_.wait_until(lock, next);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<OrtRunOptions*, std::chrono::steady_clock::time_point> runs_;
  // When the thread wakes next by itself; min until it first looks (it looks at every run then).
  std::chrono::steady_clock::time_point sleepsUntil_ = std::chrono::steady_clock::time_point::min();
  bool started_ = false;
};


// A failed call whose message says the tracked allocator refused an allocation past the limit.
bool RefusedForLimit(const std::string& message) {
  return message.find(stormbreaker_onnx::kMemoryLimitMessage) != std::string::npos;
}

struct OnnxModel {
  OrtSession* session = nullptr;
  int64_t timeoutMs = 0;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::vector<std::string>> labels;  // per output: a ZipMap's classes, in column order
  ~OnnxModel() {
    if (session != nullptr) Api()->ReleaseSession(session);
  }
};

bool ToOnnxType(DLDataType t, ONNXTensorElementDataType* out) {
  switch (t.code) {
    case kDLFloat:
      *out = t.bits == 32 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
      return t.bits == 32 || t.bits == 64;
    case kDLInt:
      switch (t.bits) {
        case 8: *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8; return true;
        case 16: *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16; return true;
        case 32: *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32; return true;
        case 64: *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64; return true;
      }
      return false;
    case kDLUInt:
      if (t.bits == 8) { *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8; return true; }
      if (t.bits == 16) { *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16; return true; }
      return false;
    case SB_DL_BOOL:
      *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL;
      return true;
    case SB_DL_STRING:
      *out = ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING;
      return true;
  }
  return false;
}

bool ToDLType(ONNXTensorElementDataType t, DLDataType* out) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: *out = {kDLFloat, 32, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: *out = {kDLFloat, 64, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: *out = {kDLInt, 8, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: *out = {kDLInt, 16, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: *out = {kDLInt, 32, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: *out = {kDLInt, 64, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: *out = {kDLUInt, 8, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16: *out = {kDLUInt, 16, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: *out = {SB_DL_BOOL, 8, 1}; return true;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING: *out = {SB_DL_STRING, 8, 1}; return true;
    default: return false;
  }
}

// An output handed to the core: owns either ORT's value (zero copy) or bytes of our own.
struct OutputHolder {
  DLManagedTensor managed{};
  OrtValue* value = nullptr;
  std::string bytes;       // STRING outputs: NUL-terminated elements
  void* aligned = nullptr;  // a 64-byte aligned copy, when ORT's memory was not aligned
  std::vector<int64_t> shape;
  ~OutputHolder() {
    if (value != nullptr) Api()->ReleaseValue(value);
    std::free(aligned);
  }
};

// A sequence of maps from class to score (what scikit-learn's ZipMap produces) as a FLOAT tensor
// [N, classes], one column per class in ascending class order (the model's output labels, read by
// zipmap_labels.cc, name them in that order). RedisAI dropped such outputs
// silently; a user can read this one.
DLManagedTensor* ExportSequenceOfMaps(OrtValue* sequence, size_t index, std::unique_ptr<struct OutputHolder>& holder);

DLManagedTensor* Export(OrtValue* value, size_t index) {
  auto holder = std::make_unique<OutputHolder>();
  holder->value = value;
  ONNXType kind;
  Check(Api()->GetValueType(value, &kind));
  if (kind == ONNX_TYPE_SEQUENCE) return ExportSequenceOfMaps(value, index, holder);
  if (kind != ONNX_TYPE_TENSOR) {
    throw std::runtime_error("model output " + std::to_string(index) + " is neither a tensor nor a sequence of maps");
  }
  OrtTensorTypeAndShapeInfo* info = nullptr;
  Check(Api()->GetTensorTypeAndShape(value, &info));
  ONNXTensorElementDataType type;
  size_t ndim = 0, count = 0;
  OrtStatus* status = Api()->GetTensorElementType(info, &type);
  if (status == nullptr) status = Api()->GetDimensionsCount(info, &ndim);
  if (status == nullptr) {
    holder->shape.resize(ndim);
    status = Api()->GetDimensions(info, holder->shape.data(), ndim);
  }
  if (status == nullptr) status = Api()->GetTensorShapeElementCount(info, &count);
  Api()->ReleaseTensorTypeAndShapeInfo(info);
  Check(status);
  DLDataType dtype;
  if (!ToDLType(type, &dtype)) throw std::runtime_error("model output " + std::to_string(index) + " has a dtype Stormbreaker cannot store");
  void* data = nullptr;
  if (type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
    size_t length = 0;
    Check(Api()->GetStringTensorDataLength(value, &length));
    std::string content(length, '\0');
    std::vector<size_t> offsets(count);
    Check(Api()->GetStringTensorContent(value, content.data(), length, offsets.data(), count));
    for (size_t i = 0; i < count; i++) {
      size_t end = i + 1 < count ? offsets[i + 1] : length;
      holder->bytes.append(content, offsets[i], end - offsets[i]);
      holder->bytes.push_back('\0');
    }
    data = holder->bytes.data();
  } else {
    Check(Api()->GetTensorMutableData(value, &data));
    if (reinterpret_cast<uintptr_t>(data) % 64 != 0) {
      // Core tensors are 64-byte aligned; an unaligned result (rare with ORT's CPU allocator) is
      // copied once.
      size_t bytes = count * (dtype.bits / 8);
      holder->aligned = AlignedAlloc(bytes);
      std::memcpy(holder->aligned, data, bytes);
      data = holder->aligned;
    }
  }
  return HandOver(std::move(holder), data, dtype);
}

// Reads the elements of a numeric tensor value as doubles.
std::vector<double> Numbers(OrtValue* value) {
  OrtTensorTypeAndShapeInfo* info = nullptr;
  Check(Api()->GetTensorTypeAndShape(value, &info));
  ONNXTensorElementDataType type;
  size_t count = 0;
  OrtStatus* status = Api()->GetTensorElementType(info, &type);
  if (status == nullptr) status = Api()->GetTensorShapeElementCount(info, &count);
  Api()->ReleaseTensorTypeAndShapeInfo(info);
  Check(status);
  void* data = nullptr;
  Check(Api()->GetTensorMutableData(value, &data));
  std::vector<double> out(count);
  for (size_t i = 0; i < count; i++) {
    switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: out[i] = static_cast<float*>(data)[i]; break;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: out[i] = static_cast<double*>(data)[i]; break;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: out[i] = static_cast<double>(static_cast<int64_t*>(data)[i]); break;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: out[i] = static_cast<int32_t*>(data)[i]; break;
      default: throw std::runtime_error("a map with scores that are not numbers cannot be stored as a tensor");
    }
  }
  return out;
}

// The elements of a STRING tensor value.
std::vector<std::string> Strings(OrtValue* value) {
  OrtTensorTypeAndShapeInfo* info = nullptr;
  Check(Api()->GetTensorTypeAndShape(value, &info));
  size_t count = 0;
  OrtStatus* status = Api()->GetTensorShapeElementCount(info, &count);
  Api()->ReleaseTensorTypeAndShapeInfo(info);
  Check(status);
  size_t length = 0;
  Check(Api()->GetStringTensorDataLength(value, &length));
  std::string content(length, '\0');
  std::vector<size_t> offsets(count);
  Check(Api()->GetStringTensorContent(value, content.data(), length, offsets.data(), count));
  std::vector<std::string> out;
  for (size_t i = 0; i < count; i++) out.push_back(content.substr(offsets[i], (i + 1 < count ? offsets[i + 1] : length) - offsets[i]));
  return out;
}

bool IsStringTensor(OrtValue* value) {
  OrtTensorTypeAndShapeInfo* info = nullptr;
  Check(Api()->GetTensorTypeAndShape(value, &info));
  ONNXTensorElementDataType type;
  OrtStatus* status = Api()->GetTensorElementType(info, &type);
  Api()->ReleaseTensorTypeAndShapeInfo(info);
  Check(status);
  return type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING;
}

// One map's scores in ascending key order (numerically for number keys, bytewise for string
// keys: the order zipmap_labels.cc reports the labels in).
std::vector<double> ScoresByKey(OrtValue* keys, OrtValue* values) {
  std::vector<double> scores = Numbers(values);
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  if (IsStringTensor(keys)) {
    std::vector<std::string> k = Strings(keys);
    if (k.size() != scores.size()) throw std::runtime_error("a map with different numbers of keys and values");
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return k[a] < k[b]; });
  } else {
    std::vector<double> k = Numbers(keys);
    if (k.size() != scores.size()) throw std::runtime_error("a map with different numbers of keys and values");
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return k[a] < k[b]; });
  }
  std::vector<double> sorted;
  for (size_t i : order) sorted.push_back(scores[i]);
  return sorted;
}

DLManagedTensor* ExportSequenceOfMaps(OrtValue* sequence, size_t index, std::unique_ptr<OutputHolder>& holder) {
  OrtAllocator* allocator = DefaultAllocator();
  size_t rows = 0;
  Check(Api()->GetValueCount(sequence, &rows));
  std::vector<std::vector<double>> table(rows);
  for (size_t r = 0; r < rows; r++) {
    OrtValue* map = nullptr;
    Check(Api()->GetValue(sequence, static_cast<int>(r), allocator, &map));
    std::unique_ptr<OrtValue, void (*)(OrtValue*)> mapGuard(map, [](OrtValue* v) { Api()->ReleaseValue(v); });
    ONNXType kind;
    Check(Api()->GetValueType(map, &kind));
    if (kind != ONNX_TYPE_MAP) throw std::runtime_error("model output " + std::to_string(index) + " is a sequence of something other than maps");
    OrtValue* keys = nullptr;
    OrtValue* values = nullptr;
    Check(Api()->GetValue(map, 0, allocator, &keys));
    std::unique_ptr<OrtValue, void (*)(OrtValue*)> keysGuard(keys, [](OrtValue* v) { Api()->ReleaseValue(v); });
    Check(Api()->GetValue(map, 1, allocator, &values));
    std::unique_ptr<OrtValue, void (*)(OrtValue*)> valuesGuard(values, [](OrtValue* v) { Api()->ReleaseValue(v); });
    table[r] = ScoresByKey(keys, values);
  }
  size_t classes = rows == 0 ? 0 : table[0].size();
  for (auto& row : table) {
    if (row.size() != classes) throw std::runtime_error("model output " + std::to_string(index) + " has maps of different sizes");
  }
  size_t bytes = rows * classes * sizeof(float);
  holder->aligned = AlignedAlloc(bytes);
  auto* cells = static_cast<float*>(holder->aligned);
  for (size_t r = 0; r < rows; r++) {
    for (size_t c = 0; c < classes; c++) cells[r * classes + c] = static_cast<float>(table[r][c]);
  }
  holder->shape = {static_cast<int64_t>(rows), static_cast<int64_t>(classes)};
  void* data = holder->aligned;
  return HandOver(std::move(holder), data, DLDataType{kDLFloat, 32, 1});
}

const char* Version() {
  static std::string version = OrtGetApiBase()->GetVersionString();
  return version.c_str();
}

int ModelCreate(const void* blob, size_t length, const SBModelOptions* options, SBModel** out, SBError* err) {
  return Guard(err, [&] {
    std::string device = options->device;
    if (device.rfind("GPU", 0) == 0) throw std::runtime_error("GPU requested but ONNX couldn't find CUDA");
    switch (stormbreaker_onnx::FindExternalData(static_cast<const uint8_t*>(blob), length)) {
      case stormbreaker_onnx::ExternalData::Found:
        throw std::runtime_error("Initializer tensors with external data is not allowed.");
      case stormbreaker_onnx::ExternalData::TooDeep:
        throw std::runtime_error("the model is nested too deep to be checked for external data: refused");
      case stormbreaker_onnx::ExternalData::None:
        break;
    }
    OrtSessionOptions* session_options = nullptr;
    Check(Api()->CreateSessionOptions(&session_options));
    std::unique_ptr<OrtSessionOptions, void (*)(OrtSessionOptions*)> guard(session_options, [](OrtSessionOptions* o) { Api()->ReleaseSessionOptions(o); });
    if (options->intra_op_threads > 0) {
      Check(Api()->SetIntraOpNumThreads(session_options, static_cast<int>(options->intra_op_threads)));
    } else if (length < kSmallModelBytes) {
      // A small model's ops are too short to pay for handing their parts to a pool that does not
      // spin: the MNIST CNN (26 kB) ran in 62-75 us with ORT's default pool and 46-51 us on the
      // device thread alone, at two thirds of the CPU per run. Large models keep the pool
      // (EfficientNet-Lite0, 18.6 MB: ~6.1-6.6 ms with it, 6.4-8.5 ms without).
      Check(Api()->SetIntraOpNumThreads(session_options, 1));
    }
    // ORT's pool threads spin between ops by default; beside our device and event-loop threads on
    // few cores, that spinning takes the CPU the run itself needs.
    Check(Api()->AddSessionConfigEntry(session_options, "session.intra_op.allow_spinning", "0"));
    Check(Api()->AddSessionConfigEntry(session_options, "session.inter_op.allow_spinning", "0"));
    if (options->inter_op_threads > 0) Check(Api()->SetInterOpNumThreads(session_options, static_cast<int>(options->inter_op_threads)));
    // Every CPU session allocates through the tracked allocator (INFO's memory figures, the limit).
    stormbreaker_onnx::UseTrackedAllocator(Api(), Env(), options->memory_limit_bytes);
    Check(Api()->AddSessionConfigEntry(session_options, "session.use_env_allocators", "1"));
    auto model = std::make_unique<OnnxModel>();
    model->timeoutMs = options->execution_timeout_ms;
    try {
      Check(Api()->CreateSessionFromArray(Env(), blob, length, session_options, &model->session));
    } catch (const OrtFailure& f) {
      if (RefusedForLimit(f.what())) throw std::runtime_error(std::string("Exception during initialization: ") + stormbreaker_onnx::kMemoryLimitMessage);
      throw;
    }
    OrtAllocator* allocator = DefaultAllocator();
    size_t n = 0;
    Check(Api()->SessionGetInputCount(model->session, &n));
    for (size_t i = 0; i < n; i++) {
      char* name = nullptr;
      Check(Api()->SessionGetInputName(model->session, i, allocator, &name));
      model->inputs.emplace_back(name);
      Check(Api()->AllocatorFree(allocator, name));
    }
    Check(Api()->SessionGetOutputCount(model->session, &n));
    for (size_t i = 0; i < n; i++) {
      char* name = nullptr;
      Check(Api()->SessionGetOutputName(model->session, i, allocator, &name));
      model->outputs.emplace_back(name);
      Check(Api()->AllocatorFree(allocator, name));
    }
    auto labels = stormbreaker_onnx::ZipMapLabels(static_cast<const uint8_t*>(blob), length);
    for (const std::string& output : model->outputs) {
      auto found = labels.find(output);
      model->labels.push_back(found == labels.end() ? std::vector<std::string>{} : std::move(found->second));
    }
    *out = reinterpret_cast<SBModel*>(model.release());
  });
}

void ModelFree(SBModel* model) { delete reinterpret_cast<OnnxModel*>(model); }
size_t InputCount(const SBModel* m) { return reinterpret_cast<const OnnxModel*>(m)->inputs.size(); }
const char* InputName(const SBModel* m, size_t i) { return reinterpret_cast<const OnnxModel*>(m)->inputs[i].c_str(); }
size_t OutputCount(const SBModel* m) { return reinterpret_cast<const OnnxModel*>(m)->outputs.size(); }
const char* OutputName(const SBModel* m, size_t i) { return reinterpret_cast<const OnnxModel*>(m)->outputs[i].c_str(); }
size_t OutputLabelCount(const SBModel* m, size_t output) { return reinterpret_cast<const OnnxModel*>(m)->labels[output].size(); }
const char* OutputLabel(const SBModel* m, size_t output, size_t i) {
  return reinterpret_cast<const OnnxModel*>(m)->labels[output][i].c_str();
}

int ModelRun(SBModel* handle, DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs, size_t max_outputs,
             size_t* n_outputs, SBError* err) {
  *n_outputs = 0;
  std::vector<OrtValue*> in(n_inputs, nullptr);
  std::vector<OrtValue*> out;
  auto release = [](std::vector<OrtValue*>& values) {
    for (OrtValue* v : values) {
      if (v != nullptr) Api()->ReleaseValue(v);
    }
    values.clear();
  };
  int rc = Guard(err, [&] {
    auto* model = reinterpret_cast<OnnxModel*>(handle);
    if (n_inputs != model->inputs.size()) {
      throw std::runtime_error("Expected " + std::to_string(model->inputs.size()) + " inputs but got " + std::to_string(n_inputs));
    }
    OrtMemoryInfo* memory = nullptr;
    Check(Api()->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory));
    std::unique_ptr<OrtMemoryInfo, void (*)(OrtMemoryInfo*)> memoryGuard(memory, [](OrtMemoryInfo* m) { Api()->ReleaseMemoryInfo(m); });
    for (size_t i = 0; i < n_inputs; i++) {
      const DLTensor& t = inputs[i]->dl_tensor;
      ONNXTensorElementDataType type;
      if (!ToOnnxType(t.dtype, &type)) throw std::runtime_error("unsupported input dtype for the ONNX backend");
      size_t count = 1;
      for (int d = 0; d < t.ndim; d++) count *= static_cast<size_t>(t.shape[d]);
      char* data = static_cast<char*>(t.data) + t.byte_offset;
      if (type == ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING) {
        // Our STRING data is NUL-terminated elements one after another: point at each.
        std::vector<const char*> elements;
        const char* p = data;
        for (size_t e = 0; e < count; e++) {
          elements.push_back(p);
          p += std::strlen(p) + 1;
        }
        Check(Api()->CreateTensorAsOrtValue(DefaultAllocator(), t.shape, t.ndim, type, &in[i]));
        Check(Api()->FillStringTensor(in[i], elements.data(), count));
      } else {
        size_t bytes = count * (t.dtype.bits / 8);
        Check(Api()->CreateTensorWithDataAsOrtValue(memory, data, bytes, t.shape, t.ndim, type, &in[i]));
      }
    }
    std::vector<const char*> inputNames, outputNames;
    for (auto& s : model->inputs) inputNames.push_back(s.c_str());
    for (auto& s : model->outputs) outputNames.push_back(s.c_str());
    out.assign(model->outputs.size(), nullptr);
    OrtRunOptions* run = nullptr;
    Check(Api()->CreateRunOptions(&run));
    std::unique_ptr<OrtRunOptions, void (*)(OrtRunOptions*)> runGuard(run, [](OrtRunOptions* r) {
      Watchdog::Instance().Forget(r);
      Api()->ReleaseRunOptions(r);
    });
    if (model->timeoutMs > 0) {
      Watchdog::Instance().Watch(run, std::chrono::steady_clock::now() + std::chrono::milliseconds(model->timeoutMs));
    }
    try {
      Check(Api()->Run(model->session, run, inputNames.data(), in.data(), in.size(), outputNames.data(), outputNames.size(), out.data()));
    } catch (const OrtFailure& f) {
      if (RefusedForLimit(f.what())) throw std::runtime_error(stormbreaker_onnx::kMemoryLimitMessage);
      throw;
    }
    if (out.size() > max_outputs) throw std::runtime_error("Expected at most " + std::to_string(max_outputs) + " outputs but got " + std::to_string(out.size()));
    for (size_t i = 0; i < out.size(); i++) {
      OrtValue* value = out[i];
      out[i] = nullptr;  // the holder owns it from here, also when Export throws
      outputs[(*n_outputs)++] = Export(value, i);
    }
  });
  release(in);
  release(out);
  return rc;
}

int MemoryStats(uint64_t* bytes_in_use, uint64_t* allocations) {
  *bytes_in_use = stormbreaker_onnx::TrackedBytes();
  *allocations = stormbreaker_onnx::TrackedAccesses();
  return 0;
}

const SBBackendApi kApi = {
    SB_BACKEND_API_VERSION, "ONNX", Version, ModelCreate, ModelFree, InputCount, InputName, OutputCount, OutputName,
    ModelRun, nullptr, nullptr, nullptr, nullptr, MemoryStats, OutputLabelCount, OutputLabel, SetLog,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SBBackendApi* sb_get_backend_api(uint32_t host_api_version) {
  return host_api_version == SB_BACKEND_API_VERSION ? &kApi : nullptr;
}
