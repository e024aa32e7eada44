#include "run_deadline.h"

#include <chrono>
#include <limits>
#include <stdexcept>

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

namespace stormbreaker_torch {
namespace {

constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

// Steady-clock nanoseconds after which this thread's run stops; whether the check fired.
thread_local int64_t deadline_ns = kNoDeadline;
thread_local int64_t limit_ms_now = 0;
thread_local bool expired = false;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void CheckDeadline() {
  if (deadline_ns != kNoDeadline && NowNs() > deadline_ns) {
    expired = true;
    throw std::runtime_error("run stopped at its MODEL_EXECUTION_TIMEOUT");
  }
}

// Registered with the library; no alias annotation means CONSERVATIVE, so the optimizer treats it
// as having side effects and never removes or hoists it out of its loop.
static auto registry = torch::RegisterOperators().op("stormbreaker::check_deadline", &CheckDeadline);

void InsertInBlock(torch::jit::Block* block, torch::jit::Graph* graph) {
  static const c10::Symbol kCheck = c10::Symbol::fromQualString("stormbreaker::check_deadline");
  for (torch::jit::Node* node : block->nodes()) {
    for (torch::jit::Block* inner : node->blocks()) InsertInBlock(inner, graph);
    if (node->kind() == c10::prim::Loop) node->blocks()[0]->prependNode(graph->create(kCheck, 0));
  }
}

}  // namespace

void InsertDeadlineChecks(torch::jit::CompilationUnit& unit) {
  for (torch::jit::Function* function : unit.get_functions()) {
    torch::jit::GraphFunction* graphFunction = torch::jit::tryToGraphFunction(*function);
    if (graphFunction == nullptr) continue;
    std::shared_ptr<torch::jit::Graph> graph = graphFunction->graph();
    InsertInBlock(graph->block(), graph.get());
  }
}

DeadlineScope::DeadlineScope(int64_t limit_ms)
    : limit_ms_(limit_ms), previous_deadline_ns_(deadline_ns), previous_limit_ms_(limit_ms_now) {
  if (limit_ms <= 0) return;
  int64_t mine = NowNs() + limit_ms * 1000000;
  if (mine < deadline_ns) {
    deadline_ns = mine;
    limit_ms_now = limit_ms;
  }
  expired = false;
}

DeadlineScope::~DeadlineScope() {
  deadline_ns = previous_deadline_ns_;
  limit_ms_now = previous_limit_ms_;
}

bool DeadlineScope::Expired() const { return expired; }

std::string DeadlineScope::Message(const std::string& what) const {
  return what + " stopped: it ran longer than MODEL_EXECUTION_TIMEOUT (" + std::to_string(limit_ms_now) + " ms)";
}

}  // namespace stormbreaker_torch
