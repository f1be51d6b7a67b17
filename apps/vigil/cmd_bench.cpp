// vigil bench: how fast a model runs here. Warm-up, then N timed runs in this process; latency
// percentiles, fps, a per-node table (median time, share, GFLOP/s) and optionally a Chrome/Perfetto trace.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "apps/vigil/engine_flags.h"
#include "apps/vigil/input_flags.h"
#include "apps/vigil/json.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "kernels/float16/float16.h"
#include "loaders/npy/npy.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{
    "bench",
    "MODEL [--input NAME=FILE.npy ...] [options]",
    "Times the model: --warmup untimed runs, then --runs timed runs in this process. Prints latency\n"
    "p10/p50/p90/p99, fps and a per-node table. Inputs not given are filled with seeded uniform [0,1)\n"
    "values (timing does not depend on values for these kernels).",
    {{"--input", "NAME=FILE.npy", "an input tensor", true},
     kInputShapeFlag,
     {"--runs", "N", "timed runs (default 50)"},
     {"--warmup", "N", "untimed runs first (default 5)"},
     {"--trace", "FILE.json", "write the last run as a Chrome/Perfetto trace"},
     {"--json", "FILE", "write the results as JSON"},
     {"--top", "N", "rows of the per-node table (default 15; 0 for all)"},
     kIsaFlag,
     kThreadsFlag},
    1,
    1};

int count_flag(const ParsedArgs& args, const char* flag, int fallback, int lo) {
  if (!args.has(flag)) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(args.get(flag), &used);
    if (used == args.get(flag).size() && v >= lo) return v;
  } catch (const std::exception&) {
  }
  fail(flag, ": '", args.get(flag), "' is not a whole number >= ", lo);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;
  const int runs = count_flag(args, "--runs", 50, 1);
  const int warmup = count_flag(args, "--warmup", 5, 0);
  const int top = count_flag(args, "--top", 15, 0);
  int threads = 1;
  const EngineOptions options = engine_options(args, threads);
  std::vector<InputFile> files = read_input_files(args);
  Engine engine(load_model(args.positionals[0], args, files), options);
  const Graph& g = engine.graph();
  ExecutionContext ctx(engine, threads);

  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> uni(0, 1);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    TensorView in = ctx.input(i);
    // Floating inputs get uniform [0, 1) values (f16 / bf16 / f64 ones converted from f32).
    const bool floating =
        in.dtype == DType::F32 || in.dtype == DType::F16 || in.dtype == DType::BF16 || in.dtype == DType::F64;
    if (!floating)
      fail("input '", g.values[static_cast<size_t>(g.inputs[i])].name, "' is not a float input: give it with --input");
    Tensor values(DType::F32, in.shape);
    for (int64_t e = 0; e < in.numel(); ++e) values.mutable_f32()[e] = uni(rng);
    if (in.dtype == DType::F16)
      kernels::f32_to_f16(values.f32(), static_cast<uint16_t*>(in.data), in.numel());
    else
      std::memcpy(in.data, in_input_dtype(values, in.dtype).data(), in.bytes());
  }
  feed_inputs(bind_input_files(std::move(files), g), engine, ctx, /*require_all=*/false);

  for (int i = 0; i < warmup; ++i) ctx.run();
  ctx.set_profiling(true);
  const size_t nodes = g.nodes.size();
  std::vector<double> latency_ms;
  std::vector<std::vector<double>> node_ms(nodes);
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ctx.run();
    latency_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    for (size_t n = 0; n < nodes; ++n) node_ms[n].push_back(static_cast<double>(ctx.node_nanoseconds()[n]) / 1e6);
  }

  const double p50 = percentile(latency_ms, 50);
  std::printf("model: %s\nkernels: %s, threads: %d, runs: %d (after %d warm-up)\n", args.positionals[0].c_str(),
              std::string(kernel_path_name(engine.kernel_path())).c_str(), threads, runs, warmup);
  std::printf("latency ms: p10 %.3f  p50 %.3f  p90 %.3f  p99 %.3f   fps %.1f   %.2f GFLOP/s at p50\n",
              percentile(latency_ms, 10), p50, percentile(latency_ms, 90), percentile(latency_ms, 99), 1000.0 / p50,
              engine.total_flops() / (p50 * 1e6));

  std::vector<size_t> order(nodes);
  std::vector<double> median(nodes);
  double sum = 0;
  for (size_t n = 0; n < nodes; ++n) {
    order[n] = n;
    median[n] = percentile(node_ms[n], 50);
    sum += median[n];
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return median[a] > median[b]; });
  const size_t rows = top == 0 ? nodes : std::min(nodes, static_cast<size_t>(top));
  std::printf("\n%5s  %-16s %-34s %10s %7s %9s\n", "#", "op", "name", "median ms", "share", "GFLOP/s");
  for (size_t r = 0; r < rows; ++r) {
    const size_t n = order[r];
    const double gflops = median[n] > 0 ? engine.node_flops(n) / (median[n] * 1e6) : 0.0;
    std::printf("%5zu  %-16s %-34.34s %10.3f %6.1f%% %9.2f\n", n, std::string(op_name(g.nodes[n].op)).c_str(),
                g.nodes[n].name.c_str(), median[n], sum > 0 ? 100.0 * median[n] / sum : 0.0, gflops);
  }
  if (rows < nodes) std::printf("  ... %zu more nodes (--top 0 lists all)\n", nodes - rows);

  if (args.has("--trace")) {
    std::ofstream out(args.get("--trace"));
    if (!out) fail(args.get("--trace"), ": cannot write");
    out << "{\"traceEvents\":[";
    double ts = 0;
    for (size_t n = 0; n < nodes; ++n) {
      const double dur_us = node_ms[n].back() * 1000.0;
      out << (n ? "," : "") << "{\"name\":" << json_string(g.nodes[n].name) << ",\"cat\":"
          << json_string(std::string(op_name(g.nodes[n].op))) << ",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":"
          << json_number(ts) << ",\"dur\":" << json_number(dur_us) << "}";
      ts += dur_us;
    }
    out << "]}\n";
  }
  if (args.has("--json")) {
    std::ofstream out(args.get("--json"));
    if (!out) fail(args.get("--json"), ": cannot write");
    out << "{\"model\":" << json_string(args.positionals[0]) << ",\"kernels\":"
        << json_string(std::string(kernel_path_name(engine.kernel_path()))) << ",\"threads\":" << threads
        << ",\"runs\":" << runs << ",\"gflop\":" << json_number(engine.total_flops() / 1e9, 6)
        << ",\"latency_ms\":{\"p10\":" << json_number(percentile(latency_ms, 10)) << ",\"p50\":" << json_number(p50)
        << ",\"p90\":" << json_number(percentile(latency_ms, 90)) << ",\"p99\":" << json_number(percentile(latency_ms, 99))
        << "},\"nodes\":[";
    for (size_t n = 0; n < nodes; ++n)
      out << (n ? "," : "") << "{\"name\":" << json_string(g.nodes[n].name) << ",\"op\":"
          << json_string(std::string(op_name(g.nodes[n].op))) << ",\"median_ms\":" << json_number(median[n], 4) << "}";
    out << "]}\n";
  }
  return 0;
}

}  // namespace vigil::cli
