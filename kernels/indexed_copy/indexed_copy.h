// Copies driven by element offsets worked out at load from constant indices: ONNX GatherElements (every output
// element read from one input offset) and ScatterND (the input copied, then slices of it replaced by, or
// combined with, the rows of `updates`). Exact: values are moved, or combined by one float operation each.
#pragma once

#include <cstdint>

namespace vigil::kernels {

// y[i] = x[source[i]] for i < n.
void gather_offsets_reference(const int64_t* source, int64_t n, const float* x, float* y);

enum class ScatterReduction : uint8_t { None, Add, Mul, Max, Min };

// y = data (numel values), then for each slice s < slices, for k < slice_len:
// y[target[s] + k] = updates[s * slice_len + k]      (None; a later slice at the same target wins)
// y[target[s] + k] = y[...] op updates[...]          (Add, Mul, Max, Min; in slice order; Max/Min propagate NaN)
void scatter_slices_reference(ScatterReduction reduction, const float* data, int64_t numel, const int64_t* target,
                              int64_t slices, int64_t slice_len, const float* updates, float* y);

}  // namespace vigil::kernels
