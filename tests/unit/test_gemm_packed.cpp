// gemm_packed (kernels/gemm_packed): every ISA path the CPU has, against an independent float64 loop on
// random shapes (odd M/N/K, every activation, bias/residual/accumulate on and off, row strides, threads),
// plus the epilogue activations alone (bit-exact kinds and ulp bounds), output bounds, thread-count
// independence and AVX2/AVX-512 agreement.
//
// Tolerance for one output (docs/KERNELS.md): with S = sum_q |a_iq b_qj| + |bias_i| + |c_old|, the
// pre-activation sum may differ from the exact one by E = 4 * 2^-23 * sqrt(K + 2) * S + 2^-24 * |pre|
// (float accumulation, rounding error growing like sqrt(K) for these random signs); the output may then
// differ by L * E (L = the activation's Lipschitz bound) plus 2^-20 * (|act| + |residual|) for the
// activation's own error and the final residual add.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "epilogue_test_support.h"
#include "kernels/activation/activation.h"
#include "kernels/gemm_packed/gemm_packed.h"

using namespace vigil::kernels;

namespace {

std::vector<KernelIsa> available_isas() { return vigil::test::kernel_test_isas(true); }

// 64-byte aligned float storage.
struct AlignedBuffer {
  std::vector<float> storage;
  float* data = nullptr;
  explicit AlignedBuffer(int64_t floats) : storage(static_cast<size_t>(floats) + 16) {
    auto addr = reinterpret_cast<uintptr_t>(storage.data());
    data = storage.data() + ((64 - addr % 64) % 64) / sizeof(float);
  }
};

// A "parallel for" that runs the tasks serially, last chunk first, in uneven chunks: any hidden dependence
// on task order or on which thread runs what shows up as a wrong result.
void reversed_parallel_for(void*, int64_t tasks, void (*task)(void*, int64_t, int64_t), void* arg) {
  int64_t end = tasks;
  while (end > 0) {
    const int64_t begin = end > 1 ? end - 2 + (end % 2) : 0;
    task(arg, begin, end);
    end = begin;
  }
}

using vigil::test::kAllActivations;
using vigil::test::lipschitz;
using vigil::test::make_activation;
using vigil::test::pool_parallel_for;

struct Problem {
  int64_t m, n, k, lda, ldb, ldc, ldr;
  bool bias, residual, accumulate;
  ActivationParams act;
};

struct Operands {
  std::vector<float> a, b, bias, residual, c_init;
};

Operands make_operands(const Problem& pr, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Operands o;
  o.a.resize(static_cast<size_t>(pr.m * pr.lda));
  o.b.resize(static_cast<size_t>(pr.k * pr.ldb));
  o.bias.resize(static_cast<size_t>(pr.m));
  o.residual.resize(static_cast<size_t>(pr.m * pr.ldr));
  o.c_init.resize(static_cast<size_t>(pr.m * pr.ldc));
  for (auto* v : {&o.a, &o.b, &o.bias, &o.residual, &o.c_init})
    for (float& x : *v) x = u(rng);
  // Scale so pre-activation sums spread over roughly [-4, 4]: every activation's interesting range.
  const float scale = 2.0f / std::sqrt(static_cast<float>(pr.k));
  for (float& x : o.a) x *= 2.0f * scale;
  return o;
}

// Runs one problem on one path and checks every output and the untouched padding of C.
// Returns the output (rows of ldc) for further comparisons.
// prepack_b: B goes in packed once by gemm_pack_b instead of dense.
std::vector<float> run_and_check(KernelIsa isa, const Problem& pr, const Operands& o, const GemmThreading& threading,
                                 const std::string& label, bool prepack_b = false) {
  AlignedBuffer packed(gemm_packed_a_floats(isa, pr.m, pr.k));
  AlignedBuffer packed_b(prepack_b ? gemm_packed_b_floats(isa, pr.k, pr.n) : 1);
  if (prepack_b) gemm_pack_b(isa, pr.k, pr.n, o.b.data(), pr.ldb, packed_b.data);
  gemm_pack_a(isa, pr.m, pr.k, o.a.data(), pr.lda, packed.data);
  const int64_t ws_bytes = gemm_packed_workspace_bytes(isa, pr.m, pr.n, pr.k, threading.threads);
  AlignedBuffer ws(ws_bytes / 4 + 4);
  float* workspace = ws.data + pr.k % 3;  // any alignment must do
  std::vector<float> c = o.c_init;        // the padding columns n..ldc keep their values: checked below

  GemmPackedParams p;
  p.m = pr.m, p.n = pr.n, p.k = pr.k;
  p.packed_a = packed.data;
  p.b.data = o.b.data();
  p.b.ld = pr.ldb;
  if (prepack_b) p.b = GemmBOperand{nullptr, 0, nullptr, packed_b.data};
  p.c = c.data();
  p.ldc = pr.ldc;
  p.accumulate = pr.accumulate;
  p.bias = pr.bias ? o.bias.data() : nullptr;
  p.activation = pr.act;
  p.residual = pr.residual ? o.residual.data() : nullptr;
  p.ld_residual = pr.ldr;
  gemm_packed(isa, p, workspace, threading);

  const double eps = std::ldexp(1.0, -23);
  const double L = lipschitz(pr.act.kind);
  int failures = 0;
  for (int64_t i = 0; i < pr.m; ++i) {
    for (int64_t j = 0; j < pr.ldc; ++j) {
      const size_t ci = static_cast<size_t>(i * pr.ldc + j);
      if (j >= pr.n) {  // outside the product: untouched
        if (c[ci] != o.c_init[ci] && failures++ < 5) FAIL_CHECK(label << ": wrote padding C[" << i << "][" << j << "]");
        continue;
      }
      double sum = 0.0, mag = 0.0;
      for (int64_t q = 0; q < pr.k; ++q) {
        const double t =
            static_cast<double>(o.a[static_cast<size_t>(i * pr.lda + q)]) * o.b[static_cast<size_t>(q * pr.ldb + j)];
        sum += t;
        mag += std::fabs(t);
      }
      if (pr.accumulate) sum += o.c_init[ci], mag += std::fabs(o.c_init[ci]);
      if (pr.bias) sum += o.bias[static_cast<size_t>(i)], mag += std::fabs(o.bias[static_cast<size_t>(i)]);
      const double pre_err = 4.0 * eps * std::sqrt(static_cast<double>(pr.k + 2)) * mag + 0.5 * eps * std::fabs(sum);
      const double act = activate_reference(pr.act, static_cast<float>(sum));
      const double res = pr.residual ? o.residual[static_cast<size_t>(i * pr.ldr + j)] : 0.0;
      const double expect = act + res;
      const double tol = L * pre_err + std::ldexp(1.0, -20) * (std::fabs(act) + std::fabs(res)) + 1e-30;
      if (!(std::fabs(c[ci] - expect) <= tol) && failures++ < 5)
        FAIL_CHECK(label << ": C[" << i << "][" << j << "] = " << c[ci] << ", expected " << expect << " +- " << tol);
    }
  }
  return c;
}

std::string describe(KernelIsa isa, const Problem& pr) {
  return std::string(kernel_isa_name(isa)) + " m=" + std::to_string(pr.m) + " n=" + std::to_string(pr.n) +
         " k=" + std::to_string(pr.k) + " act=" + std::string(activation_name(pr.act.kind)) + (pr.bias ? " bias" : "") +
         (pr.residual ? " residual" : "") + (pr.accumulate ? " accumulate" : "") + " ldc=" + std::to_string(pr.ldc);
}

// Dimensions 1..300, skewed small (odd sizes and edges matter more than bulk), sometimes a multiple of a
// tile size exactly.
int64_t random_dim(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return 1 + static_cast<int64_t>(rng() % 16);
    case 1:
      return 1 + static_cast<int64_t>(rng() % 64);
    case 2:
      return 16 * (1 + static_cast<int64_t>(rng() % 12));
    default:
      return 1 + static_cast<int64_t>(rng() % 300);
  }
}

Problem random_problem(std::mt19937_64& rng, int index) {
  Problem pr;
  pr.m = random_dim(rng);
  pr.n = random_dim(rng);
  pr.k = random_dim(rng);
  pr.lda = pr.k + (rng() % 3 == 0 ? static_cast<int64_t>(rng() % 5) : 0);
  pr.ldb = pr.n + (rng() % 3 == 0 ? static_cast<int64_t>(rng() % 5) : 0);
  pr.ldc = pr.n + (rng() % 3 == 0 ? static_cast<int64_t>(rng() % 9) : 0);
  pr.ldr = pr.n + (rng() % 3 == 0 ? static_cast<int64_t>(rng() % 7) : 0);
  pr.bias = rng() % 2;
  pr.residual = rng() % 3 == 0;
  pr.accumulate = rng() % 4 == 0;
  pr.act = make_activation(kAllActivations[index % std::size(kAllActivations)]);
  return pr;
}

}  // namespace

TEST_CASE("gemm_packed: 600 random shapes per ISA path against a float64 loop") {
  for (KernelIsa isa : available_isas()) {
    std::mt19937_64 rng(1234);
    GemmThreading serial;
    GemmThreading split;
    split.parallel_for = reversed_parallel_for;
    split.min_parallel_macs = 1;  // split even the smallest products
    for (int t = 0; t < 600; ++t) {
      Problem pr = random_problem(rng, t);
      const Operands o = make_operands(pr, rng);
      // Every third problem goes through the task split (2 or 3 tasks, run in reverse order).
      split.threads = 2 + t % 2;
      run_and_check(isa, pr, o, t % 3 == 0 ? split : serial, describe(isa, pr));
    }
  }
}

TEST_CASE("gemm_packed: shapes spanning several K, N and M cache blocks") {
  // K > KC (partial sums go through C), N > NC (several packed B blocks), M > MC, with every epilogue.
  const Problem shapes[] = {
      {300, 1700, 700, 700, 1700, 1705, 1700, true, true, false, make_activation(Activation::LeakyRelu)},
      {255, 64, 4608 / 8, 576, 64, 64, 64, true, false, true, make_activation(Activation::Mish)},
      {37, 2053, 515, 515, 2053, 2053, 2060, false, true, true, make_activation(Activation::HardSwish)},
      {512, 70, 1030, 1030, 70, 71, 70, true, true, false, make_activation(Activation::Sigmoid)},
  };
  for (KernelIsa isa : available_isas()) {
    std::mt19937_64 rng(99);
    for (const Problem& pr : shapes) {
      const Operands o = make_operands(pr, rng);
      run_and_check(isa, pr, o, GemmThreading{}, describe(isa, pr));
    }
  }
}

TEST_CASE("gemm_packed: results do not depend on the thread split") {
  // Each output's K sum is one microkernel sequence whatever the split, so the bits must match exactly.
  vigil::ThreadPool pool(2);
  std::mt19937_64 rng(7);
  for (KernelIsa isa : available_isas()) {
    for (const auto& [m, n, k] :
         {std::tuple<int64_t, int64_t, int64_t>{64, 4096, 288}, {512, 64, 600}, {33, 1000, 300}, {255, 256, 128}}) {
      Problem pr{m, n, k, k, n, n, n, true, true, false, make_activation(Activation::LeakyRelu)};
      const Operands o = make_operands(pr, rng);
      const auto one = run_and_check(isa, pr, o, GemmThreading{}, describe(isa, pr));
      for (int threads : {2, 3, 4}) {
        GemmThreading with_pool{pool_parallel_for, &pool, threads, 1};
        const auto many = run_and_check(isa, pr, o, with_pool, describe(isa, pr) + " threads");
        CHECK(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("gemm_packed: B packed once (gemm_pack_b) gives the bits of B packed per run") {
  // Same microkernel over the same K blocks: only where the panels come from differs. Shapes with several K
  // blocks, N blocks and partial panels, serial and split over 2-3 tasks (N splits start mid-block).
  vigil::ThreadPool pool(2);
  std::mt19937_64 rng(11);
  for (KernelIsa isa : available_isas()) {
    for (const auto& [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{49, 3072, 768},
                                  {169, 1000, 512},
                                  {300, 1700, 700},
                                  {7, 45, 9},
                                  {33, 77, 257}}) {
      Problem pr{m, n, k, k, n + 3, n, n, true, true, false, make_activation(Activation::Relu)};
      const Operands o = make_operands(pr, rng);
      for (int threads : {1, 2, 3}) {
        GemmThreading threading{threads > 1 ? pool_parallel_for : nullptr, &pool, threads, 1};
        const auto dense = run_and_check(isa, pr, o, threading, describe(isa, pr));
        const auto once = run_and_check(isa, pr, o, threading, describe(isa, pr) + " packed B", true);
        CHECK(std::memcmp(dense.data(), once.data(), dense.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("gemm_packed: avx2 and avx512 agree bit for bit on exact epilogues") {
  // Both paths sum each output with FMAs in the same K order and the same K blocks, and the exact
  // activations are the same IEEE operations, so only the tile shapes differ.
  const auto& cpu = vigil::cpu_features();
  if (!cpu.has_avx2_fma() || !cpu.has_avx512_core()) {
    MESSAGE("skipped: needs both AVX2 and AVX-512");
    return;
  }
  std::mt19937_64 rng(5);
  for (int t = 0; t < 60; ++t) {
    Problem pr = random_problem(rng, t);
    const Activation exact[] = {Activation::None,        Activation::Relu, Activation::LeakyRelu, Activation::HardSwish,
                                Activation::HardSigmoid, Activation::Clip, Activation::HardMish};
    pr.act = make_activation(exact[t % std::size(exact)]);
    const Operands o = make_operands(pr, rng);
    const auto y2 = run_and_check(KernelIsa::Avx2, pr, o, GemmThreading{}, describe(KernelIsa::Avx2, pr));
    const auto y5 = run_and_check(KernelIsa::Avx512, pr, o, GemmThreading{}, describe(KernelIsa::Avx512, pr));
    CHECK_MESSAGE(std::memcmp(y2.data(), y5.data(), y2.size() * sizeof(float)) == 0, describe(KernelIsa::Avx2, pr));
  }
}

TEST_CASE("gemm_packed: packed A layout") {
  // 3 x 2 matrix, packed for every path: panel 0 holds column q's MR values at q*MR, padding rows are 0.
  const float a[] = {1, 2, 3, 4, 5, 6};
  for (KernelIsa isa : available_isas()) {
    const int mr = gemm_blocking(isa).mr;
    const int64_t floats = gemm_packed_a_floats(isa, 3, 2);
    CHECK(floats == ((3 + mr - 1) / mr) * mr * 2);
    std::vector<float> packed(static_cast<size_t>(floats), -1.0f);
    gemm_pack_a(isa, 3, 2, a, 2, packed.data());
    CHECK(packed[0] == 1);
    CHECK(packed[1] == 3);
    CHECK(packed[2] == 5);
    CHECK(packed[static_cast<size_t>(mr)] == 2);
    CHECK(packed[static_cast<size_t>(mr + 2)] == 6);
    for (int r = 3; r < mr; ++r) CHECK(packed[static_cast<size_t>(r)] == 0.0f);
  }
}

namespace {

// Inputs for the activation checks: special values, a walk over all float bit patterns, and dense samples
// of [-30, 30] where the transcendental kinds do their work.
std::vector<float> activation_inputs() {
  std::vector<float> x = {0.0f,
                          -0.0f,
                          1.0f,
                          -1.0f,
                          3.0f,
                          -3.0f,
                          6.0f,
                          -2.0f,
                          20.0f,
                          20.5f,
                          -87.0f,
                          -88.5f,
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(),
                          -std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::min(),
                          std::numeric_limits<float>::denorm_min(),
                          -std::numeric_limits<float>::denorm_min(),
                          0.75f,
                          -0.75f,
                          1.5f,
                          1.5000001f};
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) {
    const uint32_t b32 = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b32, 4);
    x.push_back(f);
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-30.0f, 30.0f);
  for (int i = 0; i < 400000; ++i) x.push_back(u(rng));
  // Every float next to +-3 (hardswish's gate cancels at -3 and saturates at 3) and a dense walk of [-8, 8].
  for (float edge : {-3.0f, 3.0f}) {
    float f = edge;
    for (int i = 0; i < 20000; ++i) f = std::nextafter(f, -INFINITY);
    for (int i = 0; i < 40000; ++i, f = std::nextafter(f, INFINITY)) x.push_back(f);
  }
  for (uint32_t bits = 0; bits < 0x41000000u; bits += 977) {  // [0, 8) by bit pattern, both signs
    float f;
    std::memcpy(&f, &bits, 4);
    x.push_back(f);
    x.push_back(-f);
  }
  x.push_back(1.0f);  // odd length: the masked tail runs too
  return x;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

}  // namespace

TEST_CASE("gemm_packed: epilogue activations against activate_reference") {
  // Max ulp error of the transcendental kinds over the inputs below (measured: see docs/KERNELS.md).
  // Outputs the reference rounds below FLT_MIN (underflow) may instead differ by at most FLT_MIN.
  const std::vector<float> x = activation_inputs();
  std::vector<float> y(x.size()), ref(x.size());
  for (KernelIsa isa : available_isas()) {
    for (Activation kind : kAllActivations) {
      ActivationParams p = make_activation(kind);
      activation_reference(p, x.data(), ref.data(), static_cast<int64_t>(x.size()));
      gemm_packed_activation(isa, p, x.data(), y.data(), static_cast<int64_t>(y.size()));
      const int64_t bound = vigil::test::vector_activation_ulp_bound(kind);
      const bool exact = bound == 0;
      int64_t max_ulp = 0;
      float worst_x = 0;
      int mismatches = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        if (std::isnan(ref[i])) {
          if (!std::isnan(y[i]) && mismatches++ < 5)
            FAIL_CHECK(std::string(kernel_isa_name(isa))
                       << " " << activation_name(kind) << "(" << x[i] << "): " << y[i] << ", expected NaN");
          continue;
        }
        if (exact) {
          if (!same_bits(y[i], ref[i]) && mismatches++ < 5)
            FAIL_CHECK(std::string(kernel_isa_name(isa))
                       << " " << activation_name(kind) << "(" << x[i] << ") = " << y[i] << ", reference " << ref[i]);
          continue;
        }
        if (std::fabs(ref[i]) < std::numeric_limits<float>::min()) {
          if (!(std::fabs(y[i] - ref[i]) <= std::numeric_limits<float>::min()) && mismatches++ < 5)
            FAIL_CHECK(std::string(kernel_isa_name(isa))
                       << " " << activation_name(kind) << "(" << x[i] << ") = " << y[i] << ", reference " << ref[i]);
          continue;
        }
        const int64_t d = vigil::test::ulps_apart(y[i], ref[i]);
        if (d > max_ulp) max_ulp = d, worst_x = x[i];
      }
      if (!exact) {
        MESSAGE(std::string(kernel_isa_name(isa))
                << " " << activation_name(kind) << ": max error " << max_ulp << " ulp (at x = " << worst_x << ")");
        // The measured maxima over these inputs (docs/KERNELS.md), as regression bounds.
        CHECK_MESSAGE(max_ulp <= bound, std::string(kernel_isa_name(isa)) << " " << activation_name(kind));
      }
    }
  }
}

TEST_CASE("gemm_packed: hard_swish's product by 1/6 rounds on its own, like the reference's division") {
  // The vector hard_swish multiplies by 1/6 where the reference divides by 6 (the same float results for
  // all 2^32 inputs). Fused into the following + 0.5, the product would round differently at 845 inputs,
  // all in (-3, -2.36); these are nine of them. A dense sweep of the bit patterns in [-3, 3] follows.
  std::vector<float> x = {-0x1.2edcp+1f, -0x1.383cp+1f, -0x1.419cp+1f, -0x1.4afcp+1f, -0x1.545cp+1f,
                          -0x1.6fc2p+1f, -0x1.7472p+1f, -0x1.7c9dp+1f, -0x1.7f7a8p+1f};
  for (float v = -3.0f; v <= 3.0f; v = std::nextafter(v, 4.0f)) {
    x.push_back(v);
    for (int skip = 0; skip < 997 && v <= 3.0f; ++skip) v = std::nextafter(v, 4.0f);
  }
  const ActivationParams p = make_activation(Activation::HardSwish);
  std::vector<float> y(x.size()), ref(x.size());
  activation_reference(p, x.data(), ref.data(), static_cast<int64_t>(x.size()));
  for (KernelIsa isa : available_isas()) {
    gemm_packed_activation(isa, p, x.data(), y.data(), static_cast<int64_t>(y.size()));
    int mismatches = 0;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same_bits(y[i], ref[i]) && mismatches++ < 5)
        FAIL_CHECK(std::string(kernel_isa_name(isa))
                   << " hard_swish(" << x[i] << ") = " << y[i] << ", reference " << ref[i]);
  }
}
