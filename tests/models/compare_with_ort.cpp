// Whole-model conformance: runs an ONNX model exported by tools/models/export_all.py through vigil's ONNX
// importer and engine, and compares every output with ONNX Runtime's output on the same input.
//
//   compare_with_ort DIR STEM [--variant raw|optimized]...
//
// reads DIR/STEM.io.txt ("model FILE", "input NAME FILE", "output NAME FILE" lines). Each variant is run:
//   raw        import_onnx with optimize = false: every ONNX node mapped onto its vigil op, BatchNorm and
//              activations as separate nodes;
//   optimized  import_onnx's default: BatchNorm folded into the convs and activations fused (the graph a
//              deployment runs).
// An output passes when max |vigil - ort| <= 1e-4 * max |ort| (relative to the output's scale, so a
// small-valued output is not held to a looser absolute bound than a large one), with identical shapes and
// no NaN/Inf. Prints the measured errors of every output; exits 1 if anything fails or throws.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "loaders/npy/npy.h"
#include "loaders/onnx/onnx_import.h"

namespace {

constexpr double kRelativeTolerance = 1e-4;

struct NamedFile {
  std::string name;
  std::string path;
};

struct ModelFiles {
  std::string model;
  std::vector<NamedFile> inputs;
  std::vector<NamedFile> outputs;
};

ModelFiles read_io_list(const std::string& dir, const std::string& stem) {
  const std::string list = dir + "/" + stem + ".io.txt";
  std::ifstream in(list);
  if (!in) throw vigil::Error(list + ": cannot open (did the export_all fixture run?)");
  ModelFiles files;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind, a, b;
    fields >> kind >> a >> b;
    if (kind == "model") {
      files.model = dir + "/" + a;
    } else if (kind == "input" && !b.empty()) {
      files.inputs.push_back({a, dir + "/" + b});
    } else if (kind == "output" && !b.empty()) {
      files.outputs.push_back({a, dir + "/" + b});
    } else if (!kind.empty()) {
      throw vigil::Error(list + ": malformed line '" + line + "'");
    }
  }
  if (files.model.empty() || files.inputs.empty() || files.outputs.empty()) {
    throw vigil::Error(list + ": needs a model, at least one input and one output");
  }
  return files;
}

struct Comparison {
  double scale = 0;          // max |ort|
  double max_abs_error = 0;  // max |vigil - ort| over finite vigil values
  int64_t worst_index = -1;  // the first non-finite vigil value, else the largest error
  bool finite = true;
};

Comparison compare(const vigil::TensorView& mine, const vigil::Tensor& reference) {
  Comparison c;
  const float* ref = reference.f32();
  const float* got = mine.f32();
  for (int64_t i = 0; i < reference.numel(); ++i) {
    c.scale = std::max(c.scale, std::fabs(static_cast<double>(ref[i])));
    if (!std::isfinite(got[i])) {
      if (c.finite) c.worst_index = i;
      c.finite = false;
      continue;
    }
    const double err = std::fabs(static_cast<double>(got[i]) - ref[i]);
    if (err > c.max_abs_error) {
      c.max_abs_error = err;
      if (c.finite) c.worst_index = i;
    }
  }
  return c;
}

// " Conv2d x24, LeakyRelu x22, ..." in op-table order: shows what the importer made of the model.
std::string op_histogram(const vigil::Graph& graph) {
  std::map<int, int> counts;
  for (const vigil::Node& node : graph.nodes) ++counts[static_cast<int>(node.op)];
  std::string text;
  for (const auto& [op, count] : counts) {
    text += " " + std::string(vigil::op_name(static_cast<vigil::OpType>(op))) + " x" + std::to_string(count);
  }
  return text;
}

// Runs one variant; returns the number of failed outputs.
int run_variant(const ModelFiles& files, const std::string& variant) {
  const auto t0 = std::chrono::steady_clock::now();
  vigil::OnnxImportOptions options;
  if (variant == "raw") {
    options.optimize = false;
  } else if (variant != "optimized") {
    throw vigil::Error("unknown variant '" + variant + "' (raw|optimized)");
  }
  vigil::Graph graph = vigil::import_onnx(files.model, options);
  const size_t nodes = graph.nodes.size();
  const vigil::Engine engine(std::move(graph));
  vigil::ExecutionContext context(engine);
  for (const NamedFile& input : files.inputs) {
    const vigil::Tensor value = vigil::read_npy(input.path);
    const vigil::TensorView slot = context.input(input.name);
    if (value.dtype() != slot.dtype || !(value.shape() == slot.shape)) {
      throw vigil::Error(input.path + ": " + std::string(vigil::dtype_name(value.dtype())) + value.shape().str() +
                         " does not fit model input '" + input.name + "' " +
                         std::string(vigil::dtype_name(slot.dtype)) + slot.shape.str());
    }
    std::memcpy(slot.data, value.data(), value.bytes());
  }
  const auto t1 = std::chrono::steady_clock::now();
  context.run();
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("[%s] %zu nodes; load %.2f s, run %.2f s (%.3f GFLOP)\n", variant.c_str(), nodes,
              std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
              engine.total_flops() * 1e-9);
  std::printf("  ops:%s\n", op_histogram(engine.graph()).c_str());

  int failures = 0;
  for (const NamedFile& output : files.outputs) {
    const vigil::Tensor reference = vigil::read_npy(output.path);
    const vigil::TensorView mine = context.output(output.name);
    if (mine.dtype != vigil::DType::F32 || reference.dtype() != vigil::DType::F32 ||
        !(mine.shape == reference.shape())) {
      std::printf("  FAIL %-14s vigil %s%s vs ORT %s%s\n", output.name.c_str(),
                  std::string(vigil::dtype_name(mine.dtype)).c_str(), mine.shape.str().c_str(),
                  std::string(vigil::dtype_name(reference.dtype())).c_str(), reference.shape().str().c_str());
      ++failures;
      continue;
    }
    const Comparison c = compare(mine, reference);
    const double relative = c.scale > 0 ? c.max_abs_error / c.scale : c.max_abs_error;
    const bool ok = c.finite && relative <= kRelativeTolerance;
    std::printf("  %s %-14s %-16s scale %.4g  max abs err %.3e  rel to scale %.3e (tol %.0e)%s", ok ? "ok  " : "FAIL",
                output.name.c_str(), reference.shape().str().c_str(), c.scale, c.max_abs_error, relative,
                kRelativeTolerance, c.finite ? "" : "  NON-FINITE OUTPUT");
    if (!ok && c.worst_index >= 0) {
      std::printf("  worst at flat index %lld: vigil %.7g, ORT %.7g", static_cast<long long>(c.worst_index),
                  static_cast<double>(mine.f32()[c.worst_index]), static_cast<double>(reference.f32()[c.worst_index]));
    }
    std::printf("\n");
    failures += ok ? 0 : 1;
  }
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR STEM [--variant raw|optimized]...\n", argv[0]);
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows up live in ctest logs
  const std::string dir = argv[1];
  const std::string stem = argv[2];
  std::vector<std::string> variants;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--variant") == 0 && i + 1 < argc) {
      variants.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr, "unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (variants.empty()) variants = {"raw", "optimized"};

  int failures = 0;
  std::printf("%s\n", stem.c_str());
  for (const std::string& variant : variants) {
    try {
      failures += run_variant(read_io_list(dir, stem), variant);
    } catch (const std::exception& e) {
      std::printf("[%s] FAIL: %s\n", variant.c_str(), e.what());
      ++failures;
    }
  }
  std::printf("%s: %s\n", stem.c_str(), failures == 0 ? "all outputs within tolerance" : "FAILED");
  return failures == 0 ? 0 : 1;
}
