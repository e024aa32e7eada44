// The TORCH backend's kill switch (MODEL_EXECUTION_TIMEOUT for TorchScript): libtorch cannot stop a
// running interpreter from outside, so every loop body of a compiled model or script gets a check
// of the calling thread's deadline as its first node. TorchScript has no recursion, so a run that
// never ends spends its time in loops, and the check ends it there with a normal error. One long
// operator (a huge matmul) is not interrupted: it ends on its own.
#pragma once
#include <cstdint>
#include <string>

#include <torch/csrc/jit/api/compilation_unit.h>

namespace stormbreaker_torch {

// Puts a deadline check at the top of every loop body of every function in `unit`. Call before
// the first run (the executor copies the graph then).
void InsertDeadlineChecks(torch::jit::CompilationUnit& unit);

// Gives this thread's run `limit_ms` (0: no limit) until the scope ends; nested scopes (a script
// calling a model) keep the earlier deadline.
class DeadlineScope {
 public:
  explicit DeadlineScope(int64_t limit_ms);
  ~DeadlineScope();
  // True when the run was stopped by this scope's deadline: the error to report is Message().
  bool Expired() const;
  std::string Message(const std::string& what) const;

 private:
  int64_t limit_ms_;
  int64_t previous_deadline_ns_;
  int64_t previous_limit_ms_;
};

}  // namespace stormbreaker_torch
