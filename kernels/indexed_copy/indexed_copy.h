// Copies driven by element offsets worked out at load from constant indices: ONNX GatherElements (every output
// element read from one input offset), GatherND (every output slice read from one input offset), ScatterND and
// ScatterElements (the input copied, then slices of it, or single elements, replaced by or combined with the
// values of `updates`). Exact: values are moved, or combined by one float operation each.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::kernels {

// y[i] = x[source[i]] for i < n.
void gather_offsets_reference(const int64_t* source, int64_t n, const float* x, float* y);

// GatherElements with run-time indices: y[i] = x[base[i] + k * axis_stride] with k = indices[i] (i32 or i64; in
// [-axis_size, -1] counting from the end), for i < n; base[i] is output i's offset in x without the axis term
// (worked out at load). An index outside [-axis_size, axis_size) gives 0: never a read outside x.
void gather_elements_runtime_reference(const int64_t* base, int64_t n, const void* indices, bool indices_i32,
                                       int64_t axis_size, int64_t axis_stride, const float* x, float* y);

// y[s * slice_len + k] = x[source[s] + k] for s < slices, k < slice_len; offsets count elements of `elem_bytes`
// bytes (any dtype: values are copied bit for bit).
void gather_slices_reference(const int64_t* source, int64_t slices, int64_t slice_len, size_t elem_bytes, const void* x,
                             void* y);

enum class ScatterReduction : uint8_t { None, Add, Mul, Max, Min };

// y = data (numel values), then for each slice s < slices, for k < slice_len (ScatterElements: slice_len 1):
// y[target[s] + k] = updates[s * slice_len + k]      (None; a later slice at the same target wins)
// y[target[s] + k] = y[...] op updates[...]          (Add, Mul, Max, Min; in slice order; Max/Min propagate NaN)
void scatter_slices_reference(ScatterReduction reduction, const float* data, int64_t numel, const int64_t* target,
                              int64_t slices, int64_t slice_len, const float* updates, float* y);

// ScatterElements with run-time indices: y = data (numel values), then for i < n in order, with k = indices[i]
// (i32 or i64; negative counting from the end): y[base[i] + k * axis_stride] = updates[i] (None) or combined with
// it as scatter_slices_reference does. An index outside [-axis_size, axis_size) skips its update.
void scatter_elements_runtime_reference(ScatterReduction reduction, const float* data, int64_t numel,
                                        const int64_t* base, int64_t n, const void* indices, bool indices_i32,
                                        int64_t axis_size, int64_t axis_stride, const float* updates, float* y);

// ScatterElements without a reduction on elements of any size (elem_bytes; values copied bit for bit): y = data,
// then each update copied to its element as in scatter_elements_runtime_reference (out-of-range indices skipped).
void scatter_elements_copy_reference(const void* data, int64_t numel, size_t elem_bytes, const int64_t* base, int64_t n,
                                     const void* indices, bool indices_i32, int64_t axis_size, int64_t axis_stride,
                                     const void* updates, void* y);

}  // namespace vigil::kernels
