#include "script_extensions.h"

#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/script.h>

#include <string>
#include <vector>

namespace stormbreaker_torch {
namespace {

thread_local const SBHostApi* current_host = nullptr;

const SBHostApi& Host() {
  if (current_host == nullptr) throw std::runtime_error("redis and redisAI calls are only available while a script runs");
  return *current_host;
}

c10::IValue ToIValue(const SBReply& reply) {
  switch (reply.type) {
    case SB_REPLY_NIL:
      return c10::IValue();
    case SB_REPLY_STRING:
      return c10::IValue(std::string(reply.str, reply.len));
    case SB_REPLY_INTEGER:
      return c10::IValue(static_cast<int64_t>(reply.integer));
    case SB_REPLY_ARRAY: {
      c10::impl::GenericList list(c10::AnyType::get());
      for (size_t i = 0; i < reply.len; i++) list.push_back(ToIValue(reply.elements[i]));
      return c10::IValue(list);
    }
    case SB_REPLY_ERROR:
    default:
      return c10::IValue();
  }
}

c10::IValue RedisExecute(const std::string& command, const std::vector<std::string>& args) {
  const SBHostApi& host = Host();
  std::vector<const char*> argv{command.c_str()};
  std::vector<size_t> lengths{command.size()};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
    lengths.push_back(a.size());
  }
  const SBReply* reply = nullptr;
  SBError err{};
  if (host.execute(host.context, argv.data(), lengths.data(), argv.size(), &reply, &err) != 0) {
    throw std::runtime_error(std::string("Redis command returned an error: ") + err.message);
  }
  if (reply->type == SB_REPLY_ERROR) {
    std::string message(reply->str, reply->len);
    host.release_reply(host.context, reply);
    throw std::runtime_error("Redis command returned an error: " + message);
  }
  c10::IValue value = ToIValue(*reply);
  host.release_reply(host.context, reply);
  return value;
}

c10::List<c10::IValue> AsList(const c10::IValue& value) { return value.toList(); }

// A model's output handed back by the host, viewed as a torch tensor that owns it.
at::Tensor Import(DLManagedTensor* managed) {
  const DLTensor& t = managed->dl_tensor;
  c10::ScalarType type = c10::kFloat;
  switch (t.dtype.code) {
    case kDLFloat: type = t.dtype.bits == 64 ? c10::kDouble : c10::kFloat; break;
    case kDLInt: type = t.dtype.bits == 8 ? c10::kChar : t.dtype.bits == 16 ? c10::kShort : t.dtype.bits == 32 ? c10::kInt : c10::kLong; break;
    case kDLUInt: type = c10::kByte; break;
    case SB_DL_BOOL: type = c10::kBool; break;
    default: managed->deleter(managed); throw std::runtime_error("model output of a dtype scripts cannot use");
  }
  std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
  return torch::from_blob(static_cast<char*>(t.data) + t.byte_offset, shape,
                          [managed](void*) { managed->deleter(managed); }, torch::TensorOptions().dtype(type));
}

// The core lends DLPack views of the script's tensors: they must stay alive through the call.
struct Lent {
  DLManagedTensor managed;
  at::Tensor tensor;
  std::vector<int64_t> shape;
};

std::vector<at::Tensor> ModelExecute(const std::string& key, const std::vector<at::Tensor>& inputs, int64_t num_outputs) {
  const SBHostApi& host = Host();
  std::vector<Lent> lent(inputs.size());
  std::vector<DLManagedTensor*> in;
  for (size_t i = 0; i < inputs.size(); i++) {
    Lent& l = lent[i];
    l.tensor = inputs[i].to(c10::kCPU).contiguous();
    l.shape = l.tensor.sizes().vec();
    std::memset(&l.managed, 0, sizeof(l.managed));
    DLTensor& t = l.managed.dl_tensor;
    t.data = l.tensor.data_ptr();
    t.device = {kDLCPU, 0};
    t.ndim = static_cast<int>(l.shape.size());
    t.shape = l.shape.data();
    switch (l.tensor.scalar_type()) {
      case c10::kFloat: t.dtype = {kDLFloat, 32, 1}; break;
      case c10::kDouble: t.dtype = {kDLFloat, 64, 1}; break;
      case c10::kChar: t.dtype = {kDLInt, 8, 1}; break;
      case c10::kShort: t.dtype = {kDLInt, 16, 1}; break;
      case c10::kInt: t.dtype = {kDLInt, 32, 1}; break;
      case c10::kLong: t.dtype = {kDLInt, 64, 1}; break;
      case c10::kByte: t.dtype = {kDLUInt, 8, 1}; break;
      case c10::kBool: t.dtype = {SB_DL_BOOL, 8, 1}; break;
      default: throw std::runtime_error("model input of a dtype models cannot take");
    }
    in.push_back(&l.managed);
  }
  std::vector<DLManagedTensor*> out(num_outputs > 0 ? static_cast<size_t>(num_outputs) : 0);
  size_t produced = 0;
  SBError err{};
  if (host.model_execute(host.context, key.data(), key.size(), in.data(), in.size(), out.data(), out.size(), &produced, &err) != 0) {
    throw std::runtime_error(err.message);
  }
  std::vector<at::Tensor> result;
  for (size_t i = 0; i < produced; i++) {
    try {
      result.push_back(Import(out[i]));
    } catch (...) {
      for (size_t j = i + 1; j < produced; j++) out[j]->deleter(out[j]);  // Import freed out[i]
      throw;
    }
  }
  return result;
}

// Registered once, when the backend library is loaded.
static auto registry = torch::RegisterOperators()
                           .op("redis::execute", &RedisExecute)
                           .op("redis::asList", &AsList)
                           .op("redisAI::model_execute", &ModelExecute);

struct ExtensionResolver : public torch::jit::Resolver {
  std::shared_ptr<torch::jit::SugaredValue> resolveValue(const std::string& name, torch::jit::GraphFunction& m,
                                                         const torch::jit::SourceRange& loc) override {
    if (name == "redis" || name == "redisAI") return std::make_shared<torch::jit::BuiltinModule>(name);
    // warnings.warn(message) is aten::warn, as in Python's TorchScript; it reaches the server's log.
    if (name == "warnings") return std::make_shared<torch::jit::BuiltinModule>("aten");
    return native->resolveValue(name, m, loc);
  }
  c10::TypePtr resolveType(const std::string& name, const torch::jit::SourceRange& loc) override {
    return native->resolveType(name, loc);
  }
  std::shared_ptr<torch::jit::Resolver> native = torch::jit::nativeResolver();
};

}  // namespace

HostScope::HostScope(const SBHostApi* host) : previous_(current_host) { current_host = host; }
HostScope::~HostScope() { current_host = previous_; }

std::shared_ptr<torch::jit::Resolver> ScriptResolver() { return std::make_shared<ExtensionResolver>(); }

}  // namespace stormbreaker_torch
