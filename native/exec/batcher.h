// Autobatching (spec §10.2): which queued model runs may share one backend call, and running
// a group of them as one: inputs concatenated along dim 0 into one pooled buffer, outputs
// handed back to each request as views of its rows (no copy).
#pragma once
#include <cstdint>
#include <vector>

#include "model_request.h"

namespace stormbreaker {

// The dim 0 all of a run's inputs share; 0 when they disagree or one is a scalar (never batched).
int64_t BatchRows(const ModelRequest& run);

// Same model object (a re-stored key is a new object), same number of inputs, and inputs that
// agree in dtype and in every dimension but dim 0.
bool CanBatchTogether(const ModelRequest& first, const ModelRequest& other);

// Runs `runs` (one or more compatible requests) with one backend call and fills every outcome.
// Each request gets the whole call's duration; an error fails them all.
void RunModelBatch(const std::vector<ModelRequest*>& runs);

}  // namespace stormbreaker
