// TorchScript can reach the file system through two operators: torch.save (aten::save) writes
// any path, torch.from_file (aten::from_file) maps any file into a tensor. Scripts and models
// whose compiled code calls either are refused, unless the server allows it
// (--enable-torchscript-file-ops yes, which sets STORMBREAKER_TORCHSCRIPT_FILE_OPS=1 for the
// process: the TORCH backend is one per process).
#pragma once
#include <string>

#include <torch/csrc/jit/api/compilation_unit.h>

namespace stormbreaker_torch {

// Throws std::runtime_error naming the function and the operator when a function of `unit`
// calls a file operation (and the switch is off). `what` names the script or model.
void CheckNoFileOperations(torch::jit::CompilationUnit& unit, const std::string& what);

}  // namespace stormbreaker_torch
