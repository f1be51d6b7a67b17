// vigil-kbench: how close the packed-GEMM kernels get to the machine's fp32 peak, measured in one run.
//
//   vigil-kbench [--isa scalar,avx2,avx512] [--threads 1,2] [--budget SECONDS] [--repeats N]
//                [--only conv|gemm] [--json FILE]
//
// 1. Peak: the fp32 multiply-add peak of every ISA (peak.h), on 1 and on all requested threads at once,
//    and again right before every measurement (the clock of a VM wanders).
// 2. Kernels: every conv layer of actdet-tiny at 256x256 (shared/specs/actdet-tiny.md) through conv2d_gemm,
//    and square GEMMs through gemm_packed, for each ISA path the CPU has and each thread count. Shapes are
//    the outer loop, so the paths of one shape are timed next to each other.
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
#include "engine/thread_pool.h"
#include "kernels/conv2d_gemm/conv2d_gemm.h"
#include "kernels/gemm_packed/gemm_packed.h"

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
  bool conv = true, gemm = true;
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
               " [--repeats N] [--only conv|gemm] [--json FILE]\n",
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
      if (!o.conv && !o.gemm) usage("--only takes conv or gemm");
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
    case KernelIsa::Avx512: return kbench::kAvx512FlopsPerIter;
    case KernelIsa::Avx2: return kbench::kAvx2FlopsPerIter;
    case KernelIsa::Scalar: break;
  }
  return kbench::kBaselineFlopsPerIter;
}

float peak_loop(KernelIsa isa, int64_t iters) {
  switch (isa) {
    case KernelIsa::Avx512: return kbench::peak_loop_avx512(iters);
    case KernelIsa::Avx2: return kbench::peak_loop_avx2(iters);
    case KernelIsa::Scalar: break;
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

std::vector<float> random_floats(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Record {
  std::string kind, name, isa;
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
  std::printf("%-5s %-4s %-7s %-3s %5s %6s %5s %8s %9s %9s %9s %8s %6s %6s\n", "kind", "name", "isa", "thr", "M", "N",
              "K", "GFLOP", "median_ms", "p10_ms", "p90_ms", "GFLOP/s", "%peak", "%p10");
}

void print_record(const Record& r) {
  std::printf("%-5s %-4s %-7s %-3d %5lld %6lld %5lld %8.4f %9.3f %9.3f %9.3f %8.1f %6.1f %6.1f\n", r.kind.c_str(),
              r.name.c_str(), r.isa.c_str(), r.threads, static_cast<long long>(r.m), static_cast<long long>(r.n),
              static_cast<long long>(r.k), r.gflop, r.stats.median_ms, r.stats.p10_ms, r.stats.p90_ms, r.gflops(),
              r.pct(), r.pct_p10());
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
      std::printf("  %-7s %d thread%s  median %7.1f  max %7.1f\n", kernel_isa_name(isa), t, t > 1 ? "s" : " ", pk.median,
                  pk.max);
    }

  std::vector<Record> records;
  auto measure = [&](const std::string& kind, const std::string& name, int64_t m, int64_t n, int64_t k, double gflop,
                     auto&& run_isa_threads) {
    for (KernelIsa isa : o.isas)
      for (int t : o.threads) {
        Record r;
        r.kind = kind;
        r.name = name;
        r.isa = kernel_isa_name(isa);
        r.threads = t;
        r.m = m, r.n = n, r.k = k;
        r.gflop = gflop;
        r.peak = t * measure_peak(isa, 1, peak_pool, 15).median;
        r.stats = run_isa_threads(isa, t);
        records.push_back(r);
        print_record(r);
      }
  };

  std::printf(
      "\nper call; %%peak = GFLOP/s at the median / (threads x that ISA's one-thread peak, median of 15 trials\n"
      "measured just before); %%p10 the same at the p10 time\n");
  print_header();
  if (o.conv) {
    for (const ConvLayer& l : kLayers) {
      const Conv2dParams p = conv_params(l);
      const int64_t mg = p.out_channels / p.group, kg = p.in_channels / p.group * p.kernel_h * p.kernel_w;
      const int64_t n = p.out_h * p.out_w;
      const double gflop = 2.0 * static_cast<double>(p.out_channels * kg * n) * 1e-9;
      const auto x = random_floats(static_cast<size_t>(p.in_channels * p.in_h * p.in_w), 1, 1.0f);
      const auto w = random_floats(static_cast<size_t>(p.out_channels * kg), 2, 0.1f);
      const auto bias = random_floats(static_cast<size_t>(p.out_channels), 3, 0.1f);
      std::vector<float> y(static_cast<size_t>(p.out_channels * n));
      measure("conv", l.name, mg, n, kg, gflop, [&](KernelIsa isa, int threads) {
        std::vector<float> packed(static_cast<size_t>(conv2d_gemm_packed_weights_floats(isa, p)));
        conv2d_gemm_pack_weights(isa, p, w.data(), packed.data());
        std::vector<char> ws(static_cast<size_t>(conv2d_gemm_workspace_bytes(isa, p, threads)));
        const GemmThreading th{pool_parallel_for, pools[static_cast<size_t>(threads)], threads};
        return time_calls(
            o, [&] { conv2d_gemm(isa, p, x.data(), packed.data(), bias.data(), nullptr, y.data(), ws.data(), th); });
      });
    }
  }
  if (o.gemm) {
    for (int64_t s : kSquareSizes) {
      const auto a = random_floats(static_cast<size_t>(s * s), 4, 1.0f);
      const auto b = random_floats(static_cast<size_t>(s * s), 5, 1.0f);
      std::vector<float> c(static_cast<size_t>(s * s));
      const double gflop = 2.0 * static_cast<double>(s * s * s) * 1e-9;
      measure("gemm", std::to_string(s), s, s, s, gflop, [&](KernelIsa isa, int threads) {
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

  // Frame totals: all conv layers of one 256x256 frame, summed medians.
  if (o.conv) {
    std::printf("\nactdet-tiny frame, all %zu conv layers (sum of medians / sum of p10s):\n", std::size(kLayers));
    for (KernelIsa isa : o.isas)
      for (int t : o.threads) {
        double gflop = 0, ms = 0, ms10 = 0, peak_ms = 0;  // peak_ms: the peaks weighted by time
        for (const Record& r : records)
          if (r.kind == "conv" && r.isa == kernel_isa_name(isa) && r.threads == t)
            gflop += r.gflop, ms += r.stats.median_ms, ms10 += r.stats.p10_ms, peak_ms += r.peak * r.stats.median_ms;
        const double pk = peak_ms / ms;
        std::printf(
            "  %-7s %d thread%s  %.3f GFLOP  %8.2f ms (p10 %8.2f)  %7.1f GFLOP/s  %5.1f %% of peak (p10 %5.1f %%)\n",
            kernel_isa_name(isa), t, t > 1 ? "s" : " ", gflop, ms, ms10, gflop / (ms * 1e-3),
            100.0 * gflop / (ms * 1e-3) / pk, 100.0 * gflop / (ms10 * 1e-3) / pk);
      }
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
      f << "    {\"kind\": \"" << r.kind << "\", \"name\": \"" << r.name << "\", \"isa\": \"" << r.isa
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
