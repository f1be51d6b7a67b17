// vigil-kbench-winograd: GFLOP/s of conv2d_winograd (F(4,3) and F(2,3)) on the stride-1 3x3 layers of actdet-tiny at
// 256x256 input, counted as direct-convolution FLOPs (2 x MACs), next to the fp32 FMA peak measured in the
// same process and the packed-GEMM implicit-im2col convolution (kernels/gemm_packed) on the same shapes.
//
//   vigil-kbench-winograd [runs=30] [isa=avx512|avx2|scalar]
//
// One thread. Per layer: warm-up, then `runs` timed calls, 3 rounds alternating Winograd and GEMM; the
// median over rounds of each round's median / p10 / p90. Per-layer % uses the peak measured around that
// layer; the "all" row uses the highest peak of the run.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu_features.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/depthwise_conv/depthwise_conv.h"
#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/lstm/lstm.h"
#include "kernels/lstm_fast/lstm_fast.h"

using namespace vigil::kernels;
using Clock = std::chrono::steady_clock;

namespace {

// fp32 FMA peak of one core: 12 independent zmm chains (FMA latency 4 x 2 pipes = 8 needed) with distinct
// start values; the asm barrier keeps the compiler from merging or hoisting the loop.
__attribute__((target("avx512f"), noinline)) double fma_peak_avx512(int64_t iters) {
  // Named variables, not an array: an array bound to the asm operands gets spilled every iteration.
  __m512 a0 = _mm512_set1_ps(1.00f), a1 = _mm512_set1_ps(1.01f), a2 = _mm512_set1_ps(1.02f), a3 = _mm512_set1_ps(1.03f),
         a4 = _mm512_set1_ps(1.04f), a5 = _mm512_set1_ps(1.05f), a6 = _mm512_set1_ps(1.06f), a7 = _mm512_set1_ps(1.07f),
         a8 = _mm512_set1_ps(1.08f), a9 = _mm512_set1_ps(1.09f), a10 = _mm512_set1_ps(1.10f),
         a11 = _mm512_set1_ps(1.11f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  const auto t0 = Clock::now();
  for (int64_t it = 0; it < iters; ++it) {
    a0 = _mm512_fmadd_ps(a0, m, c), a1 = _mm512_fmadd_ps(a1, m, c), a2 = _mm512_fmadd_ps(a2, m, c);
    a3 = _mm512_fmadd_ps(a3, m, c), a4 = _mm512_fmadd_ps(a4, m, c), a5 = _mm512_fmadd_ps(a5, m, c);
    a6 = _mm512_fmadd_ps(a6, m, c), a7 = _mm512_fmadd_ps(a7, m, c), a8 = _mm512_fmadd_ps(a8, m, c);
    a9 = _mm512_fmadd_ps(a9, m, c), a10 = _mm512_fmadd_ps(a10, m, c), a11 = _mm512_fmadd_ps(a11, m, c);
    __asm__ volatile(""
                     : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8),
                       "+v"(a9), "+v"(a10), "+v"(a11));
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  float sink[16];
  __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  _mm512_storeu_ps(sink, sum);
  if (sink[0] == 12345.0f) std::puts("");
  return double(iters) * 12 * 16 * 2 / s;
}

struct Layer {
  const char* name;
  int64_t c, k, hw;
};
// actdet-tiny (shared/specs/actdet-tiny.md) stride-1 3x3 convs at 256x256 input, pad 1.
const Layer kLayers[] = {{"L2", 64, 64, 64},    {"L4", 32, 32, 64},   {"L5", 32, 32, 64},    {"L10", 128, 128, 32},
                         {"L12", 64, 64, 32},   {"L13", 64, 64, 32},  {"L18", 256, 256, 16}, {"L20", 128, 128, 16},
                         {"L21", 128, 128, 16}, {"L26", 512, 512, 8}, {"H1", 256, 512, 8},   {"H6", 384, 256, 16},
                         {"A0", 512, 256, 8}};

struct Stats {
  double median, p10, p90;
};
template <class Fn>
Stats time_it(int runs, Fn fn) {
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> t(runs);
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    fn();
    t[i] = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  std::sort(t.begin(), t.end());
  return {t[runs / 2], t[runs / 10], t[(runs * 9) / 10]};
}

double busy_fraction() {  // other processes' CPU use over 0.5 s, from /proc/stat
  auto read = [](unsigned long long& busy, unsigned long long& total) {
    FILE* f = std::fopen("/proc/stat", "r");
    unsigned long long v[8] = {};
    if (!f || std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                          &v[6], &v[7]) != 8) {
      if (f) std::fclose(f);
      busy = total = 0;
      return;
    }
    std::fclose(f);
    total = 0;
    for (auto x : v) total += x;
    busy = total - v[3] - v[4];
  };
  unsigned long long b0, t0, b1, t1;
  read(b0, t0);
  struct timespec ts = {0, 500000000};
  nanosleep(&ts, nullptr);
  read(b1, t1);
  return t1 > t0 ? double(b1 - b0) / double(t1 - t0) : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(5, std::atoi(argv[1])) : 30;
  const std::string isa_name = argc > 2 ? argv[2] : "avx512";
  const auto& cpu = vigil::cpu_features();
  KernelIsa isa = KernelIsa::Avx512;
  KernelIsa gisa = KernelIsa::Avx512;
  if (isa_name == "avx2") isa = KernelIsa::Avx2, gisa = KernelIsa::Avx2;
  if (isa_name == "scalar") isa = KernelIsa::Scalar, gisa = KernelIsa::Scalar;
  if (!cpu.has_avx512_core()) {
    std::fprintf(stderr, "this harness needs AVX-512 for its peak loop\n");
    return 1;
  }
  std::printf("cpu: %s [%s]\nmachine busy before: %.0f %% of all cores\n", cpu.brand.c_str(), cpu.summary().c_str(),
              100 * busy_fraction());
  double peak = 0;
  for (int i = 0; i < 5; ++i) peak = std::max(peak, fma_peak_avx512(20000000));
  std::printf("fp32 FMA peak (1 core, measured): %.1f GFLOP/s\n", peak / 1e9);
  std::printf("isa %s, 1 thread, %d runs per layer; %% = direct-conv FLOPs per second / peak\n\n", isa_name.c_str(),
              runs);
  std::printf("%-4s %4s %4s %4s %7s | %9s %9s %9s %7s | %9s %7s | %9s %7s\n", "layer", "C", "K", "HW", "GFLOP",
              "F(4,3) ms", "p10", "p90", "%peak", "F(2,3) ms", "%peak", "gemm ms", "%peak");
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  double total_flop = 0, total_best = 0, total_gemm = 0;
  for (const Layer& L : kLayers) {
    Conv2dParams p;
    p.in_channels = L.c, p.out_channels = L.k, p.in_h = p.in_w = L.hw, p.out_h = p.out_w = L.hw;
    p.kernel_h = p.kernel_w = 3, p.pad_top = p.pad_left = 1;
    p.activation = {Activation::LeakyRelu, 0.1f, 0.0f};
    std::vector<float> x(L.c * L.hw * L.hw), w(L.k * L.c * 9), bias(L.k), y(L.k * L.hw * L.hw);
    for (auto& v : x) v = u(rng);
    for (auto& v : w) v = u(rng);
    for (auto& v : bias) v = u(rng);
    const double flop = 2.0 * L.k * L.c * 9 * L.hw * L.hw;
    struct Wino {
      WinogradTile tile;
      std::vector<float> packed;
      std::vector<unsigned char> ws;
    } wino[2] = {{WinogradTile::F4x3, {}, {}}, {WinogradTile::F2x3, {}, {}}};
    for (auto& v : wino) {
      v.packed.resize(conv2d_winograd_packed_floats(isa, v.tile, p));
      conv2d_winograd_pack(isa, v.tile, p, w.data(), v.packed.data());
      v.ws.resize(conv2d_winograd_workspace_bytes(isa, v.tile, p, 1));
    }
    auto run_wino = [&](int i) {
      conv2d_winograd(isa, wino[i].tile, p, x.data(), wino[i].packed.data(), bias.data(), y.data(), wino[i].ws.data(),
                      WinogradThreading{});
    };
    // Direct convolution through the packed GEMM with an implicit im2col B (h9's kernel).
    std::vector<float> pa(gemm_packed_a_floats(gisa, L.k, L.c * 9));
    gemm_pack_a(gisa, L.k, L.c * 9, w.data(), L.c * 9, pa.data());
    Im2colGeometry geo;
    geo.channels = L.c, geo.in_h = geo.in_w = L.hw, geo.kernel_h = geo.kernel_w = 3;
    geo.pad_top = geo.pad_left = 1, geo.out_h = geo.out_w = L.hw;
    GemmPackedParams gp;
    gp.m = L.k, gp.n = L.hw * L.hw, gp.k = L.c * 9, gp.packed_a = pa.data();
    gp.b.data = x.data(), gp.b.im2col = &geo;
    gp.c = y.data(), gp.ldc = gp.n, gp.bias = bias.data(), gp.activation = p.activation;
    std::vector<unsigned char> gws(gemm_packed_workspace_bytes(gisa, gp.m, gp.n, gp.k, 1) + 64);
    void* gwsp = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(gws.data()) + 63) & ~uintptr_t{63});
    auto run_gemm = [&] { gemm_packed(gisa, gp, gwsp, GemmThreading{}); };
    // The peak is measured right before and after each layer (the VM's speed drifts; the better of the two
    // is used), and the kernels alternate in 3 rounds so drift hits them alike.
    double layer_peak = fma_peak_avx512(4000000);
    std::vector<double> t4, t2, tg;
    for (int round = 0; round < 3; ++round) {
      const Stats a = time_it(runs, [&] { run_wino(0); }), b = time_it(runs, [&] { run_wino(1); }),
                  g = time_it(runs, run_gemm);
      for (const auto& [v, st] : {std::pair{&t4, a}, std::pair{&t2, b}, std::pair{&tg, g}})
        v->push_back(st.median), v->push_back(st.p10), v->push_back(st.p90);
    }
    layer_peak = std::max(layer_peak, fma_peak_avx512(4000000));
    peak = std::max(peak, layer_peak);
    auto median3 = [](const std::vector<double>& v, int which) {
      double m[3] = {v[which], v[3 + which], v[6 + which]};
      std::sort(m, m + 3);
      return m[1];
    };
    const Stats s4 = {median3(t4, 0), median3(t4, 1), median3(t4, 2)};
    const double s2 = median3(t2, 0), sg = median3(tg, 0);
    total_flop += flop, total_best += std::min({s4.median, s2, sg}), total_gemm += sg;
    std::printf("%-5s %4lld %4lld %4lld %7.4f | %9.4f %9.4f %9.4f %6.0f%% | %9.4f %6.0f%% | %9.4f %6.0f%%\n", L.name,
                (long long)L.c, (long long)L.k, (long long)L.hw, flop / 1e9, s4.median * 1e3, s4.p10 * 1e3,
                s4.p90 * 1e3, 100 * flop / s4.median / layer_peak, s2 * 1e3, 100 * flop / s2 / layer_peak, sg * 1e3,
                100 * flop / sg / layer_peak);
  }
  std::printf("(%% columns use the highest peak measured during the run: %.1f GFLOP/s)\n", peak / 1e9);
  std::printf("all layers, fastest of the three per layer: %.4f ms = %.0f%% of peak (gemm alone: %.4f ms = %.0f%%)\n",
              total_best * 1e3, 100 * total_flop / total_best / peak, total_gemm * 1e3,
              100 * total_flop / total_gemm / peak);
  return 0;
}
