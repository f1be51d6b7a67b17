#include <cmath>
#include <cstring>

#include "kernels/indexed_copy/indexed_copy.h"
#include "kernels/runtime_index.h"

namespace vigil::kernels {

namespace {

void combine(ScatterReduction reduction, float& out, float u) {
  switch (reduction) {
    case ScatterReduction::None:
      out = u;
      break;
    case ScatterReduction::Add:
      out += u;
      break;
    case ScatterReduction::Mul:
      out *= u;
      break;
    case ScatterReduction::Max:
      out = std::isnan(out) || std::isnan(u) ? NAN : (u > out ? u : out);
      break;
    case ScatterReduction::Min:
      out = std::isnan(out) || std::isnan(u) ? NAN : (u < out ? u : out);
      break;
  }
}

}  // namespace

void gather_offsets_reference(const int64_t* source, int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[source[i]];
}

void gather_elements_runtime_reference(const int64_t* base, int64_t n, const void* indices, bool indices_i32,
                                       int64_t axis_size, int64_t axis_stride, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = runtime_index(indices, indices_i32, i, axis_size);
    y[i] = k >= 0 ? x[base[i] + k * axis_stride] : 0.0f;
  }
}

void gather_slices_reference(const int64_t* source, int64_t slices, int64_t slice_len, size_t elem_bytes, const void* x,
                             void* y) {
  const auto* from = static_cast<const unsigned char*>(x);
  auto* to = static_cast<unsigned char*>(y);
  const size_t slice_bytes = static_cast<size_t>(slice_len) * elem_bytes;
  for (int64_t s = 0; s < slices; ++s)
    std::memcpy(to + static_cast<size_t>(s) * slice_bytes, from + static_cast<size_t>(source[s]) * elem_bytes,
                slice_bytes);
}

void scatter_slices_reference(ScatterReduction reduction, const float* data, int64_t numel, const int64_t* target,
                              int64_t slices, int64_t slice_len, const float* updates, float* y) {
  if (y != data)
    for (int64_t i = 0; i < numel; ++i) y[i] = data[i];
  for (int64_t s = 0; s < slices; ++s)
    for (int64_t k = 0; k < slice_len; ++k) combine(reduction, y[target[s] + k], updates[s * slice_len + k]);
}

void scatter_elements_runtime_reference(ScatterReduction reduction, const float* data, int64_t numel,
                                        const int64_t* base, int64_t n, const void* indices, bool indices_i32,
                                        int64_t axis_size, int64_t axis_stride, const float* updates, float* y) {
  if (y != data)
    for (int64_t i = 0; i < numel; ++i) y[i] = data[i];
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = runtime_index(indices, indices_i32, i, axis_size);
    if (k >= 0) combine(reduction, y[base[i] + k * axis_stride], updates[i]);
  }
}

void scatter_elements_copy_reference(const void* data, int64_t numel, size_t elem_bytes, const int64_t* base, int64_t n,
                                     const void* indices, bool indices_i32, int64_t axis_size, int64_t axis_stride,
                                     const void* updates, void* y) {
  auto* to = static_cast<unsigned char*>(y);
  const auto* from = static_cast<const unsigned char*>(updates);
  if (y != data) std::memcpy(to, data, static_cast<size_t>(numel) * elem_bytes);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = runtime_index(indices, indices_i32, i, axis_size);
    if (k >= 0)
      std::memcpy(to + static_cast<size_t>(base[i] + k * axis_stride) * elem_bytes,
                  from + static_cast<size_t>(i) * elem_bytes, elem_bytes);
  }
}

}  // namespace vigil::kernels
