// Bounds on TorchScript source that libtorch's parser and compiler would otherwise recurse
// through until the thread's stack runs out (a SIGSEGV that takes the whole server down):
// deeply nested brackets or unary operators, very long operator chains in one statement, deep
// indentation and long elif chains. Checked before any source reaches libtorch, for scripts and
// for the code inside a TorchScript model archive. Device threads have a stack (64 MB, see
// device_queue.cc) far deeper than the worst input within these bounds needs.
#pragma once
#include <string>
#include <string_view>

namespace stormbreaker_torch {

constexpr int kMaxNesting = 200;           // brackets plus unary operators (Python's parser: 200 brackets)
constexpr int kMaxOperatorsPerStatement = 1000;
constexpr int kMaxIndentLevels = 100;      // Python's own limit
constexpr int kMaxElifs = 1000;

// Empty when `source` is within the bounds; otherwise a one-line reason naming `what` (e.g.
// "script" or "model code code/__torch__/m.py") and the line.
std::string CheckSourceLimits(std::string_view source, const std::string& what);

// Empty when every class-level assignment in model code has the shape libtorch's importer
// assumes (`__parameters__ = […]`, `__buffers__ = […]`, the hook lists, or an annotated
// `name : Final[T] = value`); otherwise why not. A damaged archive with `name = value` in a
// class body made torch::jit::load dereference the missing annotation (SIGSEGV in
// parseClassConstant, found by the blob fuzzer).
std::string CheckClassAttributes(std::string_view source, const std::string& what);

}  // namespace stormbreaker_torch
