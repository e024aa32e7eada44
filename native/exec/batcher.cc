#include "batcher.h"

#include <cstring>

#include "backend_call.h"

namespace stormbreaker {
namespace {

void CallModel(ModelRequest& run, const std::vector<Tensor*>& inputs, RunOutcome* outcome) {
  const SBBackendApi* api = run.model->api();
  SBModel* handle = run.model->handle();
  CallBackend(inputs, true, [&](DLManagedTensor* const* in, size_t n_in, DLManagedTensor** out, size_t max_out,
                                size_t* n_out, SBError* err) { return api->model_run(handle, in, n_in, out, max_out, n_out, err); },
              outcome);
}

// Input `index` of every run, one after another along dim 0, in one buffer.
Tensor* Concatenate(const std::vector<ModelRequest*>& runs, size_t index, int64_t totalRows) {
  const Tensor* first = runs[0]->inputs[index];
  size_t bytes = 0;
  for (ModelRequest* run : runs) bytes += run->inputs[index]->byteLength();
  Storage* storage = Storage::Allocate(bytes);
  size_t at = 0;
  for (ModelRequest* run : runs) {
    const Tensor* t = run->inputs[index];
    std::memcpy(storage->data() + at, t->data(), t->byteLength());
    at += t->byteLength();
  }
  std::vector<int64_t> shape = first->shape();
  shape[0] = totalRows;
  Tensor* batched = Tensor::Create(first->dtype(), std::move(shape), storage, 0, bytes);
  storage->Release();
  return batched;
}

// Rows [row, row + rows) of `whole`, sharing its memory.
Tensor* Rows(const Tensor* whole, int64_t row, int64_t rows) {
  std::vector<int64_t> shape = whole->shape();
  int64_t perRow = shape[0] == 0 ? 0 : whole->elementCount() / shape[0];
  size_t begin, end;
  if (whole->dtype() == DType::String) {
    const auto& offsets = whole->stringOffsets();
    size_t firstElement = static_cast<size_t>(row * perRow), lastElement = static_cast<size_t>((row + rows) * perRow);
    begin = firstElement < offsets.size() ? offsets[firstElement] : whole->byteLength();
    end = lastElement < offsets.size() ? offsets[lastElement] : whole->byteLength();
  } else {
    size_t rowBytes = static_cast<size_t>(perRow) * ElementSize(whole->dtype());
    begin = static_cast<size_t>(row) * rowBytes;
    end = begin + static_cast<size_t>(rows) * rowBytes;
  }
  shape[0] = rows;
  return Tensor::Create(whole->dtype(), std::move(shape), whole->storage(), whole->byteOffset() + begin, end - begin);
}

}  // namespace

int64_t BatchRows(const ModelRequest& run) {
  int64_t rows = -1;
  for (const Tensor* t : run.inputs) {
    if (t->shape().empty()) return 0;
    if (rows >= 0 && t->shape()[0] != rows) return 0;
    rows = t->shape()[0];
  }
  return rows < 0 ? 0 : rows;
}

bool CanBatchTogether(const ModelRequest& first, const ModelRequest& other) {
  if (first.model != other.model || first.inputs.size() != other.inputs.size()) return false;
  for (size_t i = 0; i < first.inputs.size(); i++) {
    const Tensor* a = first.inputs[i];
    const Tensor* b = other.inputs[i];
    if (a->dtype() != b->dtype() || a->shape().size() != b->shape().size() || a->shape().empty()) return false;
    for (size_t d = 1; d < a->shape().size(); d++) {
      if (a->shape()[d] != b->shape()[d]) return false;
    }
  }
  return true;
}

void RunModelBatch(const std::vector<ModelRequest*>& runs) {
  if (runs.size() == 1) {
    // Alone: the backend reads the request's own tensors.
    CallModel(*runs[0], runs[0]->inputs, &runs[0]->outcome);
    return;
  }
  std::vector<int64_t> rows;
  int64_t total = 0;
  for (ModelRequest* run : runs) {
    rows.push_back(BatchRows(*run));
    total += rows.back();
  }
  std::vector<Tensor*> inputs;
  RunOutcome batch;
  try {
    for (size_t i = 0; i < runs[0]->inputs.size(); i++) inputs.push_back(Concatenate(runs, i, total));
  } catch (const std::bad_alloc&) {
    // The merged inputs did not fit in memory: the batch fails, the process does not.
    batch.Fail(1, "ERR not enough memory to form the batch");
  }
  if (!batch.failed()) CallModel(*runs[0], inputs, &batch);
  for (Tensor* t : inputs) t->Release();

  // TF models may also return scalars (a loss, a step count): every request gets them whole.
  bool tf = std::strcmp(runs[0]->model->api()->name, "TF") == 0;
  auto shared = [&](const Tensor* out) { return tf && out->shape().empty(); };
  if (!batch.failed()) {
    for (const Tensor* out : batch.outputs) {
      if (!shared(out) && (out->shape().empty() || out->shape()[0] != total)) {
        batch.Fail(1, tf ? "ERR Tensorflow batching error: model did not generate the expected batch size"
                           : "ERR Model did not generate the expected batch size");
        break;
      }
    }
  }
  for (size_t r = 0, row = 0; r < runs.size(); row += rows[r], r++) {
    RunOutcome& outcome = runs[r]->outcome;
    outcome.micros = batch.micros;
    if (batch.failed()) {
      outcome.errorCode = batch.errorCode;
      outcome.errorMessage = batch.errorMessage;
      continue;
    }
    for (Tensor* out : batch.outputs) {
      if (shared(out)) {
        out->Retain();
        outcome.outputs.push_back(out);
      } else {
        outcome.outputs.push_back(Rows(out, static_cast<int64_t>(row), rows[r]));
      }
    }
  }
  batch.ReleaseOutputs();
}

}  // namespace stormbreaker
