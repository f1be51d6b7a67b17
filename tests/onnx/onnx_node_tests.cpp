// vigil_onnx_conformance: runs ONNX's backend node tests (NODE_DIR/test_*/model.onnx with
// test_data_set_*/input_N.pb and output_N.pb) through vigil's importer and engine.
//
// Every test is classified before it runs, and the reason is printed:
//  - not applicable: the model uses an op vigil neither maps nor folds, or only load-time ops, or a
//    load-time-only op (Shape arithmetic, Gather, Expand...) on run-time values, or an output/data input
//    of a dtype vigil does not compute (vigil computes f32, i64, i32, i8, u8 and bool), or a graph input
//    feeding an op that vigil computes on other dtypes only (Add on uint16: onnx::computes_dtype), or a Cast to
//    a dtype vigil does not compute (DOUBLE, FLOAT16...);
//  - otherwise it RUNS, and any failure (import error, engine error, crash, wrong values) is a FAIL.
//    A test of a supported op is never skipped.
// Input 0 is fed at run time; inputs 1.. are baked in as constants (OnnxImportOptions::constant_inputs),
// because vigil takes shape-like arguments (Reshape's shape, Slice's starts, Clip's bounds, Resize's
// scales) only as load-time constants. Float values are compared as ONNX's backend runner does:
// |actual - expected| <= atol + rtol * |expected| with rtol = 1e-3, atol = 1e-7; integer and bool values
// exactly.
//
// Usage: vigil_onnx_conformance NODE_DIR [--filter SUBSTRING] [--list] [--markdown FILE]
//                                         [--known-failures FILE]
// A known-failures file lists tests that fail for a documented limitation of vigil ("test_name  reason"
// per line, # comments). They still run and are reported as failures, marked "known"; an unexpected
// failure, or a listed test that now passes or no longer exists, makes the run fail so the list stays true.
// Exit status: 0 when every failure is a listed known failure, 1 otherwise, 2 on bad usage or a missing
// NODE_DIR.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "kernels/cast/cast.h"
#include "loaders/onnx/const_tensor.h"
#include "loaders/onnx/constant_folding.h"
#include "loaders/onnx/onnx_import.h"
#include "loaders/onnx/onnx_proto.h"
#include "loaders/onnx/op_mapping.h"

namespace fs = std::filesystem;
using namespace vigil;
using vigil::onnx::ConstTensor;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

enum class Outcome { Pass, Fail, NotApplicable };

struct Result {
  std::string test;
  std::string group;  // the op of a one-node test, "(multi-node)" otherwise
  Outcome outcome = Outcome::NotApplicable;
  std::string reason;
  bool known = false;  // a listed known failure
};

// test name -> documented reason.
std::map<std::string, std::string> read_known_failures(const fs::path& p) {
  std::ifstream in(p);
  if (!in) fail("cannot open known-failures file ", p.string());
  std::map<std::string, std::string> known;
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string name, reason;
    if (!(fields >> name)) continue;
    std::getline(fields, reason);
    known[name] = reason;
  }
  return known;
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail("cannot open ", p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ConstTensor read_tensor(const fs::path& p) {
  std::vector<uint8_t> bytes = read_file(p);
  const onnx::TensorProto t = onnx::decode_tensor(bytes);
  return onnx::const_from_proto(t, p.filename().string());
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

bool is_mapped(const std::string& op) {
  const auto& m = onnx::mapped_ops();
  return std::find(m.begin(), m.end(), op) != m.end();
}

// Why a test cannot apply to vigil, or "" when it must run.
std::string not_applicable_reason(const onnx::ModelProto& m) {
  const onnx::GraphProto& g = m.graph;
  std::set<std::string> unknown, domains;
  bool any_mapped = false;
  for (const auto& n : g.nodes) {
    if (!n.domain.empty() && n.domain != "ai.onnx")
      domains.insert(n.domain + "." + n.op_type);
    else if (is_mapped(n.op_type))
      any_mapped = true;
    else if (!onnx::is_foldable(n.op_type))
      unknown.insert(n.op_type);
  }
  if (!domains.empty()) return "ops of other domains: " + join(domains);
  if (!unknown.empty()) return "unsupported ops: " + join(unknown);
  if (!any_mapped) {
    std::set<std::string> ops;
    for (const auto& n : g.nodes) ops.insert(n.op_type);
    return "only load-time ops (" + join(ops) + "); vigil has no run-time kernel for them";
  }
  // Types: tensors only; the run-time input and every output of a dtype vigil computes (f32, i64, i32, i8, u8,
  // bool), and every node that takes the run-time input as its data input must compute that input's dtype (Add
  // computes f32, i64, i32, i8 and u8, so test_add_uint16 is not applicable; Equal computes integers too).
  // FLOAT16, BFLOAT16 and DOUBLE graph inputs and outputs are converted to and from f32 at the boundary, so the
  // graph computes them as f32.
  const auto held = [](int32_t t) {
    const DType d = onnx::boundary_dtype(t);
    return d == DType::F16 || d == DType::BF16 || d == DType::F64 ? DType::F32 : d;
  };
  const auto runtime_dtype = [&](int32_t t) { return onnx::computes_dtype("Identity", held(t)); };
  for (size_t k = 0; k < g.inputs.size(); ++k) {
    const auto& v = g.inputs[k];
    if (v.type_kind != "tensor") return "input '" + v.name + "' is a " + v.type_kind;
    if (k == 0 && !runtime_dtype(v.elem_type))
      return "input dtype " + onnx::data_type_name(v.elem_type) + " (vigil computes f32, i64, i32, i8, u8, bool)";
    if (k > 0 && onnx::loadable_element_size(v.elem_type) == 0)
      return "input dtype " + onnx::data_type_name(v.elem_type);
  }
  for (const auto& v : g.outputs) {
    if (v.type_kind != "tensor") return "output '" + v.name + "' is a " + v.type_kind;
    if (!runtime_dtype(v.elem_type))
      return "output dtype " + onnx::data_type_name(v.elem_type) + " (vigil computes f32, i64, i32, i8, u8, bool)";
  }
  for (const auto& n : g.nodes) {
    // The run-time input as a node's data input (input 0 of the node: the others are parameters such as
    // Dropout's training_mode, whose dtypes are the op's business).
    if (!g.inputs.empty() && !n.inputs.empty() && n.inputs[0] == g.inputs[0].name && is_mapped(n.op_type) &&
        !onnx::computes_dtype(n.op_type, held(g.inputs[0].elem_type))) {
      if (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear")
        return n.op_type + " on its own: vigil computes QuantizeLinear -> DequantizeLinear pairs on f32 values and "
                           "dequantizes constants, never an integer value at run time";
      return n.op_type + " on " + onnx::data_type_name(g.inputs[0].elem_type) + " input '" + g.inputs[0].name +
             "' (vigil does not compute " + n.op_type + " on " + onnx::data_type_name(g.inputs[0].elem_type) + ")";
    }
    if (n.op_type == "Cast")
      for (const auto& a : n.attributes)
        if (a.name == "to" && !runtime_dtype(static_cast<int32_t>(a.i)))
          return "a Cast to " + onnx::data_type_name(static_cast<int32_t>(a.i)) +
                 " (vigil computes f32, i64, i32, i8, u8, bool)";
  }
  // Load-time-only ops must see constants: everything but input 0 is baked in.
  std::set<std::string> known;
  for (const auto& t : g.initializers) known.insert(t.name);
  for (size_t k = 1; k < g.inputs.size(); ++k) known.insert(g.inputs[k].name);
  std::set<std::string> runtime_fold;
  for (const auto& n : g.nodes) {
    bool all_const = true;
    for (const auto& i : n.inputs)
      if (!i.empty() && !known.count(i)) all_const = false;
    const bool load_time = n.op_type == "Shape" || n.op_type == "Size" || n.op_type == "Constant";
    if (load_time || (onnx::is_foldable(n.op_type) && all_const)) {
      for (const auto& o : n.outputs) known.insert(o);
    } else if (!is_mapped(n.op_type)) {
      runtime_fold.insert(n.op_type);
    }
  }
  if (!runtime_fold.empty())
    return "load-time-only ops on run-time values: " + join(runtime_fold) + " (vigil evaluates them on constants only)";
  return "";
}

kernels::ElemType storage_type(DType t) {
  return t == DType::F16 ? kernels::ElemType::F16 : t == DType::BF16 ? kernels::ElemType::BF16 : kernels::ElemType::F64;
}

bool close_enough(float actual, float expected) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::fabs(static_cast<double>(actual) - expected) <= kAtol + kRtol * std::fabs(static_cast<double>(expected));
}

// Element e of an integer or bool vigil tensor, widened.
int64_t integer_at(const TensorView& t, int64_t e) {
  switch (t.dtype) {
    case DType::I64:
      return static_cast<const int64_t*>(t.data)[e];
    case DType::I32:
      return static_cast<const int32_t*>(t.data)[e];
    case DType::I8:
      return static_cast<const int8_t*>(t.data)[e];
    case DType::U8:
      return static_cast<const uint8_t*>(t.data)[e];
    case DType::Bool:
      return static_cast<const uint8_t*>(t.data)[e] != 0;
    default:
      fail("no integer values in a ", dtype_name(t.dtype), " tensor");
  }
}

// "" when every element equals the expected one, else how many differ and the first.
std::string mismatched_integers(const TensorView& got, const ConstTensor& want) {
  int64_t bad = 0, first_bad = -1;
  for (int64_t e = 0; e < got.numel(); ++e)
    if (integer_at(got, e) != (want.type == static_cast<int32_t>(onnx::DataType::Bool)
                                   ? int64_t{want.i[static_cast<size_t>(e)] != 0}
                                   : want.i[static_cast<size_t>(e)])) {
      if (first_bad < 0) first_bad = e;
      ++bad;
    }
  if (!bad) return "";
  return concat(bad, " of ", got.numel(), " values differ (first at flat index ", first_bad, ": got ",
                integer_at(got, first_bad), ", expected ", want.i[static_cast<size_t>(first_bad)], ")");
}

// Runs one applicable test; returns "" on success or what went wrong.
std::string run_test(const fs::path& dir, const onnx::ModelProto& m) {
  std::vector<fs::path> data_sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) data_sets.push_back(e.path());
  std::sort(data_sets.begin(), data_sets.end());
  if (data_sets.empty()) return "no test_data_set_* folder";
  for (const fs::path& ds : data_sets) {
    const auto& g = m.graph;
    OnnxImportOptions options;
    options.optimize = true;
    // The data files hold the graph inputs that are not initializers (exporters before opset 9 also list every
    // initializer as a graph input), in order.
    std::set<std::string> initializer_names;
    for (const auto& t : g.initializers) initializer_names.insert(t.name);
    std::vector<std::string> fed;
    for (const auto& v : g.inputs)
      if (!initializer_names.count(v.name)) fed.push_back(v.name);
    for (size_t k = 1; k < fed.size(); ++k) {
      ConstTensor c = read_tensor(ds / ("input_" + std::to_string(k) + ".pb"));
      // An empty argument (ReduceMean's axes = [], Resize's unused scales) is a legal constant for the
      // importer even though vigil values are never empty.
      Tensor t = c.numel() == 0 ? Tensor(c.is_float() ? DType::F32 : DType::I64, Shape::from(c.dims))
                                : onnx::to_vigil_tensor(c, fed[k]);
      if (const DType d = onnx::boundary_dtype(c.type); c.numel() > 0 && c.is_float() && d != DType::F32) {
        Tensor typed(d, t.shape());  // keeps its ONNX type (FLOAT16...) when baked in; the values are exact
        kernels::cast_reference(kernels::ElemType::F32, storage_type(d), t.data(), typed.mutable_data(), 0, t.numel());
        t = typed;
      }
      options.constant_inputs.emplace_back(fed[k], std::move(t));
    }
    Graph graph = import_onnx((dir / "model.onnx").string(), options);
    Engine engine(std::move(graph));
    ExecutionContext ctx(engine);
    if (!fed.empty()) {
      ConstTensor x = read_tensor(ds / "input_0.pb");
      TensorView in = ctx.input(0);
      const auto span = in.shape.span();
      if (std::vector<int64_t>(span.begin(), span.end()) != x.dims)
        return "input 0 has shape " + in.shape.str() + " in vigil but " + onnx::dims_str(x.dims) + " in the test data";
      Tensor t = onnx::to_vigil_tensor(x, "input_0.pb");
      if (x.is_float() && in.dtype != DType::F32 && onnx::boundary_dtype(x.type) == in.dtype) {
        Tensor converted(in.dtype, t.shape());
        kernels::cast_reference(kernels::ElemType::F32, storage_type(in.dtype), t.data(), converted.mutable_data(), 0,
                                t.numel());
        t = converted;
      }
      if (t.dtype() != in.dtype)
        return concat("input 0 is ", dtype_name(in.dtype), " in vigil but ", dtype_name(t.dtype()),
                      " in the test data");
      std::memcpy(in.data, t.data(), t.bytes());
    }
    ctx.run();
    if (engine.graph().outputs.size() != g.outputs.size())
      return concat("vigil has ", engine.graph().outputs.size(), " outputs, the model ", g.outputs.size());
    for (size_t k = 0; k < g.outputs.size(); ++k) {
      ConstTensor want = read_tensor(ds / ("output_" + std::to_string(k) + ".pb"));
      TensorView got = ctx.output(k);
      const auto span = got.shape.span();
      if (std::vector<int64_t>(span.begin(), span.end()) != want.dims)
        return concat("output ", k, " ('", g.outputs[k].name, "') has shape ", got.shape.str(), ", expected ",
                      onnx::dims_str(want.dims));
      const DType want_dtype = onnx::boundary_dtype(want.type);
      if (got.dtype != want_dtype)
        return concat("output ", k, " ('", g.outputs[k].name, "') has dtype ", dtype_name(got.dtype), ", expected ",
                      onnx::data_type_name(want.type));
      Tensor widened;  // f16, bf16 and f64 outputs compared as their f32 values (f64: vigil computed in f32)
      if (got.dtype == DType::F16 || got.dtype == DType::BF16 || got.dtype == DType::F64) {
        widened = Tensor(DType::F32, got.shape);
        kernels::cast_reference(storage_type(got.dtype), kernels::ElemType::F32, got.data, widened.mutable_data(), 0,
                                got.numel());
        got = widened.view();
      }
      if (got.dtype != DType::F32) {  // integers and bools: exactly
        const std::string bad = mismatched_integers(got, want);
        if (!bad.empty()) return concat("output ", k, " ('", g.outputs[k].name, "'): ", bad);
        continue;
      }
      int64_t bad = 0, first_bad = -1;
      double worst = 0;
      for (int64_t e = 0; e < got.numel(); ++e) {
        const float a = got.f32()[e], w = want.f[static_cast<size_t>(e)];
        if (!close_enough(a, w)) {
          if (first_bad < 0) first_bad = e;
          ++bad;
          worst = std::max(worst, std::fabs(static_cast<double>(a) - w));
        }
      }
      if (bad)
        return concat("output ", k, " ('", g.outputs[k].name, "'): ", bad, " of ", got.numel(),
                      " values off (first at flat index ", first_bad, ": got ", got.f32()[first_bad], ", expected ",
                      want.f[static_cast<size_t>(first_bad)], "; worst abs error ", worst, ")");
    }
  }
  return "";
}

// Runs run_test in a child process, so that a crash in a kernel is one failed test, not a dead runner.
std::string run_isolated(const fs::path& dir, const onnx::ModelProto& m) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe() failed";
  std::cout.flush();
  const pid_t pid = fork();
  if (pid < 0) return "fork() failed";
  if (pid == 0) {
    close(fds[0]);
    std::string message;
    try {
      message = run_test(dir, m);
    } catch (const std::exception& e) {
      message = e.what();
    }
    message = (message.empty() ? "P" : "F") + message;
    size_t off = 0;
    while (off < message.size()) {
      const ssize_t w = write(fds[1], message.data() + off, message.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string message;
  char buf[4096];
  ssize_t r;
  while ((r = read(fds[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<size_t>(r));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return concat("crashed with signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  if (message.empty()) return "the test process exited without a result";
  return message[0] == 'P' ? "" : message.substr(1);
}

Result run_one(const fs::path& dir) {
  Result r;
  r.test = dir.filename().string();
  onnx::ModelProto m;
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file(dir / "model.onnx");
    m = onnx::decode_model(bytes);
  } catch (const std::exception& e) {
    r.group = "(undecodable)";
    r.outcome = Outcome::Fail;
    r.reason = std::string("decoding model.onnx: ") + e.what();
    return r;
  }
  r.group = m.graph.nodes.size() == 1 ? m.graph.nodes[0].op_type : "(multi-node)";
  r.reason = not_applicable_reason(m);
  if (!r.reason.empty()) {
    r.outcome = Outcome::NotApplicable;
    return r;
  }
  r.reason = run_isolated(dir, m);
  // Import errors start with the model's path, which says nothing the test name does not.
  const std::string prefix = (dir / "model.onnx").string() + ": ";
  if (r.reason.rfind(prefix, 0) == 0) r.reason.erase(0, prefix.size());
  r.outcome = r.reason.empty() ? Outcome::Pass : Outcome::Fail;
  return r;
}

struct Counts {
  int pass = 0, fail = 0, na = 0;
};

void report(const std::vector<Result>& results, std::ostream& out, bool markdown, const std::string& node_dir) {
  std::map<std::string, Counts> per_op;
  Counts total;
  for (const auto& r : results) {
    Counts& c = per_op[r.group];
    switch (r.outcome) {
      case Outcome::Pass:
        ++c.pass, ++total.pass;
        break;
      case Outcome::Fail:
        ++c.fail, ++total.fail;
        break;
      case Outcome::NotApplicable:
        ++c.na, ++total.na;
        break;
    }
  }
  const char* sep = markdown ? " | " : "  ";
  if (markdown)
    out << "| op | pass | fail | not applicable |\n|---|---:|---:|---:|\n";
  else
    out << "op                          pass  fail  n/a\n";
  // Ops that ran at least one test first; the ones that are entirely not applicable are summarised after.
  std::vector<std::string> na_only;
  for (const auto& [op, c] : per_op) {
    if (c.pass + c.fail == 0) {
      na_only.push_back(op);
      continue;
    }
    if (markdown)
      out << "| " << op << sep << c.pass << sep << c.fail << sep << c.na << " |\n";
    else {
      char line[128];
      std::snprintf(line, sizeof line, "%-26s %5d %5d %4d\n", op.c_str(), c.pass, c.fail, c.na);
      out << line;
    }
  }
  out << (markdown ? "\n" : "") << "Failures:\n" << (markdown ? "\n" : "");
  bool any = false;
  for (const auto& r : results)
    if (r.outcome == Outcome::Fail) {
      out << (markdown ? "- `" : "  FAIL ") << r.test << (markdown ? "`" : "") << (r.known ? " (known)" : "") << ": "
          << r.reason << "\n";
      any = true;
    }
  if (!any) out << (markdown ? "- none\n" : "  none\n");
  out << (markdown ? "\n" : "") << "Not applicable tests of ops vigil maps (reason):\n" << (markdown ? "\n" : "");
  for (const auto& r : results) {
    if (r.outcome != Outcome::NotApplicable) continue;
    // Listed: tests of mapped ops, and multi-node tests that use only ops vigil knows (the rest are
    // counted in the table).
    const bool unknown_ops = r.reason.rfind("unsupported ops", 0) == 0 || r.reason.rfind("ops of other", 0) == 0;
    if (!is_mapped(r.group) && (r.group != "(multi-node)" || unknown_ops)) continue;
    out << (markdown ? "- `" : "  n/a  ") << r.test << (markdown ? "`: " : ": ") << r.reason << "\n";
  }
  out << (markdown ? "\n" : "") << "Ops whose tests are all not applicable (" << na_only.size() << "): ";
  for (size_t k = 0; k < na_only.size(); ++k) out << (k ? ", " : "") << na_only[k];
  out << "\n\n";
  int known = 0;
  for (const auto& r : results) known += r.known;
  out << "onnx conformance (" << node_dir << "): passed " << total.pass << ", failed " << total.fail << " (" << known
      << " known), not applicable " << total.na << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: vigil_onnx_conformance NODE_DIR [--filter SUBSTRING] [--list] [--markdown FILE]\n";
    return 2;
  }
  const fs::path root = argv[1];
  std::string filter, markdown_path, known_path;
  bool list = false;
  for (int k = 2; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--filter" && k + 1 < argc)
      filter = argv[++k];
    else if (a == "--markdown" && k + 1 < argc)
      markdown_path = argv[++k];
    else if (a == "--known-failures" && k + 1 < argc)
      known_path = argv[++k];
    else if (a == "--list")
      list = true;
    else {
      std::cerr << "unknown argument '" << a << "'\n";
      return 2;
    }
  }
  if (!fs::is_directory(root)) {
    std::cerr << "vigil_onnx_conformance: node test folder '" << root.string()
              << "' does not exist (generate it with tools/onnx/generate_node_tests.py)\n";
    return 2;
  }
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && fs::exists(e.path() / "model.onnx") &&
        e.path().filename().string().find(filter) != std::string::npos)
      dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  if (dirs.empty()) {
    std::cerr << "vigil_onnx_conformance: no test_*/model.onnx under '" << root.string() << "'\n";
    return 2;
  }
  std::map<std::string, std::string> known;
  try {
    if (!known_path.empty()) known = read_known_failures(known_path);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::vector<Result> results;
  for (const fs::path& d : dirs) {
    results.push_back(run_one(d));
    Result& r = results.back();
    r.known = r.outcome == Outcome::Fail && known.count(r.test);
    if (list || r.outcome != Outcome::NotApplicable)
      std::cout << (r.outcome == Outcome::Pass   ? "PASS "
                    : r.outcome == Outcome::Fail ? (r.known ? "FAIL (known) " : "FAIL ")
                                                 : "n/a  ")
                << r.test << (r.reason.empty() ? "" : ": " + r.reason) << "\n";
  }
  std::cout << "\n";
  report(results, std::cout, false, root.string());
  if (!markdown_path.empty()) {
    std::ofstream md(markdown_path);
    report(results, md, true, root.filename().string());
  }
  int status = 0;
  for (const auto& r : results) {
    if (r.outcome == Outcome::Fail && !r.known) status = 1;
    if (known.count(r.test) && r.outcome != Outcome::Fail) {
      std::cout << "listed as a known failure but " << (r.outcome == Outcome::Pass ? "PASSES" : "is not applicable")
                << ": " << r.test << " (update " << known_path << ")\n";
      status = 1;
    }
  }
  if (filter.empty())
    for (const auto& [name, reason] : known)
      if (std::none_of(results.begin(), results.end(), [&](const Result& r) { return r.test == name; })) {
        std::cout << "listed as a known failure but there is no such test: " << name << "\n";
        status = 1;
      }
  return status;
}
