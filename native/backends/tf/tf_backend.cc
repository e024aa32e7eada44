// The TF backend: frozen TensorFlow GraphDefs run through TensorFlow's C API (the library of
// PyPI's tensorflow-cpu wheel, or LIBTENSORFLOW). One graph and session per stored model.
// Inputs are fed without copying (STRING ones become TF_TStrings); outputs are handed over as
// TensorFlow allocated them unless they are unaligned or share an input's memory.
#include <tensorflow/c/c_api.h>
#include <tensorflow/c/tf_tstring.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
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
  return sb_backend::Guard(err, "TF", body);
}

struct StatusDeleter {
  void operator()(TF_Status* s) const { TF_DeleteStatus(s); }
};
using Status = std::unique_ptr<TF_Status, StatusDeleter>;
struct TensorDeleter {
  void operator()(TF_Tensor* t) const { TF_DeleteTensor(t); }
};
using TensorPtr = std::unique_ptr<TF_Tensor, TensorDeleter>;

void Check(TF_Status* status) {
  if (TF_GetCode(status) != TF_OK) throw std::runtime_error(TF_Message(status));
}

struct TfModel {
  TF_Graph* graph = nullptr;
  TF_Session* session = nullptr;
  std::vector<std::string> inputNames, outputNames;
  std::vector<TF_Output> inputs, outputs;
  ~TfModel() {
    if (session != nullptr) {
      Status status(TF_NewStatus());
      TF_CloseSession(session, status.get());
      TF_DeleteSession(session, status.get());
    }
    if (graph != nullptr) TF_DeleteGraph(graph);
  }
};

// A ConfigProto (tensorflow/core/protobuf/config.proto) with the thread settings, and
// device_count {"GPU": 0} for CPU devices: a CPU model must not take a GPU.
//
// Without an inter-op setting (0, RedisAI's default) a CPU session runs its ops in the thread that
// calls it (inter_op_parallelism_threads < 0): that is already a device thread of ours, and TF's own
// pool of one thread per core only handed each op to another thread and back. On 2 cores shared
// with the event loop and the clients, creditcardfraud at 8 clients ran 6.0-7.1K runs/s with the
// pool (AI.INFO: 120-137 us per call) and 11.1K without (58 us). TF's intra-op pool still splits
// large ops; a positive setting gives TF a pool of that many threads, as before.
std::string SessionConfig(int64_t intra, int64_t inter, bool cpu) {
  std::string proto;
  auto varint = [&](uint64_t v) {
    while (v >= 0x80) {
      proto.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    proto.push_back(static_cast<char>(v));
  };
  if (cpu) proto.append("\x0a\x07\x0a\x03GPU\x10\x00", 9);  // field 1: map entry {key "GPU", value 0}
  if (intra > 0) {
    proto.push_back(0x10);  // field 2: intra_op_parallelism_threads
    varint(static_cast<uint64_t>(intra));
  }
  if (inter > 0) {
    proto.push_back(0x28);  // field 5: inter_op_parallelism_threads
    varint(static_cast<uint64_t>(inter));
  } else if (cpu) {
    proto.push_back(0x28);  // field 5 = -1 (an int32 field: a negative varint takes ten bytes)
    varint(static_cast<uint64_t>(int64_t{-1}));
  }
  return proto;
}

bool HasGpu(TF_Session* session) {
  Status status(TF_NewStatus());
  TF_DeviceList* devices = TF_SessionListDevices(session, status.get());
  if (TF_GetCode(status.get()) != TF_OK) return false;
  bool found = false;
  for (int i = 0; i < TF_DeviceListCount(devices); i++) {
    const char* type = TF_DeviceListType(devices, i, status.get());
    if (TF_GetCode(status.get()) == TF_OK && std::strcmp(type, "GPU") == 0) found = true;
  }
  TF_DeleteDeviceList(devices);
  return found;
}

bool ToTfType(DLDataType t, TF_DataType* out) {
  switch (t.code) {
    case kDLFloat:
      if (t.bits == 32) { *out = TF_FLOAT; return true; }
      if (t.bits == 64) { *out = TF_DOUBLE; return true; }
      return false;
    case kDLInt:
      if (t.bits == 8) { *out = TF_INT8; return true; }
      if (t.bits == 16) { *out = TF_INT16; return true; }
      if (t.bits == 32) { *out = TF_INT32; return true; }
      if (t.bits == 64) { *out = TF_INT64; return true; }
      return false;
    case kDLUInt:
      if (t.bits == 8) { *out = TF_UINT8; return true; }
      if (t.bits == 16) { *out = TF_UINT16; return true; }
      return false;
    case SB_DL_BOOL: *out = TF_BOOL; return true;
    case SB_DL_STRING: *out = TF_STRING; return true;
    default: return false;
  }
}

bool ToDLType(TF_DataType t, DLDataType* out) {
  switch (t) {
    case TF_FLOAT: *out = {kDLFloat, 32, 1}; return true;
    case TF_DOUBLE: *out = {kDLFloat, 64, 1}; return true;
    case TF_INT8: *out = {kDLInt, 8, 1}; return true;
    case TF_INT16: *out = {kDLInt, 16, 1}; return true;
    case TF_INT32: *out = {kDLInt, 32, 1}; return true;
    case TF_INT64: *out = {kDLInt, 64, 1}; return true;
    case TF_UINT8: *out = {kDLUInt, 8, 1}; return true;
    case TF_UINT16: *out = {kDLUInt, 16, 1}; return true;
    case TF_BOOL: *out = {SB_DL_BOOL, 8, 1}; return true;
    case TF_STRING: *out = {SB_DL_STRING, 8, 1}; return true;
    default: return false;
  }
}

int64_t Count(const DLTensor& t) {
  int64_t n = 1;
  for (int i = 0; i < t.ndim; i++) n *= t.shape[i];
  return n;
}

// An input as TensorFlow wants it: numbers over the caller's memory (TensorFlow never frees it:
// the deallocator does nothing, and the tensor is deleted before the call returns), strings
// copied into TF_TStrings (TensorFlow's own string layout).
TensorPtr ToTfTensor(const DLTensor& t, size_t index) {
  TF_DataType type;
  if (!ToTfType(t.dtype, &type)) throw std::runtime_error("input " + std::to_string(index) + " has a dtype TF cannot take");
  std::vector<int64_t> dims(t.shape, t.shape + t.ndim);
  int64_t count = Count(t);
  const char* data = static_cast<const char*>(t.data) + t.byte_offset;
  if (type == TF_STRING) {
    TensorPtr tensor(TF_AllocateTensor(TF_STRING, dims.data(), t.ndim, static_cast<size_t>(count) * sizeof(TF_TString)));
    auto* strings = static_cast<TF_TString*>(TF_TensorData(tensor.get()));
    for (int64_t i = 0; i < count; i++) {
      size_t length = std::strlen(data);
      TF_TString_Init(&strings[i]);
      TF_TString_Copy(&strings[i], data, length);
      data += length + 1;
    }
    return tensor;
  }
  size_t bytes = static_cast<size_t>(count) * (t.dtype.bits / 8);
  return TensorPtr(TF_NewTensor(type, dims.data(), t.ndim, const_cast<char*>(data), bytes,
                                [](void*, size_t, void*) {}, nullptr));
}

// An output handed to the core: keeps the TF_Tensor (or a copy of its bytes) until the core's
// deleter call.
struct OutputHolder {
  DLManagedTensor managed{};
  TensorPtr tensor;
  std::vector<int64_t> shape;
  void* owned = nullptr;  // 64-byte aligned copy, when the tensor's own memory could not be used
  ~OutputHolder() { std::free(owned); }
};

void* AlignedCopy(const void* data, size_t bytes, OutputHolder* holder) {
  holder->owned = AlignedAlloc(bytes);
  std::memcpy(holder->owned, data, bytes);
  return holder->owned;
}

DLManagedTensor* Export(TensorPtr tensor, size_t index, DLManagedTensor* const* inputs, size_t n_inputs) {
  auto holder = std::make_unique<OutputHolder>();
  DLDataType dtype;
  TF_DataType type = TF_TensorType(tensor.get());
  if (!ToDLType(type, &dtype)) throw std::runtime_error("model output " + std::to_string(index) + " has a dtype Stormbreaker cannot store");
  for (int i = 0; i < TF_NumDims(tensor.get()); i++) holder->shape.push_back(TF_Dim(tensor.get(), i));
  int64_t count = TF_TensorElementCount(tensor.get());
  void* data = TF_TensorData(tensor.get());
  if (type == TF_STRING) {
    // The core's layout: each element NUL-terminated, one after another.
    auto* strings = static_cast<const TF_TString*>(data);
    size_t bytes = 0;
    for (int64_t i = 0; i < count; i++) bytes += TF_TString_GetSize(&strings[i]) + 1;
    holder->owned = AlignedAlloc(bytes);
    char* at = static_cast<char*>(holder->owned);
    for (int64_t i = 0; i < count; i++) {
      size_t size = TF_TString_GetSize(&strings[i]);
      std::memcpy(at, TF_TString_GetDataPointer(&strings[i]), size);
      at[size] = '\0';
      at += size + 1;
    }
    data = holder->owned;
  } else {
    size_t bytes = TF_TensorByteSize(tensor.get());
    auto begin = reinterpret_cast<uintptr_t>(data);
    bool aliased = false;  // e.g. an Identity of an input: TensorFlow hands back the caller's memory
    for (size_t i = 0; i < n_inputs; i++) {
      const DLTensor& in = inputs[i]->dl_tensor;
      auto inBegin = reinterpret_cast<uintptr_t>(in.data) + in.byte_offset;
      auto inEnd = inBegin + static_cast<uintptr_t>(Count(in)) * (in.dtype.bits / 8);
      if (bytes > 0 && begin < inEnd && inBegin < begin + bytes) aliased = true;
    }
    if (aliased || begin % 64 != 0) data = AlignedCopy(data, bytes, holder.get());
  }
  holder->tensor = std::move(tensor);
  return HandOver(std::move(holder), data, dtype);
}

const char* Version() { return TF_Version(); }

int ModelCreate(const void* blob, size_t length, const SBModelOptions* options, SBModel** out, SBError* err) {
  return Guard(err, [&] {
    auto model = std::make_unique<TfModel>();
    Status status(TF_NewStatus());
    model->graph = TF_NewGraph();
    TF_Buffer* graphDef = TF_NewBufferFromString(blob, length);
    TF_ImportGraphDefOptions* importOptions = TF_NewImportGraphDefOptions();
    TF_GraphImportGraphDef(model->graph, graphDef, importOptions, status.get());
    TF_DeleteImportGraphDefOptions(importOptions);
    TF_DeleteBuffer(graphDef);
    Check(status.get());
    for (size_t i = 0; i < options->n_inputs; i++) {
      TF_Operation* op = TF_GraphOperationByName(model->graph, options->input_names[i]);
      if (op == nullptr || std::strcmp(TF_OperationOpType(op), "Placeholder") != 0) {
        throw std::runtime_error(std::string("ERR Input node named \"") + options->input_names[i] + "\" not found in TF graph.");
      }
      model->inputNames.push_back(options->input_names[i]);
      model->inputs.push_back({op, 0});
    }
    for (size_t i = 0; i < options->n_outputs; i++) {
      TF_Operation* op = TF_GraphOperationByName(model->graph, options->output_names[i]);
      if (op == nullptr) {
        throw std::runtime_error(std::string("ERR Output node named \"") + options->output_names[i] + "\" not found in TF graph");
      }
      model->outputNames.push_back(options->output_names[i]);
      model->outputs.push_back({op, 0});
    }
    bool gpu = std::strncmp(options->device, "GPU", 3) == 0;
    TF_SessionOptions* sessionOptions = TF_NewSessionOptions();
    std::string config = SessionConfig(options->intra_op_threads, options->inter_op_threads, !gpu);
    TF_SetConfig(sessionOptions, config.data(), config.size(), status.get());
    if (TF_GetCode(status.get()) == TF_OK) model->session = TF_NewSession(model->graph, sessionOptions, status.get());
    TF_DeleteSessionOptions(sessionOptions);
    Check(status.get());
    if (gpu && !HasGpu(model->session)) throw std::runtime_error("ERR GPU requested but TF couldn't find CUDA");
    *out = reinterpret_cast<SBModel*>(model.release());
  });
}

void ModelFree(SBModel* model) { delete reinterpret_cast<TfModel*>(model); }
const TfModel* From(const SBModel* m) { return reinterpret_cast<const TfModel*>(m); }
size_t InputCount(const SBModel* m) { return From(m)->inputNames.size(); }
const char* InputName(const SBModel* m, size_t i) { return From(m)->inputNames[i].c_str(); }
size_t OutputCount(const SBModel* m) { return From(m)->outputNames.size(); }
const char* OutputName(const SBModel* m, size_t i) { return From(m)->outputNames[i].c_str(); }

int ModelRun(SBModel* handle, DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs, size_t max_outputs,
             size_t* n_outputs, SBError* err) {
  *n_outputs = 0;
  return Guard(err, [&] {
    auto* model = reinterpret_cast<TfModel*>(handle);
    if (n_inputs != model->inputs.size()) throw std::runtime_error("Inconsistent number of inputs");
    if (model->outputs.size() > max_outputs) throw std::runtime_error("Inconsistent number of outputs");
    std::vector<TensorPtr> fed;
    std::vector<TF_Tensor*> feedValues;
    for (size_t i = 0; i < n_inputs; i++) {
      fed.push_back(ToTfTensor(inputs[i]->dl_tensor, i));
      feedValues.push_back(fed.back().get());
    }
    std::vector<TF_Tensor*> results(model->outputs.size(), nullptr);
    Status status(TF_NewStatus());
    TF_SessionRun(model->session, nullptr, model->inputs.data(), feedValues.data(), static_cast<int>(n_inputs),
                  model->outputs.data(), results.data(), static_cast<int>(results.size()), nullptr, 0, nullptr,
                  status.get());
    std::vector<TensorPtr> owned;
    for (TF_Tensor* r : results) owned.emplace_back(r);
    Check(status.get());
    for (size_t i = 0; i < owned.size(); i++) {
      outputs[i] = Export(std::move(owned[i]), i, inputs, n_inputs);
      *n_outputs = i + 1;
    }
  });
}

const SBBackendApi kApi = {
    SB_BACKEND_API_VERSION, "TF", Version, ModelCreate, ModelFree, InputCount, InputName, OutputCount, OutputName, ModelRun,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SBBackendApi* sb_get_backend_api(uint32_t host_api_version) {
  return host_api_version == SB_BACKEND_API_VERSION ? &kApi : nullptr;
}
