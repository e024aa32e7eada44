#include "file_operations.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>

namespace stormbreaker_torch {
namespace {

const char* FileOperation(const torch::jit::Block* block) {
  static const c10::Symbol kSave = c10::Symbol::fromQualString("aten::save");
  static const c10::Symbol kFromFile = c10::Symbol::fromQualString("aten::from_file");
  for (const torch::jit::Node* node : block->nodes()) {
    if (node->kind() == kSave) return "torch.save (aten::save)";
    if (node->kind() == kFromFile) return "torch.from_file (aten::from_file)";
    for (const torch::jit::Block* inner : node->blocks()) {  // if/loop bodies
      if (const char* found = FileOperation(inner)) return found;
    }
  }
  return nullptr;
}

}  // namespace

void CheckNoFileOperations(torch::jit::CompilationUnit& unit, const std::string& what) {
  const char* allowed = std::getenv("STORMBREAKER_TORCHSCRIPT_FILE_OPS");
  if (allowed != nullptr && std::strcmp(allowed, "1") == 0) return;
  for (torch::jit::Function* function : unit.get_functions()) {
    torch::jit::GraphFunction* graphFunction = torch::jit::tryToGraphFunction(*function);
    if (graphFunction == nullptr) continue;
    if (const char* found = FileOperation(graphFunction->graph()->block())) {
      throw std::runtime_error(what + " refused: " + function->name() + " calls " + found +
                               ", which reaches the file system (start the server with --enable-torchscript-file-ops yes to allow it)");
    }
  }
}

}  // namespace stormbreaker_torch
