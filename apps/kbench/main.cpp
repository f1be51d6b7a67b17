// vigil-kbench: how close vigil's conv and GEMM kernels get to the machine's fp32 peak, measured in one run.
//
//   vigil-kbench [--isa scalar,avx2,avx512] [--threads 1,2] [--budget SECONDS] [--repeats N]
//                [--only conv|gemm|rows|dwc|nchwc] [--layers L0,A1,...] [--json FILE]
//
// 1. Peak: the fp32 multiply-add peak of every ISA (peak.h), on 1 and on all requested threads at once,
//    and again right before every measurement (the clock of a VM wanders).
// 2. Kernels: every conv layer of actdet-tiny at 256x256 (shared/specs/actdet-tiny.md), and square GEMMs
//    through gemm_packed, for each ISA path the CPU has and each thread count. Per conv layer: kind `conv`
//    is the packed GEMM on an implicit im2col view (gemm_packed; conv2d_gemm for grouped convs), or the
//    depthwise kernel for a depthwise layer; kinds `direct` (conv2d_direct) and `wino` (conv2d_winograd)
//    are added on the ISA paths where the engine's planner gives that layer to them, so the table shows
//    every kernel the engine runs. Built with -DVIGIL_BENCH_ONEDNN=ON, each conv layer also gets oneDNN's
//    convolution (onednn_conv.h) on the same shape, timed the same way. Shapes are the outer loop, so the
//    paths of one shape are timed next to each other. Kind `rows`: rows_linear (a few rows against a weight
//    matrix packed at load: the product of the temporal heads' projections and a transformer's Linear
//    layers) on actdet's temporal and the transformer head's shapes, AVX2 / AVX-512, one thread (the engine
//    splits it over column blocks like any op; the weights here stay in cache between calls).
//    Kind `dwc`: MobileNetV2 / EfficientNet depthwise layers (3x3 and 5x5, stride 1 and 2, bias + ReLU6),
//    one thread, vigil's NCHW depthwise kernel (depthwise_conv) next to the NCHWc one (depthwise_nchwc)
//    on each ISA path, and the NCHW <-> NCHWc reorders of a [1,144,56,56] tensor; these are memory-bound,
//    so their lines also give GB/s (bytes of X + Y, counted once, at the median and at p10).
//    Kind `nchwc`: conv2d_nchwc (the blocked-channel dense conv, kernels/nchwc/conv2d_nchwc.h) on MobileNetV2's
//    pointwise shapes, its stem from plain NCHW and a dense 3x3, on the AVX2 / AVX-512 paths, each next to
//    conv2d_gemm (kind `nchw`) on the same shape; X, W and Y stay in cache between calls.
// Per measurement: 2 warm-up calls, then repeats (until `budget` seconds or --repeats), each timed alone
// (wall clock); reported: median, p10, p90, GFLOP/s at the median, % of that ISA's peak x threads at the
// median and at p10. Work = 2 x MACs of the direct convolution. Other processes' CPU use during the run
// is read from /proc/stat and printed: on a shared machine the p10 column is the less disturbed one.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "apps/kbench/peak.h"
#include "engine/cpu_features.h"
#include "engine/ops/conv2d_fast.h"
#include "engine/tensor.h"
#include "engine/thread_pool.h"
#include "kernels/conv2d_direct/conv2d_direct.h"
#include "kernels/conv2d_gemm/conv2d_gemm.h"
#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "kernels/depthwise_conv/depthwise_conv.h"
#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/nchwc/conv2d_nchwc.h"
#include "kernels/nchwc/depthwise_nchwc.h"
#include "kernels/nchwc/nchwc_layout.h"
#include "kernels/rows_linear/rows_linear.h"
#if VIGIL_BENCH_ONEDNN
#include "apps/kbench/onednn_conv.h"
#endif

using namespace vigil;
using namespace vigil::kernels;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- Options ----

struct Options {
  std::vector<KernelIsa> isas;
  std::vector<int> threads = {1, 2};
  double budget = 0.3;  // seconds of timed calls per measurement
  int repeats = 0;      // fixed count instead of the budget (0: use the budget)
  bool conv = true, gemm = true, rows = true, dwc = true, nchwc = true;
  std::vector<std::string> layers;  // only these conv layers (empty: all)
  std::string json;
  std::string command;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "vigil-kbench: %s\nusage: vigil-kbench [--isa scalar,avx2,avx512] [--threads 1,2] [--budget SECONDS]"
               " [--repeats N] [--only conv|gemm|rows|dwc|nchwc] [--layers L0,A1,...] [--json FILE]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 0; i < argc; ++i) o.command += (i ? " " : "") + std::string(argv[i]);
  const CpuFeatures& cpu = cpu_features();
  std::vector<std::string> isa_names = {"scalar", "avx2", "avx512"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--isa") {
      isa_names = split_list(value());
    } else if (a == "--threads") {
      o.threads.clear();
      for (const auto& t : split_list(value())) o.threads.push_back(std::max(1, std::atoi(t.c_str())));
    } else if (a == "--budget") {
      o.budget = std::atof(value().c_str());
    } else if (a == "--repeats") {
      o.repeats = std::atoi(value().c_str());
    } else if (a == "--only") {
      const std::string v = value();
      o.conv = v == "conv";
      o.gemm = v == "gemm";
      o.rows = v == "rows";
      o.dwc = v == "dwc";
      o.nchwc = v == "nchwc";
      if (!o.conv && !o.gemm && !o.rows && !o.dwc && !o.nchwc) usage("--only takes conv, gemm, rows, dwc or nchwc");
    } else if (a == "--layers") {
      o.layers = split_list(value());
    } else if (a == "--json") {
      o.json = value();
    } else {
      usage(("unknown argument " + a).c_str());
    }
  }
  for (const auto& name : isa_names) {
    if (name == "scalar") {
      o.isas.push_back(KernelIsa::Scalar);
    } else if (name == "avx2") {
      if (cpu.has_avx2_fma())
        o.isas.push_back(KernelIsa::Avx2);
      else
        std::printf("skipping avx2: this CPU lacks AVX2+FMA\n");
    } else if (name == "avx512") {
      if (cpu.has_avx512_core())
        o.isas.push_back(KernelIsa::Avx512);
      else
        std::printf("skipping avx512: this CPU lacks AVX-512 F/BW/DQ/VL\n");
    } else {
      usage(("unknown isa " + name).c_str());
    }
  }
  if (o.isas.empty() || o.threads.empty()) usage("nothing to measure");
  return o;
}

// ---- Threads ----

void pool_parallel_for(void* pool, int64_t tasks, void (*task)(void*, int64_t, int64_t), void* arg) {
  static_cast<ThreadPool*>(pool)->parallel_for(tasks, [&](int64_t b, int64_t e) { task(arg, b, e); });
}

// ---- Machine load: other processes' CPU time over the run ----

struct CpuSample {
  double busy_s = 0, own_s = 0, wall_s = 0;
};

CpuSample sample_cpu() {
  CpuSample s;
  if (FILE* f = std::fopen("/proc/stat", "r")) {
    unsigned long long v[8] = {};
    if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                    &v[7]) == 8) {
      const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
      s.busy_s = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
    }
    std::fclose(f);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.own_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  s.wall_s = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  return s;
}

// Average number of CPUs other processes kept busy between two samples.
double other_cpus(const CpuSample& a, const CpuSample& b) {
  const double wall = b.wall_s - a.wall_s;
  if (wall <= 0) return 0;
  return std::max(0.0, ((b.busy_s - a.busy_s) - (b.own_s - a.own_s)) / wall);
}

// ---- Peak ----

double peak_flops_per_iter(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Avx512:
      return kbench::kAvx512FlopsPerIter;
    case KernelIsa::Avx2:
      return kbench::kAvx2FlopsPerIter;
    case KernelIsa::Scalar:
      break;
  }
  return kbench::kBaselineFlopsPerIter;
}

float peak_loop(KernelIsa isa, int64_t iters) {
  switch (isa) {
    case KernelIsa::Avx512:
      return kbench::peak_loop_avx512(iters);
    case KernelIsa::Avx2:
      return kbench::peak_loop_avx2(iters);
    case KernelIsa::Scalar:
      break;
  }
  return kbench::peak_loop_baseline(iters);
}

// GFLOP/s of `threads` threads running the peak loop at once, over `trials` trials of ~0.5 ms (as short
// as a kernel call). Returns the median (the number %peak uses: the clock of this VM wanders by 20 %
// with turbo, so the median of trials taken right next to a kernel is the fair yardstick) and the max.
struct Peak {
  double median = 0, max = 0;
};
Peak measure_peak(KernelIsa isa, int threads, ThreadPool& pool, int trials) {
  const int64_t iters = 150000;
  std::vector<float> sinks(static_cast<size_t>(threads));  // one per task: every chain's result is used
  std::vector<double> gflops;
  for (int trial = 0; trial < trials; ++trial) {
    const auto t0 = Clock::now();
    pool.parallel_for(threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sinks[static_cast<size_t>(i)] += peak_loop(isa, iters);
    });
    const double s = seconds_since(t0);
    gflops.push_back(peak_flops_per_iter(isa) * static_cast<double>(iters) * threads / s / 1e9);
  }
  if (sinks[0] == 12345.0f) std::printf(" ");
  std::sort(gflops.begin(), gflops.end());
  return {gflops[gflops.size() / 2], gflops.back()};
}

// ---- Timing ----

struct Stats {
  double median_ms = 0, p10_ms = 0, p90_ms = 0;
  int runs = 0;
};

template <class Fn>
Stats time_calls(const Options& o, Fn&& fn) {
  fn();
  fn();
  std::vector<double> t;
  const auto start = Clock::now();
  for (;;) {
    const auto t0 = Clock::now();
    fn();
    t.push_back(seconds_since(t0) * 1e3);
    const int n = static_cast<int>(t.size());
    if (o.repeats > 0 ? n >= o.repeats : (n >= 5 && seconds_since(start) >= o.budget) || n >= 2000) break;
  }
  std::sort(t.begin(), t.end());
  const size_t n = t.size();
  return {t[n / 2], t[n / 10], t[std::min(n - 1, (n * 9) / 10)], static_cast<int>(n)};
}

// ---- Workloads ----

struct ConvLayer {
  const char* name;
  int64_t cin, cout, kernel, stride, in_hw, group;
  bool linear;  // the YOLO output convs: bias, no activation
};

// actdet-tiny at 256x256: every Conv2d of the frame variant (BatchNorm folded into bias).
const ConvLayer kLayers[] = {
    {"L0", 3, 32, 3, 2, 256, 1, false},    {"L1", 32, 64, 3, 2, 128, 1, false},   {"L2", 64, 64, 3, 1, 64, 1, false},
    {"L4", 32, 32, 3, 1, 64, 1, false},    {"L5", 32, 32, 3, 1, 64, 1, false},    {"L7", 64, 64, 1, 1, 64, 1, false},
    {"L10", 128, 128, 3, 1, 32, 1, false}, {"L12", 64, 64, 3, 1, 32, 1, false},   {"L13", 64, 64, 3, 1, 32, 1, false},
    {"L15", 128, 128, 1, 1, 32, 1, false}, {"L18", 256, 256, 3, 1, 16, 1, false}, {"L20", 128, 128, 3, 1, 16, 1, false},
    {"L21", 128, 128, 3, 1, 16, 1, false}, {"L23", 256, 256, 1, 1, 16, 1, false}, {"L26", 512, 512, 3, 1, 8, 1, false},
    {"H0", 512, 256, 1, 1, 8, 1, false},   {"H1", 256, 512, 3, 1, 8, 1, false},   {"H2", 512, 255, 1, 1, 8, 1, true},
    {"H3", 256, 128, 1, 1, 8, 1, false},   {"H6", 384, 256, 3, 1, 16, 1, false},  {"H7", 256, 255, 1, 1, 16, 1, true},
    {"A0", 512, 256, 3, 1, 8, 1, false},   {"A1", 256, 256, 3, 1, 8, 256, false}, {"A2", 256, 256, 1, 1, 8, 1, false},
};

const int64_t kSquareSizes[] = {64, 128, 256, 384, 512, 768, 1024};

Conv2dParams conv_params(const ConvLayer& l) {
  Conv2dParams p;
  p.in_channels = l.cin;
  p.in_h = p.in_w = l.in_hw;
  p.out_channels = l.cout;
  p.kernel_h = p.kernel_w = l.kernel;
  p.stride_h = p.stride_w = l.stride;
  p.pad_top = p.pad_left = l.kernel / 2;
  p.group = l.group;
  p.out_h = p.out_w = conv_output_size(l.in_hw, l.kernel, l.stride, 1, l.kernel / 2, l.kernel / 2);
  if (!l.linear) p.activation = {Activation::LeakyRelu, 0.1f, 0.0f};
  return p;
}

// The kernel the engine binds a batch-1 conv to on `isa`, as make_conv2d_fast (engine/ops/conv2d_fast.cpp)
// decides: depthwise, else Winograd where the engine's conv2d_runs_winograd says so (F(4,3) from 16x16, as
// there), else conv2d_gemm's choice between the direct kernel and the packed GEMM (conv2d_direct_preferred).
// The tile threshold is mirrored; a wrong guess only moves which rows count towards the frame totals.
enum class Planned { Depthwise, WinogradF4x3, WinogradF2x3, Direct, Gemm };
// The non-Winograd choice: what the engine runs for a conv without Winograd (and for 3x3 convs it keeps off
// Winograd), i.e. the kernel behind the "GEMM and direct conv" target.
Planned planned_without_winograd(KernelIsa isa, const Conv2dParams& p) {
  if (depthwise_conv_supported(p)) return Planned::Depthwise;
  return conv2d_direct_preferred(isa, p) ? Planned::Direct : Planned::Gemm;
}
Planned planned_kernel(KernelIsa isa, const Conv2dParams& p) {
  if (depthwise_conv_supported(p)) return Planned::Depthwise;
  if (ops::conv2d_runs_winograd(p, isa))
    return p.out_h * p.out_w >= 16 * 16 ? Planned::WinogradF4x3 : Planned::WinogradF2x3;
  return planned_without_winograd(isa, p);
}

std::vector<float> random_floats(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Record {
  std::string kind, name, isa;
  std::string engine = "vigil";        // or "onednn"
  std::string kernel;                  // short label of what ran: gemm, depthwise, direct, wino-F43, onednn, ...
  std::string impl;                    // the function or oneDNN implementation behind it
  bool planned = false;                // a conv layer's row with the kernel vigil's planner picks for it
  bool planned_no_winograd = false;    // ... with the kernel it picks when Winograd is left out (GEMM or direct)
  KernelIsa path = KernelIsa::Scalar;  // vigil's path, or the ISA oneDNN was capped at (for the peak)
  int threads = 1;
  int64_t m = 0, n = 0, k = 0;
  double gflop = 0;
  Stats stats;
  double peak = 0;  // GFLOP/s of this ISA on this many threads
  double gflops() const { return gflop / (stats.median_ms * 1e-3); }
  double pct() const { return 100.0 * gflops() / peak; }
  double pct_p10() const { return 100.0 * gflop / (stats.p10_ms * 1e-3) / peak; }
};

void print_header() {
  std::printf("%-6s %-4s %-10s %-7s %-3s %5s %6s %5s %8s %9s %9s %9s %8s %6s %6s\n", "kind", "name", "kernel", "isa",
              "thr", "M", "N", "K", "GFLOP", "median_ms", "p10_ms", "p90_ms", "GFLOP/s", "%peak", "%p10");
}

// oneDNN rows end with the implementation oneDNN chose (it varies by shape and ISA).
void print_record(const Record& r) {
  std::printf("%-6s %-4s %-10s %-7s %-3d %5lld %6lld %5lld %8.4f %9.3f %9.3f %9.3f %8.1f %6.1f %6.1f%s%s\n",
              r.kind.c_str(), r.name.c_str(), r.kernel.c_str(), r.isa.c_str(), r.threads, static_cast<long long>(r.m),
              static_cast<long long>(r.n), static_cast<long long>(r.k), r.gflop, r.stats.median_ms, r.stats.p10_ms,
              r.stats.p90_ms, r.gflops(), r.pct(), r.pct_p10(), r.engine == "vigil" ? "" : "  ",
              r.engine == "vigil" ? "" : r.impl.c_str());
  std::fflush(stdout);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<ConvLayer> layers;  // the conv layers to time (--layers, in kLayers' order)
  for (const ConvLayer& l : kLayers)
    if (o.layers.empty() || std::find(o.layers.begin(), o.layers.end(), l.name) != o.layers.end()) layers.push_back(l);
  for (const std::string& name : o.layers)
    if (std::none_of(std::begin(kLayers), std::end(kLayers), [&](const ConvLayer& l) { return name == l.name; }))
      usage(("unknown layer " + name + " (the names are L0 .. A2 of the table in apps/kbench/main.cpp)").c_str());
  const CpuFeatures& cpu = cpu_features();
  const int max_threads = *std::max_element(o.threads.begin(), o.threads.end());
  std::vector<ThreadPool*> pools(static_cast<size_t>(max_threads) + 1, nullptr);
  for (int t : o.threads)
    if (!pools[static_cast<size_t>(t)]) pools[static_cast<size_t>(t)] = new ThreadPool(t);
  ThreadPool peak_pool(max_threads);

  std::printf("vigil-kbench  cpu: %s  [%s]  hardware threads: %u  compiler: %s\ncommand: %s\n", cpu.brand.c_str(),
              cpu.summary().c_str(), std::thread::hardware_concurrency(), __VERSION__, o.command.c_str());
  const CpuSample run_start = sample_cpu();

  // Peaks, per ISA: one thread's peak here for the record, and again (15 trials) right before every
  // measurement for its %peak. T threads' peak is T x the one-thread peak: the cores are identical, and on
  // a shared machine T threads rarely all run undisturbed at once (the concurrent figure is printed).
  std::printf("\nfp32 peak, GFLOP/s over 60 trials of ~0.5 ms (scalar = SSE2 mul+add, the others FMA):\n");
  for (KernelIsa isa : o.isas)
    for (int t : o.threads) {
      const Peak pk = measure_peak(isa, t, peak_pool, 60);
      std::printf("  %-7s %d thread%s  median %7.1f  max %7.1f\n", kernel_isa_name(isa), t, t > 1 ? "s" : " ",
                  pk.median, pk.max);
    }

  std::vector<Record> records;
  // `base` holds kind, name, kernel, impl, m, n, k and gflop; `applies(isa)` says on which ISA paths to run.
  auto measure = [&](const Record& base, auto&& applies, auto&& run_isa_threads) {
    for (KernelIsa isa : o.isas) {
      if (!applies(isa)) continue;
      for (int t : o.threads) {
        Record r = base;
        r.isa = kernel_isa_name(isa);
        r.path = isa;
        r.threads = t;
        r.peak = t * measure_peak(isa, 1, peak_pool, 15).median;
        r.stats = run_isa_threads(isa, t);
        records.push_back(r);
        print_record(r);
      }
    }
  };
  auto every_isa = [](KernelIsa) { return true; };
#if VIGIL_BENCH_ONEDNN

  // oneDNN's JIT code is capped at the widest ISA path asked for (oneDNN allows one cap per process, so
  // its rows cannot follow each path as vigil's do); its rows are divided by that ISA's peak.
  KernelIsa onednn_isa = o.isas.front();
  for (KernelIsa isa : o.isas)
    if (isa == KernelIsa::Avx512 || (isa == KernelIsa::Avx2 && onednn_isa == KernelIsa::Scalar)) onednn_isa = isa;
  std::string onednn_isa_label;
  try {
    onednn_isa_label = kbench::onednn_limit_isa(kernel_isa_name(onednn_isa));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vigil-kbench: %s\n", e.what());
    return 1;
  }
  std::printf(
      "\noneDNN %s (OpenMP threads), JIT capped at %s; rows: kind conv, kernel onednn (convolution_auto),\n"
      "and onednn-dir (convolution_direct) where oneDNN picks a different implementation for it\n",
      kbench::onednn_version().c_str(), onednn_isa_label.c_str());
  // `y`: vigil's output of the layer (any of its kernels), which oneDNN's must match: same conv, same work.
  auto measure_onednn = [&](const ConvLayer& l, const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>& bias, const std::vector<float>& y, Record base) {
    const kbench::OnednnConvShape shape{l.cin, l.cout, l.kernel, l.stride, l.in_hw, l.group, !l.linear};
    base.kind = "conv";
    base.engine = "onednn";
    base.planned = false;
    for (int t : o.threads) {
      kbench::onednn_set_threads(t);  // before the primitives are created: oneDNN plans for this count
      try {
        kbench::OnednnConv conv_auto(shape, kbench::OnednnAlgorithm::Auto, x.data(), w.data(), bias.data());
        kbench::OnednnConv conv_direct(shape, kbench::OnednnAlgorithm::Direct, x.data(), w.data(), bias.data());
        const bool same = conv_auto.impl() == conv_direct.impl();
        for (kbench::OnednnConv* c : {&conv_auto, &conv_direct}) {
          if (c == &conv_direct && same) continue;
          Record r = base;
          r.kernel = c == &conv_auto ? "onednn" : "onednn-dir";
          r.impl = (c == &conv_auto ? (same ? "auto=direct: " : "auto: ") : "direct: ") + c->impl();
          r.isa = onednn_isa_label;
          r.path = onednn_isa;
          r.threads = t;
          r.peak = t * measure_peak(onednn_isa, 1, peak_pool, 15).median;
          r.stats = time_calls(o, [&] { c->run(); });
          records.push_back(r);
          print_record(r);
          const std::vector<float> out = c->output_nchw();
          double diff = 0, scale = 1;
          for (size_t i = 0; i < y.size() && i < out.size(); ++i) {
            diff = std::max(diff, static_cast<double>(std::fabs(out[i] - y[i])));
            scale = std::max(scale, static_cast<double>(std::fabs(y[i])));
          }
          if (out.size() != y.size() || diff > 1e-3 * scale)  // float sums of up to 4608 terms, Winograd's too
            std::printf("WARNING: oneDNN's output differs from vigil's on %s: max |diff| %g (max |y| %g)\n", l.name,
                        diff, scale);
        }
      } catch (const std::exception& e) {
        std::printf("oneDNN failed on %s with %d thread%s: %s\n", l.name, t, t > 1 ? "s" : "", e.what());
      }
      // libgomp's idle workers spin (GOMP_SPINCOUNT, milliseconds) before they sleep; let them sleep before
      // the next peak trials and vigil's threads run, or they share the cores with them.
      if (t > 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
#endif

  std::printf(
      "\nper call; %%peak = GFLOP/s at the median / (threads x that ISA's one-thread peak, median of 15 trials\n"
      "measured just before); %%p10 the same at the p10 time\n");
  if (o.conv || o.gemm || o.rows || o.nchwc) print_header();
  if (o.conv) {
    for (const ConvLayer& l : layers) {
      const Conv2dParams p = conv_params(l);
      const int64_t mg = p.out_channels / p.group, kg = p.in_channels / p.group * p.kernel_h * p.kernel_w;
      const int64_t n = p.out_h * p.out_w;
      const double gflop = 2.0 * static_cast<double>(p.out_channels * kg * n) * 1e-9;
      const auto x = random_floats(static_cast<size_t>(p.in_channels * p.in_h * p.in_w), 1, 1.0f);
      const auto w = random_floats(static_cast<size_t>(p.out_channels * kg), 2, 0.1f);
      const auto bias = random_floats(static_cast<size_t>(p.out_channels), 3, 0.1f);
      std::vector<float> y(static_cast<size_t>(p.out_channels * n));
      Record base;
      base.name = l.name;
      base.m = mg, base.n = n, base.k = kg;
      base.gflop = gflop;

      // Kind `conv`: the depthwise kernel for a depthwise layer (through the GEMM, one 1 x 9 product per
      // channel, it reaches ~1 % of peak and the engine never runs it that way), else the packed GEMM.
      base.kind = "conv";
      if (depthwise_conv_supported(p)) {
        base.kernel = "depthwise";
        base.impl = "depthwise_conv";
        base.planned = true;
        base.planned_no_winograd = true;
        measure(base, every_isa, [&](KernelIsa isa, int threads) {
          // As the engine's Conv2dGroupsKernel: one task per thread, each a contiguous range of channels
          // with its own workspace slot.
          const DepthwiseConvFn fn = select_depthwise_conv(isa);
          const int64_t slot = (depthwise_conv_workspace_bytes(p) + 63) / 64 * 64;
          const AlignedBytes ws = allocate_aligned(static_cast<size_t>(slot * threads));
          const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w, taps = p.kernel_h * p.kernel_w;
          return time_calls(o, [&] {
            pools[static_cast<size_t>(threads)]->parallel_for(threads, [&](int64_t t0, int64_t t1) {
              for (int64_t t = t0; t < t1; ++t) {
                const int64_t c0 = p.in_channels * t / threads, c1 = p.in_channels * (t + 1) / threads;
                if (c0 == c1) continue;
                Conv2dParams part = p;
                part.in_channels = part.out_channels = part.group = c1 - c0;
                fn(part, x.data() + c0 * in_plane, w.data() + c0 * taps, bias.data() + c0, y.data() + c0 * out_plane,
                   ws.get() + t * slot);
              }
            });
          });
        });
      } else {
        // The GEMM itself, not conv2d_gemm: conv2d_gemm hands the convs conv2d_direct_preferred accepts to
        // conv2d_direct (they get their own `direct` rows). Grouped convs go through conv2d_gemm, which runs
        // one GEMM per group and never the direct kernel.
        base.kernel = "gemm";
        base.impl = p.group == 1 ? "gemm_packed" : "conv2d_gemm";
        measure(base, every_isa, [&](KernelIsa isa, int threads) {
          const AlignedBytes packed =
              allocate_aligned(static_cast<size_t>(conv2d_gemm_packed_weights_floats(isa, p)) * sizeof(float));
          const auto pw = reinterpret_cast<float*>(packed.get());
          conv2d_gemm_pack_weights(isa, p, w.data(), pw);
          const GemmThreading th{pool_parallel_for, pools[static_cast<size_t>(threads)], threads};
          if (p.group != 1) {
            std::vector<char> ws(static_cast<size_t>(conv2d_gemm_workspace_bytes(isa, p, threads)));
            return time_calls(
                o, [&] { conv2d_gemm(isa, p, x.data(), pw, bias.data(), nullptr, y.data(), ws.data(), th); });
          }
          // As conv2d_gemm's GEMM path for one image and one group: B is X itself for a 1x1 stride-1
          // unpadded conv, else the implicit im2col view of X.
          const Im2colGeometry geometry{p.in_channels, p.in_h,     p.in_w,       p.kernel_h,   p.kernel_w,
                                        p.stride_h,    p.stride_w, p.dilation_h, p.dilation_w, p.pad_top,
                                        p.pad_left,    p.out_h,    p.out_w};
          GemmPackedParams gp;
          gp.m = mg, gp.n = n, gp.k = kg;
          gp.packed_a = pw;
          gp.b.data = x.data();
          gp.b.ld = p.in_h * p.in_w;
          gp.b.im2col = conv2d_gemm_is_direct(p) ? nullptr : &geometry;
          gp.c = y.data();
          gp.ldc = n;
          gp.bias = bias.data();
          gp.activation = p.activation;
          std::vector<char> ws(static_cast<size_t>(gemm_packed_workspace_bytes(isa, mg, n, kg, threads)));
          return time_calls(o, [&] { gemm_packed(isa, gp, ws.data(), th); });
        });
        for (Record& r : records)
          if (r.kind == "conv" && r.engine == "vigil" && r.name == l.name) {
            r.planned = planned_kernel(r.path, p) == Planned::Gemm;
            r.planned_no_winograd = planned_without_winograd(r.path, p) == Planned::Gemm;
          }

        // Kind `direct`: conv2d_direct on the ISA paths where the engine runs it (through conv2d_gemm), also
        // where Winograd takes the layer in the engine but the direct kernel is its non-Winograd choice.
        base.kind = "direct";
        base.kernel = "direct";
        base.impl = "conv2d_direct";
        base.planned = true;
        measure(
            base, [&](KernelIsa isa) { return planned_without_winograd(isa, p) == Planned::Direct; },
            [&](KernelIsa isa, int threads) {
              const AlignedBytes packed =
                  allocate_aligned(static_cast<size_t>(conv2d_gemm_packed_weights_floats(isa, p)) * sizeof(float));
              const auto pw = reinterpret_cast<float*>(packed.get());
              conv2d_gemm_pack_weights(isa, p, w.data(), pw);  // the direct kernel reads the GEMM's packing
              std::vector<char> ws(static_cast<size_t>(conv2d_direct_workspace_bytes(isa, p, threads)));
              const GemmThreading th{pool_parallel_for, pools[static_cast<size_t>(threads)], threads};
              return time_calls(
                  o, [&] { conv2d_direct(isa, p, x.data(), pw, bias.data(), nullptr, y.data(), ws.data(), th); });
            });
        for (Record& r : records)
          if (r.kind == "direct" && r.name == l.name) {
            r.planned = planned_kernel(r.path, p) == Planned::Direct;
            r.planned_no_winograd = true;
          }

        // Kind `wino`: conv2d_winograd with the tile the planner picks (FLOPs still those of the direct
        // conv, so its % of peak can pass 100: it does fewer multiplies).
        for (const WinogradTile tile : {WinogradTile::F4x3, WinogradTile::F2x3}) {
          const Planned want = tile == WinogradTile::F4x3 ? Planned::WinogradF4x3 : Planned::WinogradF2x3;
          base.kind = "wino";
          base.kernel = tile == WinogradTile::F4x3 ? "wino-F43" : "wino-F23";
          base.impl = std::string("conv2d_winograd ") + winograd_tile_name(tile);
          measure(
              base, [&](KernelIsa isa) { return planned_kernel(isa, p) == want; },
              [&](KernelIsa isa, int threads) {
                const AlignedBytes packed =
                    allocate_aligned(static_cast<size_t>(conv2d_winograd_packed_floats(isa, tile, p)) * sizeof(float));
                const auto pw = reinterpret_cast<float*>(packed.get());
                conv2d_winograd_pack(isa, tile, p, w.data(), pw);
                std::vector<char> ws(static_cast<size_t>(conv2d_winograd_workspace_bytes(isa, tile, p, threads)));
                const WinogradThreading th{pool_parallel_for, pools[static_cast<size_t>(threads)], threads};
                return time_calls(
                    o, [&] { conv2d_winograd(isa, tile, p, x.data(), pw, bias.data(), y.data(), ws.data(), th); });
              });
        }
      }
#if VIGIL_BENCH_ONEDNN
      measure_onednn(l, x, w, bias, y, base);
#endif
    }
  }
  if (o.gemm) {
    for (int64_t s : kSquareSizes) {
      const auto a = random_floats(static_cast<size_t>(s * s), 4, 1.0f);
      const auto b = random_floats(static_cast<size_t>(s * s), 5, 1.0f);
      std::vector<float> c(static_cast<size_t>(s * s));
      const double gflop = 2.0 * static_cast<double>(s * s * s) * 1e-9;
      Record base;
      base.kind = "gemm";
      base.name = std::to_string(s);
      base.kernel = "gemm";
      base.impl = "gemm_packed";
      base.m = base.n = base.k = s;
      base.gflop = gflop;
      measure(base, every_isa, [&](KernelIsa isa, int threads) {
        std::vector<float> packed(static_cast<size_t>(gemm_packed_a_floats(isa, s, s)));
        gemm_pack_a(isa, s, s, a.data(), s, packed.data());
        std::vector<char> ws(static_cast<size_t>(gemm_packed_workspace_bytes(isa, s, s, s, threads)));
        GemmPackedParams gp;
        gp.m = gp.n = gp.k = s;
        gp.packed_a = packed.data();
        gp.b.data = b.data();
        gp.b.ld = s;
        gp.c = c.data();
        gp.ldc = s;
        const GemmThreading th{pool_parallel_for, pools[static_cast<size_t>(threads)], threads};
        return time_calls(o, [&] { gemm_packed(isa, gp, ws.data(), th); });
      });
    }
  }

  if (o.rows) {
    // rows x K x N: actdet's LSTM input projections (16 steps, 256 inputs, 4 gates x 128 x 2 directions), the
    // transformer head's in-projection, feed-forward and out-projection, and other row counts.
    struct RowsShape {
      const char* name;
      int64_t rows, k, n;
    };
    const RowsShape shapes[] = {{"lstm", 16, 256, 1024}, {"qkv", 16, 256, 768}, {"ff1", 16, 256, 512},
                                {"ff2", 16, 512, 256},   {"out", 16, 256, 256}, {"r8", 8, 256, 768},
                                {"r4", 4, 256, 768},     {"r32", 32, 256, 768}};
    for (const RowsShape& sh : shapes) {
      const auto x = random_floats(static_cast<size_t>(sh.rows * sh.k), 6, 1.0f);
      const auto b = random_floats(static_cast<size_t>(sh.k * sh.n), 7, 1.0f);
      std::vector<float> packed(static_cast<size_t>(rows_linear_packed_floats(sh.k, sh.n)));
      rows_linear_pack(sh.k, sh.n, b.data(), false, packed.data());
      const int64_t blocks = rows_linear_blocks(sh.n);
      std::vector<float> y(static_cast<size_t>(sh.rows * sh.n)),
          scratch(static_cast<size_t>(rows_linear_scratch_floats(sh.rows, 0, blocks)));
      Record base;
      base.kind = "rows";
      base.name = sh.name;
      base.kernel = "rows";
      base.impl = "rows_linear";
      base.m = sh.rows;
      base.n = sh.n;
      base.k = sh.k;
      base.gflop = 2.0 * static_cast<double>(sh.rows * sh.k * sh.n) * 1e-9;
      for (KernelIsa isa : o.isas) {
        if (isa == KernelIsa::Scalar) continue;  // rows_linear has AVX2 and AVX-512 paths only
        Record r = base;
        r.isa = kernel_isa_name(isa);
        r.path = isa;
        r.threads = 1;
        r.peak = measure_peak(isa, 1, peak_pool, 15).median;
        r.stats = time_calls(o, [&] {
          rows_linear(isa, sh.rows, sh.k, sh.n, x.data(), packed.data(), nullptr, 0, y.data(), 0, blocks,
                      scratch.data());
        });
        records.push_back(r);
        print_record(r);
      }
    }
  }

  if (o.nchwc) {
    // MobileNetV2 (224x224): pointwise expansions (relu6) and projections (linear), the last 1x1 conv, the
    // stem (3 -> 32, 3x3 stride 2, read from plain NCHW) and a dense 3x3 64 -> 64.
    struct MobileShape {
      const char* name;
      int64_t cin, cout, kernel, stride, in_hw;
      bool plain, linear;
    };
    const MobileShape shapes[] = {{"pw1", 16, 96, 1, 1, 112, false, false},  {"pw2", 96, 24, 1, 1, 56, false, true},
                                  {"pw3", 144, 32, 1, 1, 28, false, true},   {"pw4", 384, 64, 1, 1, 14, false, true},
                                  {"pw5", 576, 96, 1, 1, 14, false, true},   {"pw6", 960, 160, 1, 1, 7, false, true},
                                  {"pw7", 320, 1280, 1, 1, 7, false, false}, {"stem", 3, 32, 3, 2, 224, true, false},
                                  {"d3", 64, 64, 3, 1, 56, false, false}};
    for (const MobileShape& sh : shapes) {
      Conv2dParams p;
      p.in_channels = sh.cin, p.out_channels = sh.cout;
      p.in_h = p.in_w = sh.in_hw;
      p.kernel_h = p.kernel_w = sh.kernel;
      p.stride_h = p.stride_w = sh.stride;
      p.pad_top = p.pad_left = sh.kernel / 2;
      p.out_h = p.out_w = conv_output_size(sh.in_hw, sh.kernel, sh.stride, 1, sh.kernel / 2, sh.kernel / 2);
      if (!sh.linear) p.activation = {Activation::Clip, 0.0f, 6.0f};
      const int64_t k = p.in_channels * p.kernel_h * p.kernel_w, n = p.out_h * p.out_w;
      const auto x = random_floats(static_cast<size_t>(p.in_channels * p.in_h * p.in_w), 11, 1.0f);
      const auto w = random_floats(static_cast<size_t>(p.out_channels * k), 12, 0.1f);
      const auto bias = random_floats(static_cast<size_t>(p.out_channels), 13, 0.1f);
      Record base;
      base.name = sh.name;
      base.m = p.out_channels, base.n = n, base.k = k;
      base.gflop = 2.0 * static_cast<double>(p.out_channels * k * n) * 1e-9;

      // Kind `nchw`: vigil's NCHW conv on the same shape, conv2d_gemm (the packed GEMM, or conv2d_direct
      // where conv2d_gemm hands the shape to it).
      base.kind = "nchw";
      base.kernel = "conv2d_gemm";
      base.impl = "conv2d_gemm";
      measure(base, every_isa, [&](KernelIsa isa, int threads) {
        const AlignedBytes packed =
            allocate_aligned(static_cast<size_t>(conv2d_gemm_packed_weights_floats(isa, p)) * sizeof(float));
        const auto pw = reinterpret_cast<float*>(packed.get());
        conv2d_gemm_pack_weights(isa, p, w.data(), pw);
        std::vector<float> y(static_cast<size_t>(p.out_channels * n));
        std::vector<char> ws(static_cast<size_t>(conv2d_gemm_workspace_bytes(isa, p, threads)));
        const GemmThreading th{pool_parallel_for, pools[static_cast<size_t>(threads)], threads};
        return time_calls(o, [&] { conv2d_gemm(isa, p, x.data(), pw, bias.data(), nullptr, y.data(), ws.data(), th); });
      });

      // Kind `nchwc`: X already blocked (or plain for the stem), Y blocked; rows split into one contiguous
      // range per thread, as the engine does.
      base.kind = "nchwc";
      base.kernel = sh.plain ? "nchwc-xpl" : "nchwc";
      base.impl = "conv2d_nchwc";
      measure(
          base,
          [&](KernelIsa isa) {
            return isa != KernelIsa::Scalar && conv2d_nchwc_supported(isa, {p, nchwc_block(isa), sh.plain});
          },
          [&](KernelIsa isa, int threads) {
            const Conv2dNchwcParams np{p, nchwc_block(isa), sh.plain};
            const int64_t b = np.block;
            std::vector<float> xb(x);
            if (!sh.plain) {
              const vigil::kernels::NchwcShape s{1, p.in_channels, p.in_h * p.in_w, b};
              xb.resize(static_cast<size_t>(nchwc_blocks(p.in_channels, b) * b * p.in_h * p.in_w));
              nchwc_from_nchw(isa, s, x.data(), xb.data(), 0, nchwc_blocks(p.in_channels, b));
            }
            const AlignedBytes packed =
                allocate_aligned(static_cast<size_t>(conv2d_nchwc_packed_floats(np)) * sizeof(float));
            const auto pw = reinterpret_cast<float*>(packed.get());
            conv2d_nchwc_pack(np, w.data(), bias.data(), pw);
            std::vector<float> y(static_cast<size_t>(nchwc_blocks(p.out_channels, b) * b * n));
            const int64_t rows = conv2d_nchwc_rows(np);
            return time_calls(o, [&] {
              pools[static_cast<size_t>(threads)]->parallel_for(threads, [&](int64_t t0, int64_t t1) {
                for (int64_t t = t0; t < t1; ++t)
                  conv2d_nchwc(isa, np, xb.data(), pw, nullptr, y.data(), rows * t / threads, rows * (t + 1) / threads);
              });
            });
          });
    }
  }

  if (o.dwc) {
    // Depthwise layers of MobileNetV2 (3x3, ReLU6) and EfficientNet-B0 (5x5), one thread: the NCHW kernel
    // (`nchw`, depthwise_conv) and the NCHWc one (`nchwc`, depthwise_nchwc, block 8 on AVX2 / 16 on
    // AVX-512; the Scalar path is the plain-loop reference and is not timed). GB/s counts X and Y once.
    struct DwShape {
      const char* name;
      int64_t channels, kernel, stride, in_hw;
    };
    const DwShape shapes[] = {{"32@112", 32, 3, 1, 112},    {"96/2@112", 96, 3, 2, 112}, {"144@56", 144, 3, 1, 56},
                              {"144/2@56", 144, 3, 2, 56},  {"192@28", 192, 3, 1, 28},   {"576@14", 576, 3, 1, 14},
                              {"576/2@14", 576, 3, 2, 14},  {"960@7", 960, 3, 1, 7},     {"240@28k5", 240, 5, 1, 28},
                              {"672/2@14k5", 672, 5, 2, 14}};
    std::printf(
        "\nkind dwc: depthwise convs (bias + ReLU6) and NCHWc reorders, 1 thread; GB/s = bytes of X + Y "
        "per median (p10) time\n%-6s %-11s %-8s %-7s %9s %9s %8s %8s %8s\n",
        "kind", "name", "kernel", "isa", "median_ms", "p10_ms", "GB/s", "GB/s10", "GFLOP/s");
    // 64-byte aligned copies of `v` (as the engine's arena tensors) and zeroed aligned buffers.
    auto aligned_copy = [](const std::vector<float>& v) {
      AlignedBytes a = allocate_aligned(v.size() * sizeof(float));
      std::memcpy(a.get(), v.data(), v.size() * sizeof(float));
      return a;
    };
    auto as_floats = [](const AlignedBytes& a) { return reinterpret_cast<float*>(a.get()); };
    auto report = [&](Record r, double bytes) {
      r.threads = 1;
      r.peak = measure_peak(r.path, 1, peak_pool, 15).median;
      records.push_back(r);
      std::printf("%-6s %-11s %-8s %-7s %9.4f %9.4f %8.1f %8.1f %8.1f\n", r.kind.c_str(), r.name.c_str(),
                  r.kernel.c_str(), r.isa.c_str(), r.stats.median_ms, r.stats.p10_ms, bytes / (r.stats.median_ms * 1e6),
                  bytes / (r.stats.p10_ms * 1e6), r.gflops());
      std::fflush(stdout);
    };
    for (const DwShape& sh : shapes) {
      DepthwiseNchwcParams dp;
      Conv2dParams& p = dp.conv;
      p.in_channels = p.out_channels = p.group = sh.channels;
      p.in_h = p.in_w = sh.in_hw;
      p.kernel_h = p.kernel_w = sh.kernel;
      p.stride_h = p.stride_w = sh.stride;
      p.pad_top = p.pad_left = sh.kernel / 2;
      p.out_h = p.out_w = conv_output_size(sh.in_hw, sh.kernel, sh.stride, 1, sh.kernel / 2, sh.kernel / 2);
      p.activation = {Activation::Clip, 0.0f, 6.0f};
      const int64_t taps = sh.kernel * sh.kernel;
      const auto w = random_floats(static_cast<size_t>(sh.channels * taps), 2, 0.3f);
      const auto bias = random_floats(static_cast<size_t>(sh.channels), 3, 0.1f);
      Record base;
      base.kind = "dwc";
      base.name = sh.name;
      base.m = sh.channels, base.n = p.out_h * p.out_w, base.k = taps;
      base.gflop = 2.0 * static_cast<double>(sh.channels * taps * p.out_h * p.out_w) * 1e-9;
      for (KernelIsa isa : o.isas) {
        base.isa = kernel_isa_name(isa);
        base.path = isa;
        const int64_t b = nchwc_block(isa), blocks = nchwc_blocks(sh.channels, b);
        const double bytes = 4.0 * static_cast<double>(blocks * b * (p.in_h * p.in_w + p.out_h * p.out_w));
        const AlignedBytes x_bytes =
            aligned_copy(random_floats(static_cast<size_t>(blocks * b * p.in_h * p.in_w), 1, 1.0f));
        const AlignedBytes y_bytes =
            allocate_aligned(static_cast<size_t>(blocks * b * p.out_h * p.out_w) * sizeof(float));
        const float* x = as_floats(x_bytes);
        float* y = as_floats(y_bytes);
        Record r = base;
        r.kernel = "nchw";
        r.impl = "depthwise_conv";
        const AlignedBytes ws = allocate_aligned(static_cast<size_t>(depthwise_conv_workspace_bytes(p)));
        const DepthwiseConvFn fn = select_depthwise_conv(isa);
        r.stats = time_calls(o, [&] { fn(p, x, w.data(), bias.data(), y, ws.get()); });
        report(r, bytes);
        if (isa == KernelIsa::Scalar) continue;
        dp.block = b;
        std::vector<float> packed(static_cast<size_t>(depthwise_nchwc_packed_floats(dp)));
        depthwise_nchwc_pack(dp, w.data(), bias.data(), packed.data());
        r.kernel = "nchwc";
        r.impl = "depthwise_nchwc";
        const int64_t rows = depthwise_nchwc_rows(dp);
        r.stats = time_calls(o, [&] { depthwise_nchwc(isa, dp, x, packed.data(), nullptr, y, 0, rows); });
        report(r, bytes);
      }
    }
    // The reorders of a [1,144,56,56] tensor (a copy each way); Scalar is the plain loops with block 16.
    const NchwcShape shape{1, 144, 56 * 56, 16};
    const size_t floats = 144 * 56 * 56;
    const AlignedBytes x_bytes = aligned_copy(random_floats(floats, 8, 1.0f));
    const AlignedBytes blocked_bytes = allocate_aligned(floats * sizeof(float));
    const AlignedBytes back_bytes = allocate_aligned(floats * sizeof(float));
    const float* x = as_floats(x_bytes);
    float *blocked = as_floats(blocked_bytes), *back = as_floats(back_bytes);
    for (KernelIsa isa : o.isas) {
      NchwcShape s = shape;
      s.block = isa == KernelIsa::Scalar ? 16 : nchwc_block(isa);
      const int64_t blocks = nchwc_blocks(s.channels, s.block);
      Record r;
      r.kind = "dwc";
      r.name = "144x56x56";
      r.isa = kernel_isa_name(isa);
      r.path = isa;
      r.kernel = "to_nchwc";
      r.impl = "nchwc_from_nchw";
      r.stats = time_calls(o, [&] { nchwc_from_nchw(isa, s, x, blocked, 0, blocks); });
      report(r, 8.0 * static_cast<double>(floats));
      r.kernel = "to_nchw";
      r.impl = "nchw_from_nchwc";
      r.stats = time_calls(o, [&] { nchw_from_nchwc(isa, s, blocked, back, 0, blocks); });
      report(r, 8.0 * static_cast<double>(floats));
      if (std::memcmp(back, x, floats * sizeof(float)) != 0)
        std::printf("WARNING: the %s reorders do not round-trip\n", kernel_isa_name(isa));
    }
  }

  // Frame totals: the conv layers of one 256x256 frame, summed medians; one row per layer in each line.
  if (o.conv) {
    std::printf("\nactdet-tiny frame, %s%zu conv layers (sum of medians / sum of p10s):\n",
                layers.size() == std::size(kLayers) ? "all " : "", layers.size());
    auto frame_line = [&](const char* label, const std::string& isa, int t, auto&& pick) {
      double gflop = 0, ms = 0, ms10 = 0, peak_ms = 0;  // peak_ms: the peaks weighted by time
      size_t rows = 0;
      for (const Record& r : records)
        if (r.isa == isa && r.threads == t && pick(r))
          gflop += r.gflop, ms += r.stats.median_ms, ms10 += r.stats.p10_ms, peak_ms += r.peak * r.stats.median_ms,
              ++rows;
      if (rows == 0) return;
      const double pk = peak_ms / ms;
      std::printf(
          "  %-12s %-7s %d thread%s  %.3f GFLOP  %8.2f ms (p10 %8.2f)  %7.1f GFLOP/s  %5.1f %% of peak (p10 %5.1f "
          "%%)%s\n",
          label, isa.c_str(), t, t > 1 ? "s" : " ", gflop, ms, ms10, gflop / (ms * 1e-3),
          100.0 * gflop / (ms * 1e-3) / pk, 100.0 * gflop / (ms10 * 1e-3) / pk,
          rows == layers.size() ? "" : "  (INCOMPLETE: not every layer has a row)");
    };
    // vigil GEMM: the `conv` rows (the packed GEMM; depthwise layers through the depthwise kernel). vigil conv:
    // per layer the kernel the planner picks when Winograd is left out (the direct kernel or the GEMM:
    // planned_without_winograd), the "GEMM and direct conv" of issue 6. vigil engine: per layer the row of the
    // kernel the engine's planner picks (planned_kernel). onednn: its convolution_auto rows.
    for (KernelIsa isa : o.isas)
      for (int t : o.threads) {
        frame_line("vigil GEMM", kernel_isa_name(isa), t,
                   [](const Record& r) { return r.engine == "vigil" && r.kind == "conv"; });
        frame_line("vigil conv", kernel_isa_name(isa), t,
                   [](const Record& r) { return r.engine == "vigil" && r.planned_no_winograd; });
        frame_line("vigil engine", kernel_isa_name(isa), t,
                   [](const Record& r) { return r.engine == "vigil" && r.planned; });
      }
#if VIGIL_BENCH_ONEDNN
    for (int t : o.threads)
      frame_line("onednn", onednn_isa_label, t,
                 [](const Record& r) { return r.engine == "onednn" && r.kernel == "onednn"; });
#endif
  }
  const double other = other_cpus(run_start, sample_cpu());
  std::printf("\nother processes kept %.2f CPUs busy on average during this run (of %u)%s\n", other,
              std::thread::hardware_concurrency(), other > 0.1 ? ": the machine was NOT idle" : "");

  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << "{\n  \"cpu\": \"" << json_escape(cpu.brand) << "\",\n  \"features\": \"" << cpu.summary()
      << "\",\n  \"compiler\": \"" << json_escape(__VERSION__) << "\",\n  \"command\": \"" << json_escape(o.command)
      << "\",\n  \"other_cpus_busy\": " << other << ",\n  \"results\": [\n";
    for (size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      f << "    {\"kind\": \"" << r.kind << "\", \"name\": \"" << r.name << "\", \"engine\": \"" << r.engine
        << "\", \"kernel\": \"" << r.kernel << "\", \"impl\": \"" << json_escape(r.impl)
        << "\", \"planned\": " << (r.planned ? "true" : "false")
        << ", \"planned_no_winograd\": " << (r.planned_no_winograd ? "true" : "false") << ", \"isa\": \"" << r.isa
        << "\", \"threads\": " << r.threads << ", \"m\": " << r.m << ", \"n\": " << r.n << ", \"k\": " << r.k
        << ", \"gflop\": " << r.gflop << ", \"runs\": " << r.stats.runs << ", \"median_ms\": " << r.stats.median_ms
        << ", \"p10_ms\": " << r.stats.p10_ms << ", \"p90_ms\": " << r.stats.p90_ms << ", \"gflops\": " << r.gflops()
        << ", \"peak_gflops\": " << r.peak << ", \"pct_peak\": " << r.pct() << ", \"pct_peak_p10\": " << r.pct_p10()
        << "}" << (i + 1 < records.size() ? "," : "") << "\n";
    }
    f << "  ]\n}\n";
    std::printf("wrote %s\n", o.json.c_str());
  }
  for (ThreadPool* p : pools) delete p;
  return 0;
}
