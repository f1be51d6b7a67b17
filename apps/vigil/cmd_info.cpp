// vigil info: everything a reviewer wants to know about a model before running it.
#include <cstdio>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "engine/error.h"
#include "engine/cpu_features.h"
#include "engine/executor.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{"info",
                        "MODEL.vgl",
                        "Prints the model's inputs, outputs and metadata, every node with its input and\n"
                        "output shapes, attributes, parameter count and FLOPs, and the static memory plan\n"
                        "(planned arena bytes against the naive sum of all buffers).",
                        {{"--input-shape", "NAME=1x3x256x256", "fix a dynamic ONNX input's shape", true}},
                        1,
                        1};

std::string value_desc(const Graph& g, int v) {
  if (v == kNoValue) return "-";
  const Value& val = g.values[static_cast<size_t>(v)];
  return concat(val.name, ":", dtype_name(val.dtype), val.shape.str(), val.constant >= 0 ? "(const)" : "");
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (b >= 1024 && u < 3) b /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", b, units[u]);
  return buf;
}

}  // namespace

int cmd_info(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;
  const std::string& path = args.positionals[0];
  Engine engine(load_model(path, args, {}));
  const Graph& g = engine.graph();

  std::printf("model: %s\n", path.c_str());
  std::printf("kernels: %s (cpu: %s; %s)\n", std::string(kernel_path_name(engine.kernel_path())).c_str(),
              cpu_features().brand.c_str(), cpu_features().summary().c_str());
  std::printf("inputs:\n");
  for (int v : g.inputs) std::printf("  %s\n", value_desc(g, v).c_str());
  std::printf("outputs:\n");
  for (int v : g.outputs) std::printf("  %s\n", value_desc(g, v).c_str());
  if (!g.metadata.empty()) {
    std::printf("metadata:\n");
    for (const auto& [key, value] : g.metadata) std::printf("  %s = %s\n", key.c_str(), attr_value_str(value).c_str());
  }

  size_t total_params = 0, constant_bytes = 0;
  for (const Tensor& t : g.constants) {
    total_params += static_cast<size_t>(t.numel());
    constant_bytes += t.bytes();
  }
  std::printf("nodes: %zu, parameters: %zu (%s), total %.4f GFLOP\n", g.nodes.size(), total_params,
              human_bytes(static_cast<double>(constant_bytes)).c_str(), engine.total_flops() / 1e9);
  std::printf("  %4s  %-18s %-24s %12s %10s  %s\n", "#", "op", "name", "params", "MFLOP", "inputs -> outputs [attributes]");
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    size_t params = 0;
    std::string io;
    for (int v : node.inputs) {
      if (v != kNoValue && g.is_constant(v)) params += static_cast<size_t>(g.constant_of(v).numel());
      io += (io.empty() ? "" : ", ") + value_desc(g, v);
    }
    io += " ->";
    for (int v : node.outputs) io += " " + value_desc(g, v);
    std::string attrs;
    for (const auto& e : node.attrs.entries())
      attrs += concat(attrs.empty() ? "" : " ", e.name, "=", attr_value_str(e.value));
    if (!attrs.empty()) io += "  [" + attrs + "]";
    std::printf("  %4zu  %-18s %-24s %12zu %10.3f  %s\n", n, std::string(op_name(node.op)).c_str(), node.name.c_str(),
                params, engine.node_flops(n) / 1e6, io.c_str());
  }
  const MemoryPlan& plan = engine.memory_plan();
  std::printf("memory plan: arena %zu bytes (%s), naive sum %zu bytes (%s), %.1f%% of naive\n", plan.arena_bytes,
              human_bytes(static_cast<double>(plan.arena_bytes)).c_str(), plan.naive_bytes,
              human_bytes(static_cast<double>(plan.naive_bytes)).c_str(),
              plan.naive_bytes ? 100.0 * static_cast<double>(plan.arena_bytes) / static_cast<double>(plan.naive_bytes) : 0.0);
  if (const EntryPlan& entries = engine.entry_plan(); !entries.empty())
    std::printf("entry by entry: nodes %d..%d run once per batch entry (%lld entries)\n", entries.begin,
                entries.end - 1, static_cast<long long>(entries.entries));
  return 0;
}

}  // namespace vigil::cli
