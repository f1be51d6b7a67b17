#include "engine/audit.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/thread_pool.h"
#include "kernels/float16/float16.h"

namespace vigil {

AuditTolerance audit_tolerance(OpType op) {
  switch (op) {
    // Pure data movement and selection: any difference is a bug.
    case OpType::Concat:
    case OpType::Slice:
    case OpType::Split:
    case OpType::Reshape:
    case OpType::Flatten:
    case OpType::Squeeze:
    case OpType::Unsqueeze:
    case OpType::Transpose:
    case OpType::Pad:
    case OpType::MaxPool:
    case OpType::MaxPool3d:
    case OpType::Relu:
    case OpType::Clip:
    case OpType::Max:
    case OpType::Min:
    case OpType::Where:
    case OpType::Gather:
    case OpType::GatherElements:
    case OpType::ScatterNd:
    case OpType::GatherNd:
    case OpType::ScatterElements:
    case OpType::Trilu:
    case OpType::OneHot:
    case OpType::EyeLike:
    case OpType::ReverseSequence:
      return {0, 0, "exact: moves or selects values, no arithmetic"};
    case OpType::Cast:
    case OpType::Equal:
    case OpType::Less:
    case OpType::Greater:
    case OpType::LessOrEqual:
    case OpType::GreaterOrEqual:
    case OpType::Not:
    case OpType::And:
    case OpType::Or:
    case OpType::Xor:
    case OpType::IsNaN:
    case OpType::IsInf:
    case OpType::ArgMax:
    case OpType::ArgMin:
    case OpType::TopK:
    case OpType::Mod:
      return {0, 0,
              "exact: conversions, comparisons, indices, copied values and exact remainders, the same on every path"};
    case OpType::Exp:
    case OpType::Log:
    case OpType::Erf:
    case OpType::Softplus:
    case OpType::Softsign:
    case OpType::Gelu:
    case OpType::Elu:
    case OpType::Selu:
    case OpType::Celu:
    case OpType::Sin:
    case OpType::Cos:
    case OpType::Tan:
    case OpType::Asin:
    case OpType::Acos:
    case OpType::Atan:
    case OpType::Sinh:
    case OpType::Cosh:
    case OpType::Asinh:
    case OpType::Acosh:
    case OpType::Atanh:
      return {1.2e-7, 1e-38,
              "the reference's double formula on double vectors with xsimd's exp/expm1/log/erf/tanh: at most 1 ulp"};
    case OpType::Abs:
    case OpType::Neg:
    case OpType::Sqrt:
    case OpType::Reciprocal:
    case OpType::Floor:
    case OpType::Ceil:
    case OpType::ThresholdedRelu:
    case OpType::Round:
    case OpType::Sign:
    case OpType::Shrink:
    case OpType::LpNormalization:
    case OpType::MeanVarianceNormalization:
    case OpType::RmsNormalization:
    case OpType::Hardmax:
    case OpType::CumSum:
    case OpType::LpPool:
    case OpType::ReduceSum:
    case OpType::ReduceProd:
    case OpType::ReduceMax:
    case OpType::ReduceMin:
    case OpType::ReduceL1:
    case OpType::ReduceL2:
    case OpType::ReduceSumSquare:
    case OpType::ReduceLogSum:
    case OpType::ReduceLogSumExp:
      return {0, 0, "exact: the same double evaluation, rounded once, on every path"};
    case OpType::Lrn:
      return {1.2e-7, 1e-38, "the reference's double formula on double vectors with xsimd's pow: at most 1 ulp"};
    case OpType::LeakyRelu:
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:
    case OpType::Div:
    case OpType::PRelu:
    case OpType::Pow:
      return {1e-6, 1e-7, "one rounding per element (+ a fused activation); vector division may use rcp+Newton"};
    case OpType::Sigmoid:
    case OpType::Tanh:
    case OpType::Silu:
    case OpType::HardSwish:
    case OpType::HardSigmoid:
      return {1e-6, 1e-7, "vectorised exp/tanh approximations are accurate to a few ulps"};
    case OpType::Mish:
      return {1e-5, 1e-6, "tanh(softplus(x)) composes two approximations"};
    case OpType::Resize:
      return {0, 0, "exact: every path computes the reference's double taps in its order (bit for bit, tested)"};
    case OpType::AveragePool:
    case OpType::AveragePool3d:
    case OpType::GlobalAveragePool:
    case OpType::BatchNorm:
    case OpType::Softmax:
    case OpType::LogSoftmax:
    case OpType::LayerNorm:
    case OpType::GroupNorm:
      return {1e-5, 1e-6, "short float sums (window, channel, axis), or double sums in vector lanes, instead of the "
                          "reference's double sums in order"};
    case OpType::ReduceMean:
      return {1e-5, 1e-5, "float sum over the reduced axes instead of double; cancellation near zero"};
    case OpType::Conv2d:
    case OpType::Conv2dNchwc:
    case OpType::ConvTranspose2d:
    case OpType::Conv3d:
    case OpType::MatMul:
    case OpType::Gemm:
      return {1e-4, 1e-4,
              "float accumulation over K (up to thousands of terms) vs the reference's double; Winograd "
              "transforms"};
    case OpType::Lstm:
    case OpType::Gru:
    case OpType::Rnn:
      return {1e-4, 1e-5, "float GEMMs and gate activations, carried through the recurrence"};
    case OpType::FakeQuantize:
      return {0, 0, "exact: one f32 division, rounding, one f32 multiplication, the same on every path"};
    case OpType::YoloDetect:
      return {1e-5, 1e-5, "decoded boxes: sigmoid/exp approximations; scores near an NMS tie may flip"};
    case OpType::BoxNms:
    case OpType::GridSample:
    case OpType::ToNchwc:
    case OpType::FromNchwc:
    case OpType::GlobalAveragePoolNchwc:
    case OpType::RoiAlign:
      return {0, 0, "exact: one kernel on every path"};
    case OpType::Count:
      break;
  }
  return {1e-5, 1e-5, "default"};
}

AuditTolerance framework_tolerance(OpType op) {
  AuditTolerance t = audit_tolerance(op);
  // Another framework computes every op in float with its own summation order and approximations, and
  // vigil may have folded BatchNorm into the conv weights (one extra rounding per weight).
  t.rel = std::max(t.rel, 1e-4);
  t.abs = std::max(t.abs, 1e-4);
  t.why = "float32 framework vs vigil: summation order, approximations, folded BatchNorm weights";
  return t;
}

namespace {

double element(const TensorView& t, int64_t i) {
  const size_t k = static_cast<size_t>(i);
  switch (t.dtype) {
    case DType::F32:
      return static_cast<const float*>(t.data)[k];
    case DType::I64:
      return static_cast<double>(static_cast<const int64_t*>(t.data)[k]);
    case DType::I32:
      return static_cast<const int32_t*>(t.data)[k];
    case DType::I8:
      return static_cast<const int8_t*>(t.data)[k];
    case DType::U8:
      return static_cast<const uint8_t*>(t.data)[k];
    case DType::Bool:
      return static_cast<const uint8_t*>(t.data)[k] != 0;
    case DType::F16:
      return kernels::f16_bits_to_f32(static_cast<const uint16_t*>(t.data)[k]);
    case DType::BF16:
      return kernels::bf16_bits_to_f32(static_cast<const uint16_t*>(t.data)[k]);
    case DType::F64:
      return static_cast<const double*>(t.data)[k];
    default:
      fail("the audit cannot compare tensors of dtype ", dtype_name(t.dtype));
  }
}

// Distance in representable float32 values (monotonic mapping of the bit patterns onto integers).
double ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b) ? 0 : std::numeric_limits<double>::infinity();
  auto ordered = [](float f) {
    int32_t i = std::bit_cast<int32_t>(f);
    return i < 0 ? static_cast<int64_t>(std::numeric_limits<int32_t>::min()) - i : static_cast<int64_t>(i);
  };
  return std::fabs(static_cast<double>(ordered(a) - ordered(b)));
}

}  // namespace

AuditOutput compare_tensors(const TensorView& got, const TensorView& want, const AuditTolerance& tol) {
  AuditOutput r;
  r.tolerance = tol;
  r.shape = want.shape;
  r.compared = true;
  const int64_t n = want.numel();
  if (got.numel() != n) fail("compare_tensors: ", got.shape.str(), " vs ", want.shape.str());
  double scale = 0;
  for (int64_t i = 0; i < n; ++i)
    if (double w = std::fabs(element(want, i)); std::isfinite(w)) scale = std::max(scale, w);
  r.scale = scale;
  const double floor = std::max(kRelFloor * scale, static_cast<double>(std::numeric_limits<float>::min()));
  // Integers and bools (indices, masks, counts) have no rounding error to allow for: any difference is wrong,
  // whatever the tolerance of the producing op or of a framework comparison.
  auto floating = [](DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::F64; };
  const bool exact = !floating(got.dtype) || !floating(want.dtype);
  if (exact) r.tolerance = {0, 0, "exact: integer or bool values"};
  const double allowance_abs = exact ? 0 : tol.abs * scale;
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    const double g = element(got, i), w = element(want, i);
    double err, ratio;
    if (exact && got.dtype == DType::I64 && want.dtype == DType::I64) {
      // Above 2^53 the doubles may round two different int64 to one value: compare the integers.
      const int64_t gi = static_cast<const int64_t*>(got.data)[i], wi = static_cast<const int64_t*>(want.data)[i];
      err = gi == wi ? 0 : std::max(1.0, std::fabs(g - w));
    } else if (std::isnan(g) || std::isnan(w)) {
      err = std::isnan(g) && std::isnan(w) ? 0 : inf;
    } else if (std::isinf(g) || std::isinf(w)) {
      err = g == w ? 0 : inf;
    } else {
      err = std::fabs(g - w);
    }
    const double allowance = exact ? 0 : tol.rel * std::fabs(std::isfinite(w) ? w : 0) + allowance_abs;
    ratio = err == 0 ? 0 : (allowance > 0 ? err / allowance : inf);
    r.max_abs_error = std::max(r.max_abs_error, err);
    r.max_rel_error = std::max(r.max_rel_error, err / std::max(std::fabs(std::isfinite(w) ? w : 0), floor));
    if (r.worst_index < 0 || ratio > r.worst_ratio) {
      r.worst_ratio = ratio;
      r.worst_index = i;
    }
  }
  if (r.worst_index >= 0) {
    r.got_at_worst = element(got, r.worst_index);
    r.want_at_worst = element(want, r.worst_index);
    if (got.dtype == DType::F32 && want.dtype == DType::F32)
      r.ulps_at_worst = ulp_distance(static_cast<float>(r.got_at_worst), static_cast<float>(r.want_at_worst));
  }
  r.pass = r.worst_ratio <= 1.0;
  return r;
}

namespace {

// Runs one node's kernel on `in` into freshly allocated outputs of the graph's shapes.
std::vector<Tensor> run_node(const Engine& engine, size_t n, const std::vector<TensorView>& in, ThreadPool& pool) {
  const Graph& g = engine.graph();
  const Node& node = g.nodes[n];
  std::vector<Tensor> out;
  std::vector<TensorView> out_views;
  for (int v : node.outputs) {
    if (v == kNoValue) {
      out.emplace_back();
      out_views.emplace_back();
      continue;
    }
    const Value& val = g.values[static_cast<size_t>(v)];
    out.emplace_back(val.dtype, val.shape);
    out_views.push_back(out.back().view());
  }
  const OpKernel& kernel = engine.kernel(n);
  AlignedBytes workspace = kernel.workspace_bytes() ? allocate_aligned(kernel.workspace_bytes()) : AlignedBytes{};
  kernel.run(in, out_views, RunContext{workspace.get(), &pool});
  return out;
}

bool same_layout(const Tensor& t, const Value& v) { return t.dtype() == v.dtype && t.numel() == v.shape.numel(); }

}  // namespace

AuditReport audit_graph(Graph graph, const std::map<std::string, Tensor>& inputs, const AuditOptions& options) {
  AuditReport report;
  report.baseline = options.baseline;
  report.candidate = options.candidate;
  report.against_framework = !options.expected.empty();

  // Both engines must see the same node list: the baseline runs the load-time passes, the candidate gets
  // the baseline's already-transformed graph and none.
  EngineOptions baseline_options{options.baseline, options.optimize};
  baseline_options.nchwc_block = default_nchwc_block(options.candidate);
  baseline_options.entry_by_entry = false;  // kernels bound for whole values: run_node runs them so
  Engine baseline(std::move(graph), baseline_options);
  EngineOptions candidate_options{options.candidate, false};
  candidate_options.entry_by_entry = false;
  Engine candidate(baseline.graph(), candidate_options);
  if (options.prepare_candidate) options.prepare_candidate(candidate);
  const Graph& g = baseline.graph();
  if (candidate.graph().nodes.size() != g.nodes.size()) fail("audit: the candidate graph differs from the baseline");

  // Every value of the baseline run, owned (constants share the graph's storage).
  std::vector<Tensor> values(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v)
    if (g.values[v].constant >= 0) values[v] = g.constants[static_cast<size_t>(g.values[v].constant)];
  for (int id : g.inputs) {
    const Value& val = g.values[static_cast<size_t>(id)];
    const Tensor* t = nullptr;
    if (auto it = inputs.find(val.name); it != inputs.end())
      t = &it->second;
    else if (auto e = options.expected.find(val.name); e != options.expected.end())
      t = &e->second;
    if (!t) fail("audit: input '", val.name, "' was not given");
    if (t->dtype() != val.dtype || !(t->shape() == val.shape))
      fail("audit: input '", val.name, "' holds ", dtype_name(t->dtype()), t->shape().str(), " but the model wants ",
           dtype_name(val.dtype), val.shape.str());
    values[static_cast<size_t>(id)] = *t;
  }
  for (const auto& [name, t] : inputs)
    if (g.find_value(name) < 0 || std::find(g.inputs.begin(), g.inputs.end(), g.find_value(name)) == g.inputs.end())
      fail("audit: the model has no input named '", name, "'");

  ThreadPool pool(1);
  std::vector<TensorView> in;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    in.clear();
    for (int v : node.inputs) in.push_back(v == kNoValue ? TensorView{} : values[static_cast<size_t>(v)].view());
    std::vector<Tensor> out = run_node(baseline, n, in, pool);
    for (size_t k = 0; k < node.outputs.size(); ++k)
      if (node.outputs[k] != kNoValue) values[static_cast<size_t>(node.outputs[k])] = std::move(out[k]);
  }

  if (options.baseline_values)
    for (size_t v = 0; v < g.values.size(); ++v)
      if (g.values[v].constant < 0 && values[v].data()) (*options.baseline_values)[g.values[v].name] = values[v];

  // The framework's value of a vigil value, viewed with vigil's shape, when the dump has a compatible one.
  auto framework_value = [&](int v, std::string* why) -> std::optional<TensorView> {
    const Value& val = g.values[static_cast<size_t>(v)];
    auto it = options.expected.find(val.name);
    if (it == options.expected.end()) {
      if (why) *why = "no reference value of this name";
      return std::nullopt;
    }
    if (!same_layout(it->second, val)) {
      if (why)
        *why = concat("reference holds ", dtype_name(it->second.dtype()), it->second.shape().str(), ", vigil ",
                      dtype_name(val.dtype), val.shape.str());
      return std::nullopt;
    }
    return TensorView{val.dtype, val.shape, const_cast<void*>(it->second.data())};
  };

  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    AuditNode an;
    an.node = n;
    an.op = node.op;
    an.name = node.name;
    if (node.attrs.has("fused_values")) an.fused_values = node.attrs.get_strings("fused_values", node.label());
    in.clear();
    for (int v : node.inputs) {
      if (v == kNoValue) {
        in.emplace_back();
        continue;
      }
      std::optional<TensorView> f;
      if (report.against_framework && !g.is_constant(v)) f = framework_value(v, nullptr);
      in.push_back(f ? *f : values[static_cast<size_t>(v)].view());
    }
    std::vector<Tensor> got = run_node(candidate, n, in, pool);
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const int v = node.outputs[k];
      if (v == kNoValue) continue;
      const Value& val = g.values[static_cast<size_t>(v)];
      AuditOutput o;
      if (report.against_framework) {
        std::string why;
        if (std::optional<TensorView> want = framework_value(v, &why)) {
          o = compare_tensors(got[k].view(), *want, framework_tolerance(node.op));
        } else {
          o.note = why;
          o.tolerance = framework_tolerance(node.op);
        }
      } else {
        o = compare_tensors(got[k].view(), values[static_cast<size_t>(v)].view(), audit_tolerance(node.op));
      }
      o.value = v;
      o.name = val.name;
      o.shape = val.shape;
      an.compared |= o.compared;
      an.pass &= o.pass;
      an.outputs.push_back(std::move(o));
    }
    if (an.compared) ++report.compared_nodes;
    if (!an.pass) {
      ++report.failed_nodes;
      if (!report.first_failure) report.first_failure = report.nodes.size();
    }
    report.nodes.push_back(std::move(an));
  }
  return report;
}

}  // namespace vigil
