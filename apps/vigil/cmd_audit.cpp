// vigil audit: which node of a model computes something other than it should (docs/AUDIT.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/vigil/args.h"
#include "apps/vigil/commands.h"
#include "apps/vigil/input_flags.h"
#include "apps/vigil/json.h"
#include "engine/audit.h"
#include "engine/error.h"
#include "engine/kernel_path.h"
#include "loaders/json/json.h"
#include "loaders/npy/npy.h"

namespace vigil::cli {

namespace {

const CommandSpec kSpec{
    "audit",
    "MODEL.vgl --input NAME=FILE.npy [--input ...] [--isa PATH] [--reference DIR] [--json]",
    "Runs the model with the reference kernels, keeping every value, then runs each node again with the\n"
    "kernels of --isa on the reference values of its inputs, and compares them node by node: max abs error,\n"
    "max relative error, ULPs at the worst element, PASS/FAIL against the op's tolerance (docs/AUDIT.md).\n"
    "With --reference DIR (written by tools/audit/dump_onnx_intermediates.py: DIR/index.json maps value\n"
    "names to .npy files) each node instead runs on the framework's values of its inputs and its output is\n"
    "compared with the framework's value of the same name; inputs not given are read from DIR.\n"
    "Prints the first failing node. Exit code: 0 when every compared node passed, 4 when one failed.",
    {{"--input", "NAME=FILE.npy", "an input tensor (a model with one input also takes FILE.npy)", true},
     kInputShapeFlag,
     {"--isa", "PATH",
      "kernels to audit: reference|scalar|avx2|avx512 (default: the best this CPU runs; "
      "with --reference: reference)"},
     {"--baseline-isa", "PATH", "kernels to compare against (default: reference)"},
     {"--reference", "DIR", "compare against another framework's dump of every value"},
     {"--no-optimize", "", "audit the graph as converted (no BatchNorm folding or activation fusion)"},
     {"--json", "", "one JSON document instead of the table"},
     {"--all", "", "table: list every node, not only failures and compared outputs"}},
    1,
    1};

// A flat JSON object of strings: {"name": "file.npy", ...} (what the dump tool writes).
std::map<std::string, std::string> read_index(const std::string& path) {
  if (!std::filesystem::exists(path)) fail(path, ": cannot open (the --reference directory needs an index.json)");
  const JsonValue doc = read_json_file(path);
  if (doc.kind != JsonValue::Kind::Object)
    fail(path, ": JSON at byte ", doc.offset, ": is ", JsonValue::kind_name(doc.kind),
         ", expected an object {\"name\": \"file\", ...}");
  std::map<std::string, std::string> index;
  for (const auto& [name, value] : doc.object) {
    if (value.kind != JsonValue::Kind::String)
      fail(path, ": JSON at byte ", value.offset, ": '", name, "' is ", JsonValue::kind_name(value.kind),
           ", expected a file name");
    index[name] = value.string;
  }
  return index;
}

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string text_num(double v) {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void print_json(const AuditReport& r) {
  std::string out = "{";
  out += concat("\"baseline\":", json_string(std::string(kernel_path_name(r.baseline))),
                ",\"candidate\":", json_string(std::string(kernel_path_name(r.candidate))),
                ",\"mode\":", json_string(r.against_framework ? "framework" : "paths"),
                ",\"passed\":", r.passed() ? "true" : "false", ",\"compared_nodes\":", r.compared_nodes,
                ",\"failed_nodes\":", r.failed_nodes, ",\"first_failure\":");
  if (r.first_failure) {
    const AuditNode& n = r.nodes[*r.first_failure];
    out += concat("{\"node\":", n.node, ",\"op\":", json_string(std::string(op_name(n.op))),
                  ",\"name\":", json_string(n.name), "}");
  } else {
    out += "null";
  }
  out += ",\"nodes\":[";
  for (size_t i = 0; i < r.nodes.size(); ++i) {
    const AuditNode& n = r.nodes[i];
    if (i) out += ",";
    out += concat("{\"node\":", n.node, ",\"op\":", json_string(std::string(op_name(n.op))),
                  ",\"name\":", json_string(n.name), ",\"compared\":", n.compared ? "true" : "false",
                  ",\"pass\":", n.pass ? "true" : "false", ",\"fused_values\":[");
    for (size_t k = 0; k < n.fused_values.size(); ++k) out += (k ? "," : "") + json_string(n.fused_values[k]);
    out += "],\"outputs\":[";
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const AuditOutput& o = n.outputs[k];
      if (k) out += ",";
      out += concat("{\"name\":", json_string(o.name), ",\"shape\":[");
      for (int d = 0; d < o.shape.rank; ++d) out += concat(d ? "," : "", o.shape[d]);
      out += concat("],\"compared\":", o.compared ? "true" : "false", ",\"pass\":", o.pass ? "true" : "false");
      if (o.compared)
        out += concat(",\"max_abs_error\":", num(o.max_abs_error), ",\"max_rel_error\":", num(o.max_rel_error),
                      ",\"ulps_at_worst\":", num(o.ulps_at_worst), ",\"worst_index\":", o.worst_index,
                      ",\"want_at_worst\":", num(o.want_at_worst), ",\"got_at_worst\":", num(o.got_at_worst),
                      ",\"scale\":", num(o.scale), ",\"worst_ratio\":", num(o.worst_ratio));
      else
        out += concat(",\"note\":", json_string(o.note));
      out += concat(",\"tolerance\":{\"rel\":", num(o.tolerance.rel), ",\"abs\":", num(o.tolerance.abs), "}}");
    }
    out += "]}";
  }
  out += "]}\n";
  std::fputs(out.c_str(), stdout);
}

void print_table(const AuditReport& r, bool all) {
  std::printf("audit: %s kernels vs %s\n", std::string(kernel_path_name(r.candidate)).c_str(),
              r.against_framework ? "the reference dump (--reference)"
                                  : concat(kernel_path_name(r.baseline), " kernels").c_str());
  int width = 6;  // the output-name column fits the longest name (up to 64 characters)
  for (const AuditNode& n : r.nodes)
    for (const AuditOutput& o : n.outputs)
      if (all || o.compared) width = std::max(width, std::min(64, static_cast<int>(o.name.size())));
  std::printf("%5s %-12s %-*s %-18s %10s %10s %8s  %s\n", "node", "op", width, "output", "shape", "max_abs", "max_rel",
              "ulps", "result");
  size_t skipped = 0;
  for (const AuditNode& n : r.nodes) {
    for (const AuditOutput& o : n.outputs) {
      if (!o.compared) {
        ++skipped;
        if (all)
          std::printf("%5zu %-12s %-*s %-18s %10s %10s %8s  -    (%s)\n", n.node, std::string(op_name(n.op)).c_str(),
                      width, o.name.c_str(), o.shape.str().c_str(), "", "", "", o.note.c_str());
        continue;
      }
      std::printf("%5zu %-12s %-*s %-18s %10s %10s %8s  %s\n", n.node, std::string(op_name(n.op)).c_str(), width,
                  o.name.c_str(), o.shape.str().c_str(), text_num(o.max_abs_error).c_str(),
                  text_num(o.max_rel_error).c_str(), text_num(o.ulps_at_worst).c_str(), o.pass ? "PASS" : "FAIL");
    }
  }
  std::printf("%zu of %zu nodes compared, %zu failed", r.compared_nodes, r.nodes.size(), r.failed_nodes);
  if (skipped) std::printf(" (%zu outputs had nothing to compare against%s)", skipped, all ? "" : "; --all lists them");
  std::printf("\n");
  if (r.first_failure) {
    const AuditNode& n = r.nodes[*r.first_failure];
    std::printf("FIRST FAILING NODE: %zu %s '%s'", n.node, std::string(op_name(n.op)).c_str(), n.name.c_str());
    for (const AuditOutput& o : n.outputs) {
      if (o.pass) continue;
      std::printf(" output '%s': element %lld is %.9g, expected %.9g (allowed %.3g*|x| + %.3g*%.4g)", o.name.c_str(),
                  static_cast<long long>(o.worst_index), o.got_at_worst, o.want_at_worst, o.tolerance.rel,
                  o.tolerance.abs, o.scale);
      break;
    }
    if (!n.fused_values.empty()) {
      std::printf("; it also computes");
      for (const auto& f : n.fused_values) std::printf(" '%s'", f.c_str());
    }
    std::printf("\n");
  } else {
    std::printf("PASS\n");
  }
}

}  // namespace

int cmd_audit(int argc, char** argv) {
  bool help = false;
  ParsedArgs args = parse_args(kSpec, argc, argv, help);
  if (help) return std::fputs(help_text(kSpec).c_str(), stdout), 0;
  std::vector<InputFile> files = read_input_files(args);
  Graph graph = load_model(args.positionals[0], args, files);

  AuditOptions options;
  options.optimize = !args.has("--no-optimize");
  if (args.has("--reference")) {
    std::filesystem::path dir = args.get("--reference");
    for (const auto& [name, file] : read_index((dir / "index.json").string()))
      options.expected[name] = read_npy((dir / file).string());
  }
  options.candidate = args.has("--isa")         ? require_kernel_path(args.get("--isa"), "--isa")
                      : args.has("--reference") ? KernelPath::Reference
                                                : default_kernel_path();
  options.baseline = args.has("--baseline-isa") ? require_kernel_path(args.get("--baseline-isa"), "--baseline-isa")
                                                : KernelPath::Reference;

  std::map<std::string, Tensor> inputs = bind_input_files(std::move(files), graph);
  for (auto& [name, t] : inputs)
    if (const int v = graph.find_value(name); v >= 0) t = in_input_dtype(t, graph.values[static_cast<size_t>(v)].dtype);

  AuditReport report = audit_graph(std::move(graph), inputs, options);
  if (args.has("--json"))
    print_json(report);
  else
    print_table(report, args.has("--all"));
  return report.passed() ? 0 : 4;
}

}  // namespace vigil::cli
