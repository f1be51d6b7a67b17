#include <cmath>

#include "kernels/binary/binary.h"

namespace vigil::kernels {

void broadcast_strides(std::span<const int64_t> in_dims, int out_rank, int64_t* strides) {
  const int in_rank = static_cast<int>(in_dims.size());
  const int lead = out_rank - in_rank;  // output dims the input does not have
  int64_t stride = 1;
  for (int d = out_rank - 1; d >= 0; --d) {
    if (d < lead) {
      strides[d] = 0;
      continue;
    }
    const int64_t dim = in_dims[static_cast<size_t>(d - lead)];
    strides[d] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
}

float binary_pow(float a, float b) {
  return static_cast<float>(std::pow(static_cast<double>(a), static_cast<double>(b)));
}

float binary_apply_reference(BinaryOp op, const ActivationParams& act, float a, float b) {
  float r = 0.0f;
  switch (op) {
    case BinaryOp::Add:
      r = a + b;
      break;
    case BinaryOp::Sub:
      r = a - b;
      break;
    case BinaryOp::Mul:
      r = a * b;
      break;
    case BinaryOp::Div:
      r = a / b;
      break;
    case BinaryOp::PRelu:
      r = a < 0.0f ? a * b : a;
      break;
    case BinaryOp::Pow:
      r = binary_pow(a, b);
      break;
    // a + b is NaN when either is: the NaN propagates (std::max would drop a NaN in its second argument).
    case BinaryOp::Max:
      r = std::isnan(a) || std::isnan(b) ? a + b : a > b ? a : b;
      break;
    case BinaryOp::Min:
      r = std::isnan(a) || std::isnan(b) ? a + b : a < b ? a : b;
      break;
  }
  return act.kind == Activation::None ? r : activate_reference(act, r);
}

void binary_reference(const BinaryParams& p, const float* a, const float* b, float* y) {
  if (p.rank == 0) {
    y[0] = binary_apply_reference(p.op, p.act, a[0], b[0]);
    return;
  }
  // Odometer over all output dims but the last; the last is the inner loop.
  const int inner = p.rank - 1;
  const int64_t n_inner = p.out_dims[inner];
  const int64_t sa = p.a_strides[inner], sb = p.b_strides[inner];
  int64_t index[kBinaryMaxRank] = {};
  int64_t offset_a = 0, offset_b = 0;
  while (true) {
    for (int64_t i = 0; i < n_inner; ++i)
      y[i] = binary_apply_reference(p.op, p.act, a[offset_a + i * sa], b[offset_b + i * sb]);
    y += n_inner;
    // Advance the odometer over dims [0, inner).
    int d = inner - 1;
    for (; d >= 0; --d) {
      offset_a += p.a_strides[d];
      offset_b += p.b_strides[d];
      if (++index[d] < p.out_dims[d]) break;
      offset_a -= p.a_strides[d] * p.out_dims[d];
      offset_b -= p.b_strides[d] * p.out_dims[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace vigil::kernels
