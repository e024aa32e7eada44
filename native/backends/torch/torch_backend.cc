// The TORCH backend: TorchScript models on libtorch, behind the C table of backend_api.h.
// Built as its own shared object so the core addon never links libtorch. Every entry point
// catches everything: no C++ exception crosses the table, and messages are one clean line
// (libtorch's C++ backtrace and source paths are dropped: DESIGN.md deviation 9).
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/jit.h>
#include <torch/script.h>
#include <torch/version.h>
#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "../backend_api.h"
#include "../backend_support.h"
#include "script_extensions.h"
#include "file_operations.h"
#include "pickle_check.h"
#include "run_deadline.h"
#include "source_limits.h"

namespace {

using sb_backend::SetError;

// What libtorch says, without the "Exception raised from … (most recent call first): frame #0 …"
// tail that names files of the machine that built it.
// Also drops the "[enforce fail at file.cc:123] . " prefix, and says what to do about the most
// common load failure: a model saved by a newer PyTorch than this libtorch.
std::string CleanMessage(const c10::Error& e) {
  std::string text = e.what_without_backtrace();
  if (text.rfind("[enforce fail at ", 0) == 0) {
    size_t end = text.find("] ");
    if (end != std::string::npos) text = text.substr(end + 2);
    if (text.rfind(". ", 0) == 0) text = text.substr(2);
  }
  const std::string marker = "Attempted to read a PyTorch file with version ";
  size_t at = text.find(marker);
  if (at != std::string::npos) {
    int version = std::atoi(text.c_str() + at + marker.size());
    size_t maxAt = text.find("for reading is ");
    int supported = maxAt == std::string::npos ? 0 : std::atoi(text.c_str() + maxAt + 15);
    text = "the model was saved by a newer PyTorch (file format " + std::to_string(version) +
           ") than this server's libtorch reads (up to " + std::to_string(supported) +
           "): save it with an older PyTorch, or run the server with a newer libtorch (LIBTORCH)";
  }
  return text;
}

// libtorch's warnings (TORCH_WARN, a script's warnings.warn) go to the server's log, not its
// stderr. libtorch keeps the handler per thread: each thread that calls in sets it once.
class WarningsToLog : public c10::WarningHandler {
 public:
  void process(const c10::SourceLocation&, const std::string& msg, const bool) override { sb_backend::LogLine("TORCH", msg); }
};

void RouteWarnings() {
  static WarningsToLog handler;
  thread_local bool routed = false;
  if (routed || sb_backend::HostLog() == nullptr) return;
  c10::Warning::set_warning_handler(&handler);
  routed = true;
}

template <typename F>
int Guard(SBError* err, F&& body) {
  RouteWarnings();
  try {
    body();
    return 0;
  } catch (const c10::Error& e) {
    SetError(err, CleanMessage(e));
  } catch (const std::exception& e) {
    SetError(err, e.what());
  } catch (...) {
    SetError(err, "unknown error in the TORCH backend");
  }
  return 1;
}

struct TorchModel {
  torch::jit::Module module;
  c10::Device device = c10::kCPU;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int64_t timeoutMs = 0;  // MODEL_EXECUTION_TIMEOUT when it was loaded (0: none)
};

// Runs `body` under a deadline of `limit_ms`; a run the deadline stopped fails with a message that
// says so (instead of the interpreter's traceback around the check that fired).
template <typename F>
void WithDeadline(int64_t limit_ms, const char* what, F&& body) {
  stormbreaker_torch::DeadlineScope scope(limit_ms);
  try {
    body();
  } catch (...) {
    if (scope.Expired()) throw std::runtime_error(scope.Message(what));
    throw;
  }
}

bool ParseDevice(const char* text, c10::Device* device, SBError* err) {
  std::string d = text;
  if (d.rfind("GPU", 0) == 0) {
    if (!torch::cuda::is_available()) {
      SetError(err, "GPU requested but Torch couldn't find CUDA");
      return false;
    }
    int index = d.size() > 4 ? std::stoi(d.substr(4)) : 0;
    *device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
    return true;
  }
  *device = c10::kCPU;
  return true;
}

bool ToScalarType(DLDataType t, c10::ScalarType* out) {
  switch (t.code) {
    case kDLFloat:
      if (t.bits == 32) { *out = c10::kFloat; return true; }
      if (t.bits == 64) { *out = c10::kDouble; return true; }
      return false;
    case kDLInt:
      if (t.bits == 8) { *out = c10::kChar; return true; }
      if (t.bits == 16) { *out = c10::kShort; return true; }
      if (t.bits == 32) { *out = c10::kInt; return true; }
      if (t.bits == 64) { *out = c10::kLong; return true; }
      return false;
    case kDLUInt:
      if (t.bits == 8) { *out = c10::kByte; return true; }
      return false;  // libtorch 1.13 has no uint16
    case SB_DL_BOOL:
      *out = c10::kBool;
      return true;
    default:
      return false;
  }
}

bool ToDLDataType(c10::ScalarType t, DLDataType* out) {
  switch (t) {
    case c10::kFloat: *out = {kDLFloat, 32, 1}; return true;
    case c10::kDouble: *out = {kDLFloat, 64, 1}; return true;
    case c10::kChar: *out = {kDLInt, 8, 1}; return true;
    case c10::kShort: *out = {kDLInt, 16, 1}; return true;
    case c10::kInt: *out = {kDLInt, 32, 1}; return true;
    case c10::kLong: *out = {kDLInt, 64, 1}; return true;
    case c10::kByte: *out = {kDLUInt, 8, 1}; return true;
    case c10::kBool: *out = {SB_DL_BOOL, 8, 1}; return true;
    default: return false;
  }
}

// An output handed to the core: keeps the at::Tensor alive until the core's deleter call.
struct OutputHolder {
  DLManagedTensor managed;
  at::Tensor tensor;
  std::vector<int64_t> shape;
};

DLManagedTensor* Export(at::Tensor tensor) {
  DLDataType dtype;
  if (!ToDLDataType(tensor.scalar_type(), &dtype)) {
    throw std::runtime_error(std::string("unsupported output dtype ") + c10::toString(tensor.scalar_type()));
  }
  auto* holder = new OutputHolder();
  holder->tensor = std::move(tensor);
  holder->shape = holder->tensor.sizes().vec();
  std::memset(&holder->managed, 0, sizeof(holder->managed));
  DLTensor& t = holder->managed.dl_tensor;
  t.data = holder->tensor.data_ptr();
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(holder->shape.size());
  t.dtype = dtype;
  t.shape = holder->shape.data();
  t.strides = nullptr;
  t.byte_offset = 0;
  holder->managed.manager_ctx = holder;
  holder->managed.deleter = [](DLManagedTensor* self) { delete static_cast<OutputHolder*>(self->manager_ctx); };
  return &holder->managed;
}

// Outputs must own compact, 64-byte aligned CPU memory that no input shares.
at::Tensor Settle(at::Tensor out, const std::vector<at::Tensor>& inputs) {
  out = out.to(c10::kCPU).contiguous();
  bool aliased = false;
  for (const auto& in : inputs) {
    if (out.storage().is_alias_of(in.storage())) aliased = true;
  }
  if (aliased || reinterpret_cast<uintptr_t>(out.data_ptr()) % 64 != 0) out = out.clone();
  return out;
}

// Borrowed views of the core's input tensors (the core keeps them alive for the call).
std::vector<at::Tensor> Borrow(DLManagedTensor* const* inputs, size_t n_inputs) {
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < n_inputs; i++) {
    const DLTensor& t = inputs[i]->dl_tensor;
    c10::ScalarType type;
    if (!ToScalarType(t.dtype, &type)) throw std::runtime_error("unsupported input dtype for the TORCH backend");
    std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
    out.push_back(torch::from_blob(static_cast<char*>(t.data) + t.byte_offset, shape, torch::TensorOptions().dtype(type)));
  }
  return out;
}

// The tensors a call returned, flattened: a Tensor, or a tuple or list of them. Returns false when
// something else came back.
bool Flatten(const c10::IValue& result, std::vector<at::Tensor>* out) {
  if (result.isTensor()) {
    out->push_back(result.toTensor());
  } else if (result.isTuple()) {
    for (const auto& v : result.toTupleRef().elements()) {
      if (!v.isTensor()) return false;
      out->push_back(v.toTensor());
    }
  } else if (result.isTensorList()) {
    for (const auto& v : result.toTensorVector()) out->push_back(v);
  } else if (result.isList()) {
    for (const auto& v : result.toListRef()) {
      if (!v.isTensor()) return false;
      out->push_back(v.toTensor());
    }
  } else {
    return false;
  }
  return true;
}

void ExportAll(std::vector<at::Tensor>& produced, const std::vector<at::Tensor>& borrowed, DLManagedTensor** outputs,
               size_t max_outputs, size_t* n_outputs) {
  if (produced.size() > max_outputs) {
    throw std::runtime_error("returned " + std::to_string(produced.size()) + " outputs, more than requested");
  }
  for (auto& out : produced) outputs[(*n_outputs)++] = Export(Settle(out, borrowed));
}

const char* Version() { return "NA"; }  // RedisAI's TORCH backend reports "NA" (spec §12)
const char* LibraryVersion() { return TORCH_VERSION; }  // what INFO MODULES' own section reports

// The TorchScript code inside a model archive (code/**.py) is compiled by torch::jit::load: it is
// held to the same bounds as a script's source first. A blob that is no archive is left to
// torch::jit::load, whose reader is this one, to refuse in its own words. Leaves `stream` at its
// start again.
void CheckModelCode(std::istringstream* stream) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(static_cast<std::istream*>(stream));
  } catch (const c10::Error&) {
  }
  if (archive) {
    caffe2::serialize::PyTorchStreamReader& reader = *archive;
    for (const std::string& name : reader.getAllRecords()) {
      const auto endsWith = [&](const char* tail) {
        const size_t n = std::strlen(tail);
        return name.size() >= n && name.compare(name.size() - n, n, tail) == 0;
      };
      if (endsWith(".pkl") || endsWith(".debug_pkl")) {
        auto record = reader.getRecord(name);
        std::string why = stormbreaker_torch::CheckPickle(
            std::string_view(static_cast<const char*>(std::get<0>(record).get()), std::get<1>(record)), "model " + name);
        if (!why.empty()) throw std::runtime_error(why);
        continue;
      }
      const bool code = name.rfind("code/", 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
      if (!code) continue;
      auto record = reader.getRecord(name);
      std::string_view source(static_cast<const char*>(std::get<0>(record).get()), std::get<1>(record));
      std::string why = stormbreaker_torch::CheckSourceLimits(source, "model code " + name);
      if (why.empty()) why = stormbreaker_torch::CheckClassAttributes(source, "model code " + name);
      if (!why.empty()) throw std::runtime_error(why);
    }
    archive.reset();
  }
  stream->clear();
  stream->seekg(0);
}

int ModelCreate(const void* blob, size_t length, const SBModelOptions* options, SBModel** out, SBError* err) {
  return Guard(err, [&] {
    c10::Device device = c10::kCPU;
    if (!ParseDevice(options->device, &device, err)) throw std::runtime_error(err->message);
    static std::once_flag threads;
    std::call_once(threads, [&] {
      if (options->intra_op_threads > 0) at::set_num_threads(static_cast<int>(options->intra_op_threads));
      if (options->inter_op_threads > 0) at::set_num_interop_threads(static_cast<int>(options->inter_op_threads));
    });
    std::istringstream stream(std::string(static_cast<const char*>(blob), length));
    CheckModelCode(&stream);
    auto model = std::make_unique<TorchModel>();
    model->module = torch::jit::load(stream, device);
    stormbreaker_torch::CheckNoFileOperations(*model->module._ivalue()->compilation_unit(), "model");
    stormbreaker_torch::InsertDeadlineChecks(*model->module._ivalue()->compilation_unit());
    model->timeoutMs = options->execution_timeout_ms;
    model->module.eval();
    model->device = device;
    const auto& schema = model->module.get_method("forward").function().getSchema();
    for (const auto& arg : schema.arguments()) {
      if (arg.name() != "self") model->inputs.push_back(arg.name());
    }
    // One (unnamed) output per tensor returned: a tuple counts its members (spec §4.1).
    for (const auto& ret : schema.returns()) {
      if (auto tuple = ret.type()->cast<c10::TupleType>()) {
        for (size_t i = 0; i < tuple->elements().size(); i++) model->outputs.emplace_back("");
      } else {
        model->outputs.push_back(ret.name());
      }
    }
    *out = reinterpret_cast<SBModel*>(model.release());
  });
}

void ModelFree(SBModel* model) { delete reinterpret_cast<TorchModel*>(model); }

size_t InputCount(const SBModel* m) { return reinterpret_cast<const TorchModel*>(m)->inputs.size(); }
const char* InputName(const SBModel* m, size_t i) { return reinterpret_cast<const TorchModel*>(m)->inputs[i].c_str(); }
size_t OutputCount(const SBModel* m) { return reinterpret_cast<const TorchModel*>(m)->outputs.size(); }
const char* OutputName(const SBModel* m, size_t i) { return reinterpret_cast<const TorchModel*>(m)->outputs[i].c_str(); }

int ModelRun(SBModel* handle, DLManagedTensor* const* inputs, size_t n_inputs, DLManagedTensor** outputs,
             size_t max_outputs, size_t* n_outputs, SBError* err) {
  *n_outputs = 0;
  return Guard(err, [&] {
    auto* model = reinterpret_cast<TorchModel*>(handle);
    c10::InferenceMode inference;
    std::vector<at::Tensor> borrowed = Borrow(inputs, n_inputs);
    std::vector<c10::IValue> args;
    for (auto& tensor : borrowed) args.emplace_back(model->device.is_cpu() ? tensor : tensor.to(model->device));
    c10::IValue result;
    WithDeadline(model->timeoutMs, "model run", [&] { result = model->module.forward(args); });
    std::vector<at::Tensor> produced;
    if (!Flatten(result, &produced)) throw std::runtime_error("model returned something other than tensors");
    ExportAll(produced, borrowed, outputs, max_outputs, n_outputs);
  });
}

struct TorchScript {
  std::shared_ptr<torch::jit::CompilationUnit> unit;
  c10::Device device = c10::kCPU;
};

int ScriptCreate(const char* source, const char* device_text, SBScript** out, SBError* err) {
  return Guard(err, [&] {
    c10::Device device = c10::kCPU;
    if (!ParseDevice(device_text, &device, err)) throw std::runtime_error(err->message);
    auto script = std::make_unique<TorchScript>();
    std::string why = stormbreaker_torch::CheckSourceLimits(source, "script");
    if (!why.empty()) throw std::runtime_error(why);
    script->unit = std::make_shared<torch::jit::CompilationUnit>();
    script->unit->define(c10::nullopt, source, stormbreaker_torch::ScriptResolver(), nullptr);
    stormbreaker_torch::CheckNoFileOperations(*script->unit, "script");
    stormbreaker_torch::InsertDeadlineChecks(*script->unit);
    script->device = device;
    *out = reinterpret_cast<SBScript*>(script.release());
  });
}

void ScriptFree(SBScript* script) { delete reinterpret_cast<TorchScript*>(script); }

torch::jit::Function* FindFunction(const TorchScript* script, const char* fn) {
  return script->unit->find_function(c10::QualifiedName(fn));
}

int ScriptCheckEntryPoint(const SBScript* handle, const char* fn, SBError* err) {
  return Guard(err, [&] {
    const auto* script = reinterpret_cast<const TorchScript*>(handle);
    torch::jit::Function* function = FindFunction(script, fn);
    std::string name = fn;
    if (function == nullptr) throw std::runtime_error("Function " + name + " does not exist in the given script.");
    const auto& arguments = function->getSchema().arguments();
    if (arguments.size() != 3) {
      throw std::runtime_error("Wrong number of inputs in function " + name + ". Expected 3 but was " +
                               std::to_string(arguments.size()));
    }
    if (*arguments[0].type() != *c10::ListType::ofTensors() || *arguments[1].type() != *c10::ListType::ofStrings() ||
        *arguments[2].type() != *c10::ListType::ofStrings()) {
      throw std::runtime_error("Wrong inputs type in function " + name + ". Expected signature similar to: def " + name +
                               "(tensors: List[Tensor], keys: List[str], args: List[str])");
    }
  });
}

int ScriptRun(SBScript* handle, const char* fn, int entry, DLManagedTensor* const* inputs, size_t n_inputs,
              const char* const* keys, size_t n_keys, const char* const* args, size_t n_args, const SBHostApi* host,
              int64_t execution_timeout_ms, DLManagedTensor** outputs, size_t max_outputs, size_t* n_outputs,
              SBError* err) {
  *n_outputs = 0;
  return Guard(err, [&] {
    stormbreaker_torch::HostScope scope(host);
    auto* script = reinterpret_cast<TorchScript*>(handle);
    std::string name = fn;
    torch::jit::Function* function = FindFunction(script, fn);
    if (function == nullptr) throw std::runtime_error("Function does not exist: " + name);
    c10::InferenceMode inference;
    std::vector<at::Tensor> borrowed = Borrow(inputs, n_inputs);
    std::vector<at::Tensor> onDevice;
    for (auto& t : borrowed) onDevice.push_back(script->device.is_cpu() ? t : t.to(script->device));
    std::vector<c10::IValue> stack;
    if (entry) {
      c10::List<at::Tensor> tensors(onDevice);
      c10::List<std::string> keyList;
      for (size_t i = 0; i < n_keys; i++) keyList.push_back(keys[i]);
      c10::List<std::string> argList;
      for (size_t i = 0; i < n_args; i++) argList.push_back(args[i]);
      stack = {tensors, keyList, argList};
    } else {
      // Best-effort binding (spec §5.6): Tensor takes one input, List[Tensor] takes the rest.
      size_t next = 0;
      for (const auto& argument : function->getSchema().arguments()) {
        if (*argument.type() == *c10::TensorType::get()) {
          if (next >= onDevice.size()) throw std::runtime_error("Wrong number of inputs provided to function: " + name);
          stack.emplace_back(onDevice[next++]);
        } else if (*argument.type() == *c10::ListType::ofTensors()) {
          c10::List<at::Tensor> rest;
          for (; next < onDevice.size(); next++) rest.push_back(onDevice[next]);
          stack.emplace_back(rest);
          break;
        } else {
          throw std::runtime_error("Unsupported input type in function definition: " + name);
        }
      }
      if (stack.size() < function->getSchema().arguments().size()) {
        throw std::runtime_error("Wrong number of inputs provided to function: " + name);
      }
    }
    c10::IValue result;
    WithDeadline(execution_timeout_ms, "script run", [&] { result = (*function)(std::move(stack)); });
    if (max_outputs == 0) return;
    std::vector<at::Tensor> produced;
    if (!Flatten(result, &produced)) throw std::runtime_error("Function returned non-tensor values" + name);
    if (produced.size() > max_outputs) throw std::runtime_error("Function returned unexpected number of outputs - " + name);
    ExportAll(produced, borrowed, outputs, max_outputs, n_outputs);
  });
}

void SetLog(SBLogFn log) { sb_backend::HostLog() = log; }

const SBBackendApi kApi = {
    SB_BACKEND_API_VERSION, "TORCH",      Version,      ModelCreate,           ModelFree, InputCount, InputName,
    OutputCount,            OutputName,   ModelRun,     ScriptCreate,          ScriptFree, ScriptCheckEntryPoint,
    ScriptRun,              nullptr,      nullptr,      nullptr,               SetLog,    LibraryVersion,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SBBackendApi* sb_get_backend_api(uint32_t host_api_version) {
  return host_api_version == SB_BACKEND_API_VERSION ? &kApi : nullptr;
}
