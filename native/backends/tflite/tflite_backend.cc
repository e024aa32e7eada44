// The TFLITE backend: TensorFlow Lite flatbuffer models through TFLite's C API (the library npm's
// tfjs-tflite-node carries, or LIBTFLITE). One interpreter per stored model; an interpreter runs
// one call at a time, so runs of the same model take turns (a mutex), while other models run in
// parallel. Inputs whose shape differs from the model's resize its input tensors (a flat [784]
// works for a [1,28,28] model). TFLite reuses its tensors' memory between calls, so inputs and
// outputs are copied in and out: the runtime allows nothing else.
#include <tensorflow/lite/c/c_api.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "../backend_api.h"
#include "../backend_support.h"

namespace {

using sb_backend::AlignedAlloc;
using sb_backend::HandOver;

template <typename F>
int Guard(SBError* err, F&& body) {
  return sb_backend::Guard(err, "TFLITE", body);
}

// XNNPACK, TFLite's fast CPU kernels for float models (an fp16 SSD ran 75 ms with the reference
// kernels, ~5x slower than with it). The C library exports its delegate, but the package ships no
// header: these are its declarations. The options struct grew fields over TFLite's releases, each
// defaulting to zero, so ours is zero-padded well past the two fields TFLite 2.9 has.
extern "C" {
struct XnnpackOptions {
  int32_t num_threads;
  uint32_t flags;
  void* reserved[16];
};
TfLiteDelegate* TfLiteXNNPackDelegateCreate(const XnnpackOptions* options);
void TfLiteXNNPackDelegateDelete(TfLiteDelegate* delegate);
// c_api_experimental.h (not shipped either): a delegate that fails to apply is skipped, not fatal.
void TfLiteInterpreterOptionsSetEnableDelegateFallback(TfLiteInterpreterOptions* options, bool enable);
}

struct TfLiteModelState {
  std::string blob;  // TfLiteModelCreate does not copy: the bytes must live as long as the model
  TfLiteModel* model = nullptr;
  TfLiteInterpreterOptions* options = nullptr;
  TfLiteInterpreter* interpreter = nullptr;
  TfLiteDelegate* xnnpack = nullptr;  // deleted after the interpreter that uses it
  std::vector<std::string> inputs, outputs;
  std::mutex running;
  // Set by any resize, cleared only by a successful AllocateTensors: after a failed allocation
  // the input dims already match the request, but the buffers were never planned for them.
  bool needsAllocate = false;
  ~TfLiteModelState() {
    if (interpreter != nullptr) TfLiteInterpreterDelete(interpreter);
    if (xnnpack != nullptr) TfLiteXNNPackDelegateDelete(xnnpack);
    if (options != nullptr) TfLiteInterpreterOptionsDelete(options);
    if (model != nullptr) TfLiteModelDelete(model);
  }
};

// TFLite's details go to the server's log (not its stderr); a failed call's error stays the spec's
// fixed text (clients compare it byte for byte).
void ReportToLog(void*, const char* format, va_list args) {
  char line[1024];
  std::vsnprintf(line, sizeof(line), format, args);
  sb_backend::LogLine("TFLITE", line);
}

void SetLog(SBLogFn log) { sb_backend::HostLog() = log; }

// A TFLite model is a FlatBuffer with the identifier "TFL3" at bytes 4-7. TfLiteModelCreate
// prints its own verdict on anything else straight to stderr (this C API takes no error
// reporter for it), so what is plainly no model is refused before it gets there.
bool LooksLikeTfLiteModel(const void* blob, size_t length) {
  return length >= 8 && std::memcmp(static_cast<const char*>(blob) + 4, "TFL3", 4) == 0;
}

bool SameType(DLDataType t, TfLiteType type) {
  switch (type) {
    case kTfLiteFloat32: return t.code == kDLFloat && t.bits == 32;
    case kTfLiteFloat64: return t.code == kDLFloat && t.bits == 64;
    case kTfLiteInt8: return t.code == kDLInt && t.bits == 8;
    case kTfLiteInt16: return t.code == kDLInt && t.bits == 16;
    case kTfLiteInt32: return t.code == kDLInt && t.bits == 32;
    case kTfLiteInt64: return t.code == kDLInt && t.bits == 64;
    case kTfLiteUInt8: return t.code == kDLUInt && t.bits == 8;
    case kTfLiteBool: return t.code == SB_DL_BOOL;
    default: return false;
  }
}

bool ToDLType(TfLiteType type, DLDataType* out) {
  switch (type) {
    case kTfLiteFloat32: *out = {kDLFloat, 32, 1}; return true;
    case kTfLiteFloat64: *out = {kDLFloat, 64, 1}; return true;
    case kTfLiteInt8: *out = {kDLInt, 8, 1}; return true;
    case kTfLiteInt16: *out = {kDLInt, 16, 1}; return true;
    case kTfLiteInt32: *out = {kDLInt, 32, 1}; return true;
    case kTfLiteInt64: *out = {kDLInt, 64, 1}; return true;
    case kTfLiteUInt8: *out = {kDLUInt, 8, 1}; return true;
    case kTfLiteBool: *out = {SB_DL_BOOL, 8, 1}; return true;
    default: return false;
  }
}

struct OutputHolder {
  DLManagedTensor managed{};
  std::vector<int64_t> shape;
  void* data = nullptr;
  ~OutputHolder() { std::free(data); }
};

DLManagedTensor* Export(const TfLiteTensor* tensor, size_t index) {
  auto holder = std::make_unique<OutputHolder>();
  DLDataType dtype;
  if (!ToDLType(TfLiteTensorType(tensor), &dtype)) {
    throw std::runtime_error("model output " + std::to_string(index) + " has a dtype Stormbreaker cannot store");
  }
  for (int32_t d = 0; d < TfLiteTensorNumDims(tensor); d++) holder->shape.push_back(TfLiteTensorDim(tensor, d));
  size_t bytes = TfLiteTensorByteSize(tensor);
  holder->data = AlignedAlloc(bytes);
  if (bytes > 0) std::memcpy(holder->data, TfLiteTensorData(tensor), bytes);
  void* data = holder->data;
  return HandOver(std::move(holder), data, dtype);
}

const char* Version() { return TfLiteVersion(); }

int ModelCreate(const void* blob, size_t length, const SBModelOptions* options, SBModel** out, SBError* err) {
  return Guard(err, [&] {
    if (std::strncmp(options->device, "GPU", 3) == 0) throw std::runtime_error("Failed to set GPU delegate");
    auto state = std::make_unique<TfLiteModelState>();
    if (!LooksLikeTfLiteModel(blob, length)) throw std::runtime_error("Failed to load model from buffer");
    state->blob.assign(static_cast<const char*>(blob), length);
    state->model = TfLiteModelCreate(state->blob.data(), state->blob.size());
    if (state->model == nullptr) throw std::runtime_error("Failed to load model from buffer");
    state->options = TfLiteInterpreterOptionsCreate();
    if (options->intra_op_threads > 0) TfLiteInterpreterOptionsSetNumThreads(state->options, static_cast<int32_t>(options->intra_op_threads));
    TfLiteInterpreterOptionsSetErrorReporter(state->options, ReportToLog, nullptr);
    // Float ops go to XNNPACK (quantized ones keep TFLite's kernels: no QS8/QU8 flags); what it
    // cannot take falls back to TFLite's own kernels.
    XnnpackOptions xnn{};
    xnn.num_threads = options->intra_op_threads > 0 ? static_cast<int32_t>(options->intra_op_threads) : 1;
    state->xnnpack = TfLiteXNNPackDelegateCreate(&xnn);
    if (state->xnnpack != nullptr) {
      TfLiteInterpreterOptionsAddDelegate(state->options, state->xnnpack);
      TfLiteInterpreterOptionsSetEnableDelegateFallback(state->options, true);
    }
    state->interpreter = TfLiteInterpreterCreate(state->model, state->options);
    if (state->interpreter == nullptr) throw std::runtime_error("Failed to construct interpreter");
    if (TfLiteInterpreterAllocateTensors(state->interpreter) != kTfLiteOk) throw std::runtime_error("Failed to allocate tensors");
    for (int32_t i = 0; i < TfLiteInterpreterGetInputTensorCount(state->interpreter); i++) {
      state->inputs.push_back(TfLiteTensorName(TfLiteInterpreterGetInputTensor(state->interpreter, i)));
    }
    for (int32_t i = 0; i < TfLiteInterpreterGetOutputTensorCount(state->interpreter); i++) {
      state->outputs.push_back(TfLiteTensorName(TfLiteInterpreterGetOutputTensor(state->interpreter, i)));
    }
    *out = reinterpret_cast<SBModel*>(state.release());
  });
}

void ModelFree(SBModel* model) { delete reinterpret_cast<TfLiteModelState*>(model); }
const TfLiteModelState* From(const SBModel* m) { return reinterpret_cast<const TfLiteModelState*>(m); }
size_t InputCount(const SBModel* m) { return From(m)->inputs.size(); }
const char* InputName(const SBModel* m, size_t i) { return From(m)->inputs[i].c_str(); }
size_t OutputCount(const SBModel* m) { return From(m)->outputs.size(); }
const char* OutputName(const SBModel* m, size_t i) { return From(m)->outputs[i].c_str(); }

int ModelRun(SBModel* handle, DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs, size_t max_outputs,
             size_t* n_outputs, SBError* err) {
  *n_outputs = 0;
  return Guard(err, [&] {
    auto* state = reinterpret_cast<TfLiteModelState*>(handle);
    std::lock_guard<std::mutex> lock(state->running);
    TfLiteInterpreter* interpreter = state->interpreter;
    if (n_inputs != state->inputs.size()) throw std::runtime_error("Inconsistent number of inputs");
    if (state->outputs.size() > max_outputs) throw std::runtime_error("Inconsistent number of outputs");
    for (size_t i = 0; i < n_inputs; i++) {
      const DLTensor& in = inputs[i]->dl_tensor;
      TfLiteTensor* tensor = TfLiteInterpreterGetInputTensor(interpreter, static_cast<int32_t>(i));
      if (!SameType(in.dtype, TfLiteTensorType(tensor))) {
        throw std::runtime_error("Input tensor type doesn't match the type expected by the model definition");
      }
      bool same = TfLiteTensorNumDims(tensor) == in.ndim;
      for (int d = 0; same && d < in.ndim; d++) same = TfLiteTensorDim(tensor, d) == in.shape[d];
      if (!same) {
        std::vector<int> dims(in.shape, in.shape + in.ndim);
        if (TfLiteInterpreterResizeInputTensor(interpreter, static_cast<int32_t>(i), dims.data(), in.ndim) != kTfLiteOk) {
          throw std::runtime_error("Failed to resize input tensors");
        }
        state->needsAllocate = true;
      }
    }
    if (state->needsAllocate) {
      if (TfLiteInterpreterAllocateTensors(interpreter) != kTfLiteOk) throw std::runtime_error("Failed to allocate tensors");
      state->needsAllocate = false;
    }
    for (size_t i = 0; i < n_inputs; i++) {
      const DLTensor& in = inputs[i]->dl_tensor;
      TfLiteTensor* tensor = TfLiteInterpreterGetInputTensor(interpreter, static_cast<int32_t>(i));
      size_t bytes = in.dtype.bits / 8;
      for (int d = 0; d < in.ndim; d++) bytes *= static_cast<size_t>(in.shape[d]);
      if (bytes != TfLiteTensorByteSize(tensor) ||
          TfLiteTensorCopyFromBuffer(tensor, static_cast<const char*>(in.data) + in.byte_offset, bytes) != kTfLiteOk) {
        throw std::runtime_error("Failed to resize input tensors");
      }
    }
    if (TfLiteInterpreterInvoke(interpreter) != kTfLiteOk) throw std::runtime_error("Failed to invoke TfLite");
    for (size_t i = 0; i < state->outputs.size(); i++) {
      outputs[i] = Export(TfLiteInterpreterGetOutputTensor(interpreter, static_cast<int32_t>(i)), i);
      *n_outputs = i + 1;
    }
  });
}

const SBBackendApi kApi = {
    SB_BACKEND_API_VERSION, "TFLITE", Version, ModelCreate, ModelFree, InputCount, InputName, OutputCount, OutputName, ModelRun,
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, SetLog,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SBBackendApi* sb_get_backend_api(uint32_t host_api_version) {
  return host_api_version == SB_BACKEND_API_VERSION ? &kApi : nullptr;
}
