// What the packed-weight conv kernel tests (test_conv2d_gemm.cpp, test_conv2d_direct.cpp) share: a random
// conv case with its data, a description for failures, and the check of an output against conv2d_reference.
//
// Tolerance for one output (docs/KERNELS.md), as for gemm_packed: with S = the same conv over |x|, |w|,
// |bias| (conv2d_reference again) and K = Cg*kh*kw, the pre-activation sum may be off by
// E = 4 * 2^-23 * sqrt(K + 2) * S + 2^-24 * S; the output by L * E (L = the activation's Lipschitz bound)
// plus 2^-20 * (|expected| + |residual|).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "epilogue_test_support.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/kernel_isa.h"

namespace vigil::test {

using kernels::Conv2dParams;
using kernels::KernelIsa;

struct ConvCase {
  Conv2dParams p;
  bool bias = false, residual = false;
  std::vector<float> x, w, b, r;
};

inline int64_t numel_y(const Conv2dParams& p) { return p.batch * p.out_channels * p.out_h * p.out_w; }
inline int64_t reduction(const Conv2dParams& p) { return p.in_channels / p.group * p.kernel_h * p.kernel_w; }

inline int64_t pick(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

inline void fill(std::vector<float>& v, size_t n, std::mt19937_64& rng, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  v.resize(n);
  for (float& e : v) e = u(rng);
}

inline void make_data(ConvCase& c, std::mt19937_64& rng) {
  const Conv2dParams& p = c.p;
  const int64_t k = reduction(p);
  fill(c.x, static_cast<size_t>(p.batch * p.in_channels * p.in_h * p.in_w), rng, 1.0f);
  fill(c.w, static_cast<size_t>(p.out_channels * k), rng, 4.0f / std::sqrt(static_cast<float>(k)));
  fill(c.b, static_cast<size_t>(p.out_channels), rng, 1.0f);
  fill(c.r, static_cast<size_t>(numel_y(p)), rng, 1.0f);
}

inline std::string describe(KernelIsa isa, const ConvCase& c) {
  const Conv2dParams& p = c.p;
  return std::string(kernels::kernel_isa_name(isa)) + " N" + std::to_string(p.batch) + " C" +
         std::to_string(p.in_channels) + " " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + " M" +
         std::to_string(p.out_channels) + " k" + std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) + " s" +
         std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " d" + std::to_string(p.dilation_h) + "," +
         std::to_string(p.dilation_w) + " pad" + std::to_string(p.pad_top) + "," + std::to_string(p.pad_left) + " out" +
         std::to_string(p.out_h) + "x" + std::to_string(p.out_w) + " g" + std::to_string(p.group) + " " +
         std::string(kernels::activation_name(p.activation.kind)) + (c.bias ? " bias" : "") +
         (c.residual ? " residual" : "");
}

// y (a kernel's output for c, residual added) against conv2d_reference within the tolerance above; reports
// at most 5 failing outputs under `label`.
inline void check_against_reference(const ConvCase& c, const std::vector<float>& y, const std::string& label) {
  const Conv2dParams& p = c.p;
  std::vector<float> expect(y.size()), mag(y.size());
  kernels::conv2d_reference(p, c.x.data(), c.w.data(), c.bias ? c.b.data() : nullptr, expect.data());
  Conv2dParams abs_p = p;
  abs_p.activation = kernels::ActivationParams{};
  std::vector<float> ax(c.x), aw(c.w), ab(c.b);
  for (auto* v : {&ax, &aw, &ab})
    for (float& e : *v) e = std::fabs(e);
  kernels::conv2d_reference(abs_p, ax.data(), aw.data(), c.bias ? ab.data() : nullptr, mag.data());

  const double eps = std::ldexp(1.0, -23);
  const double K = static_cast<double>(reduction(p));
  const double L = lipschitz(p.activation.kind);
  int failures = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double res = c.residual ? c.r[i] : 0.0;
    const double want = static_cast<double>(expect[i]) + res;
    const double tol = L * (4.0 * eps * std::sqrt(K + 2.0) * mag[i] + 0.5 * eps * mag[i]) +
                       std::ldexp(1.0, -20) * (std::fabs(expect[i]) + std::fabs(res)) + 1e-30;
    if (!(std::fabs(y[i] - want) <= tol) && failures++ < 5)
      FAIL_CHECK(label << ": y[" << i << "] = " << y[i] << ", reference " << want << " +- " << tol);
  }
}

}  // namespace vigil::test
