// engine/audit.h: a path audited against itself passes with zero error; a planted wrong kernel is named as
// the first failing node and nodes after it still pass (each node runs on the baseline's inputs); each op's
// tolerance is applied; framework mode names the node whose value disagrees with a dump, including a
// converter that swaps LSTM gate blocks and a wrong BatchNorm epsilon hidden inside a fused conv+bn+act.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/audit.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;

namespace {

using test::random_values;

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  return Tensor::from_f32(shape, random_values(static_cast<size_t>(shape.numel()), rng, lo, hi));
}

// x[1,3,8,8] -> conv(3x3, pad 1) -> bn -> leaky -> maxpool 2x2 -> add(self) -> relu -> global avg pool.
Graph small_cnn(float bn_epsilon = 1e-5f) {
  std::mt19937 rng(7);
  GraphBuilder gb;
  int x = gb.input("x", DType::F32, {1, 3, 8, 8});
  int w = gb.constant("conv.w", random_tensor({4, 3, 3, 3}, rng));
  int b = gb.constant("conv.b", random_tensor({4}, rng));
  Attributes ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  int c = gb.node(OpType::Conv2d, "conv", {x, w, b}, ca);
  int bn = gb.node(
      OpType::BatchNorm, "bn",
      {c, gb.constant("bn.scale", random_tensor({4}, rng, 0.5f, 2)), gb.constant("bn.bias", random_tensor({4}, rng)),
       gb.constant("bn.mean", random_tensor({4}, rng)), gb.constant("bn.var", random_tensor({4}, rng, 0.001f, 0.01f))},
      {{"epsilon", bn_epsilon}});
  int act = gb.node(OpType::LeakyRelu, "leaky", {bn}, {{"alpha", 0.1f}});
  int pool = gb.node(OpType::MaxPool, "pool", {act},
                     {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  int sum = gb.node(OpType::Add, "add", {pool, pool});
  int relu = gb.node(OpType::Relu, "relu", {sum});
  gb.output(gb.node(OpType::GlobalAveragePool, "gap", {relu}));
  return gb.build();
}

std::map<std::string, Tensor> seeded_inputs(const Graph& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::map<std::string, Tensor> in;
  for (int v : g.inputs) {
    const Value& val = g.values[static_cast<size_t>(v)];
    in[val.name] = random_tensor(val.shape, rng);
  }
  return in;
}

size_t node_index(const Graph& g, const std::string& name) {
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (g.nodes[n].name == name) return n;
  FAIL("no node " << name);
  return 0;
}

// A wrong kernel: runs the right one (from a private engine on the same graph), then moves element
// `index` of output 0 by `relative` times the output's largest magnitude.
class PerturbingKernel : public OpKernel {
 public:
  PerturbingKernel(std::shared_ptr<const Engine> engine, size_t node, double relative, int64_t index)
      : engine_(std::move(engine)), node_(node), relative_(relative), index_(index) {}
  size_t workspace_bytes() const override { return engine_->kernel(node_).workspace_bytes(); }
  void run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
           const RunContext& context) const override {
    engine_->kernel(node_).run(inputs, outputs, context);
    float* y = outputs[0].f32();
    float scale = 0;
    for (int64_t i = 0; i < outputs[0].numel(); ++i) scale = std::max(scale, std::fabs(y[i]));
    y[index_] += static_cast<float>(relative_ * scale);
  }

 private:
  std::shared_ptr<const Engine> engine_;
  size_t node_;
  double relative_;
  int64_t index_;
};

// AuditOptions that plant a PerturbingKernel at the node called `name` of the candidate engine.
AuditOptions plant(const std::string& name, double relative, int64_t index = 0) {
  AuditOptions o;
  o.prepare_candidate = [=](Engine& candidate) {
    auto twin = std::make_shared<const Engine>(candidate.graph(), EngineOptions{candidate.kernel_path(), false});
    size_t n = node_index(candidate.graph(), name);
    candidate.replace_kernel_for_testing(n, std::make_unique<PerturbingKernel>(twin, n, relative, index));
  };
  return o;
}

const AuditNode& first_failure(const AuditReport& r) {
  REQUIRE(r.first_failure.has_value());
  return r.nodes[*r.first_failure];
}

}  // namespace

TEST_CASE("audit: integer and bool tensors compare exactly whatever the tolerance") {
  // Class indices out of 30000: a framework tolerance (1e-4 relative and of the scale) would let 29999 vs
  // 30000 pass as floats; as integers they differ.
  const Tensor want = Tensor::from_i64({3}, std::vector<int64_t>{0, 7, 30000});
  Tensor got = Tensor::from_i64({3}, std::vector<int64_t>{0, 7, 29999});
  const AuditOutput o = compare_tensors(got.view(), want.view(), framework_tolerance(OpType::ArgMax));
  CHECK_FALSE(o.pass);
  CHECK(o.worst_index == 2);
  CHECK(o.tolerance.rel == 0);
  static_cast<int64_t*>(got.mutable_data())[2] = 30000;
  CHECK(compare_tensors(got.view(), want.view(), {1e-3, 1e-3}).pass);
  // Above 2^53 two int64 can round to one double: still a difference.
  const int64_t big = (int64_t{1} << 60) + 1;
  const Tensor want_big = Tensor::from_i64({1}, std::vector<int64_t>{big});
  const Tensor got_big = Tensor::from_i64({1}, std::vector<int64_t>{big + 1});
  CHECK_FALSE(compare_tensors(got_big.view(), want_big.view(), {1e-3, 1e-3}).pass);
  // Bool: any non-zero byte is true.
  Tensor a(DType::Bool, Shape{2}), b(DType::Bool, Shape{2});
  const uint8_t av[] = {1, 0}, bv[] = {5, 0};
  std::memcpy(a.mutable_data(), av, 2);
  std::memcpy(b.mutable_data(), bv, 2);
  CHECK(compare_tensors(a.view(), b.view(), {0, 0}).pass);
  static_cast<uint8_t*>(b.mutable_data())[1] = 1;
  CHECK_FALSE(compare_tensors(a.view(), b.view(), {1, 1}).pass);
}

TEST_CASE("audit: compare_tensors measures abs, rel and ulp error at the worst element") {
  Tensor want = Tensor::from_f32({4}, std::vector<float>{1.0f, -2.0f, 0.001f, 0.0f});
  Tensor got = Tensor::from_f32({4}, std::vector<float>{1.0f, -2.0f, 0.001f, 0.0f});
  got.mutable_f32()[1] = std::nextafter(std::nextafter(-2.0f, -3.0f), -3.0f);  // 2 ulps away
  AuditOutput o = compare_tensors(got.view(), want.view(), {0, 0});
  CHECK_FALSE(o.pass);  // exact tolerance
  CHECK(o.worst_index == 1);
  CHECK(o.ulps_at_worst == 2);
  CHECK(o.max_abs_error == doctest::Approx(2 * 2.384185791015625e-7).epsilon(1e-9));
  CHECK(o.max_rel_error == doctest::Approx(2.384185791015625e-7).epsilon(1e-9));
  CHECK(o.scale == 2.0);
  CHECK(compare_tensors(got.view(), want.view(), {1e-6, 0}).pass);   // 2.4e-7 relative is within 1e-6
  CHECK(!compare_tensors(got.view(), want.view(), {1e-7, 0}).pass);  // but not within 1e-7
  CHECK(compare_tensors(got.view(), want.view(), {0, 1e-6}).pass);   // 4.8e-7 <= 1e-6 * scale 2

  // Near-zero elements: relative error uses the floor kRelFloor * scale, not |want|.
  got.mutable_f32()[1] = -2.0f;
  got.mutable_f32()[3] = 1e-6f;
  o = compare_tensors(got.view(), want.view(), {1e-4, 1e-4});
  CHECK(o.pass);
  CHECK(o.worst_index == 3);
  CHECK(o.max_rel_error == doctest::Approx(1e-6 / (kRelFloor * 2.0)).epsilon(1e-6));

  // A NaN where a number was expected is an infinite error.
  got.mutable_f32()[0] = std::numeric_limits<float>::quiet_NaN();
  o = compare_tensors(got.view(), want.view(), {1, 1});
  CHECK_FALSE(o.pass);
  CHECK(o.worst_index == 0);
  CHECK(std::isinf(o.ulps_at_worst));
}

TEST_CASE("audit: a kernel path audited against itself passes with zero error on every node") {
  for (bool optimize : {false, true}) {
    CAPTURE(optimize);
    Graph g = small_cnn();
    auto inputs = seeded_inputs(g, 1);
    AuditOptions o;
    o.optimize = optimize;
    AuditReport r = audit_graph(g, inputs, o);
    CHECK(r.passed());
    CHECK(r.nodes.size() == (optimize ? 4u : 7u));  // conv+bn+leaky and add+relu fuse
    CHECK(r.compared_nodes == r.nodes.size());
    for (const AuditNode& n : r.nodes) {
      CAPTURE(n.name);
      REQUIRE(n.outputs.size() == 1);
      CHECK(n.outputs[0].compared);
      CHECK(n.outputs[0].max_abs_error == 0);
      CHECK(n.outputs[0].scale > 0);
    }
  }
}

TEST_CASE("audit: a planted wrong kernel is the first failing node and later nodes still pass") {
  Graph g = small_cnn();
  auto inputs = seeded_inputs(g, 2);
  AuditOptions o = plant("pool", 1e-3, 5);
  o.optimize = false;
  AuditReport r = audit_graph(g, inputs, o);
  CHECK_FALSE(r.passed());
  const AuditNode& bad = first_failure(r);
  CHECK(bad.name == "pool");
  CHECK(bad.op == OpType::MaxPool);
  CHECK(bad.outputs[0].worst_index == 5);
  CHECK(bad.outputs[0].max_abs_error == doctest::Approx(1e-3 * bad.outputs[0].scale).epsilon(1e-3));
  CHECK(r.failed_nodes == 1);  // add, relu, gap ran on the baseline's pool output
  for (const AuditNode& n : r.nodes)
    if (n.name != "pool") CHECK(n.pass);
}

TEST_CASE("audit: each op is judged by its own tolerance") {
  Graph g = small_cnn();
  auto inputs = seeded_inputs(g, 3);
  // 5e-5 of the output's scale is inside the conv's float-accumulation tolerance (1e-4)...
  AuditOptions o = plant("conv", 5e-5);
  o.optimize = false;
  CHECK(audit_graph(g, inputs, o).passed());
  // ...but far outside an elementwise add's (1e-6 relative + 1e-7 of the scale)...
  o = plant("add", 5e-5);
  o.optimize = false;
  AuditReport r = audit_graph(g, inputs, o);
  CHECK(first_failure(r).name == "add");
  // ...and a relu must be exact: even one ulp of the largest value fails.
  o = plant("relu", 1e-7);
  o.optimize = false;
  r = audit_graph(g, inputs, o);
  CHECK(first_failure(r).name == "relu");
  CHECK(first_failure(r).outputs[0].tolerance.rel == 0);
  // A conv error beyond its tolerance fails too.
  o = plant("conv", 1e-3);
  o.optimize = false;
  CHECK(first_failure(audit_graph(g, inputs, o)).name == "conv");
}

TEST_CASE("audit: a framework dump with one perturbed value names the node that computes it") {
  Graph g = small_cnn();
  auto inputs = seeded_inputs(g, 4);
  std::map<std::string, Tensor> dump;
  AuditOptions capture;
  capture.optimize = false;
  capture.baseline_values = &dump;
  REQUIRE(audit_graph(g, inputs, capture).passed());
  REQUIRE(dump.count("leaky"));
  REQUIRE(dump.count("x"));

  AuditOptions o;
  o.optimize = false;
  o.expected = dump;
  AuditReport clean = audit_graph(g, {}, o);  // the input comes from the dump
  CHECK(clean.passed());
  CHECK(clean.against_framework);
  CHECK(clean.compared_nodes == clean.nodes.size());

  Tensor perturbed(DType::F32, dump["bn"].shape());
  std::copy(dump["bn"].f32(), dump["bn"].f32() + dump["bn"].numel(), perturbed.mutable_f32());
  perturbed.mutable_f32()[17] *= 1.01f;
  o.expected["bn"] = perturbed;
  AuditReport r = audit_graph(g, inputs, o);
  CHECK(first_failure(r).name == "bn");
  CHECK(first_failure(r).outputs[0].worst_index == 17);
  for (size_t i = 0; i < *r.first_failure; ++i) CHECK(r.nodes[i].pass);

  // A name vigil has but the dump lacks is reported as not compared, never as a pass or fail.
  o.expected = dump;
  o.expected.erase("pool");
  r = audit_graph(g, inputs, o);
  CHECK(r.passed());
  CHECK(r.compared_nodes == r.nodes.size() - 1);
  CHECK_FALSE(r.nodes[node_index(g, "pool")].compared);
  CHECK(r.nodes[node_index(g, "pool")].outputs[0].note == "no reference value of this name");
}

TEST_CASE("audit: a fused conv+bn+act is compared at its final output and a wrong BN epsilon is found there") {
  // The "framework": the raw graph with the right epsilon. The "converted" model: a converter that
  // wrote the wrong epsilon, then folded and fused at load (one Conv2d writing 'leaky').
  Graph right = small_cnn(1e-5f);
  auto inputs = seeded_inputs(right, 5);
  std::map<std::string, Tensor> dump;
  AuditOptions capture;
  capture.optimize = false;
  capture.baseline_values = &dump;
  audit_graph(right, inputs, capture);

  AuditOptions o;
  o.expected = dump;
  AuditReport clean = audit_graph(small_cnn(1e-5f), inputs, o);
  CHECK(clean.passed());
  const AuditNode& fused = clean.nodes[0];
  CHECK(fused.op == OpType::Conv2d);
  CHECK(fused.outputs[0].name == "leaky");
  CHECK(fused.outputs[0].compared);
  CHECK(fused.fused_values == std::vector<std::string>{"conv", "bn"});

  AuditReport r = audit_graph(small_cnn(1e-3f), inputs, o);
  const AuditNode& bad = first_failure(r);
  CHECK(bad.node == 0);
  CHECK(bad.op == OpType::Conv2d);
  CHECK(bad.outputs[0].name == "leaky");
}

TEST_CASE("audit: a converter that swaps two LSTM gate blocks is named at the LSTM") {
  const int64_t seq = 5, batch = 2, in = 3, hidden = 4;
  auto build = [&](bool swap_gates) {
    std::mt19937 rng(9);
    std::vector<float> w = random_values(static_cast<size_t>(4 * hidden * in), rng);
    if (swap_gates)  // gate order i,o,f,c: exchange the o and f blocks of W
      for (int64_t k = 0; k < hidden * in; ++k)
        std::swap(w[static_cast<size_t>(hidden * in + k)], w[static_cast<size_t>(2 * hidden * in + k)]);
    GraphBuilder gb;
    int x = gb.input("x", DType::F32, {seq, batch, in});
    int scaled = gb.node(OpType::Mul, "scale", {x, gb.constant("two", Tensor::from_f32({1}, std::vector<float>{2}))});
    std::vector<int> outs = gb.node_named(OpType::Lstm, "lstm",
                                          {scaled, gb.constant("W", Tensor::from_f32({1, 4 * hidden, in}, w)),
                                           gb.constant("R", random_tensor({1, 4 * hidden, hidden}, rng)),
                                           gb.constant("B", random_tensor({1, 8 * hidden}, rng))},
                                          {"Y", "Y_h"}, [&] {
                                            Attributes a;
                                            a.set("hidden_size", hidden);
                                            return a;
                                          }());
    gb.output(gb.node(OpType::Tanh, "head", {outs[1]}));
    return gb.build();
  };
  std::map<std::string, Tensor> dump;
  AuditOptions capture;
  capture.baseline_values = &dump;
  Graph original = build(false);
  auto inputs = seeded_inputs(original, 6);
  audit_graph(original, inputs, capture);

  AuditOptions o;
  o.expected = dump;
  CHECK(audit_graph(build(false), inputs, o).passed());
  AuditReport r = audit_graph(build(true), inputs, o);
  const AuditNode& bad = first_failure(r);
  CHECK(bad.name == "lstm");
  CHECK(bad.op == OpType::Lstm);
  CHECK(r.nodes[0].pass);  // the Mul before it
}

TEST_CASE("audit: missing and mismatching inputs are clear errors") {
  Graph g = small_cnn();
  CHECK_THROWS_WITH_AS(audit_graph(g, {}, {}), doctest::Contains("input 'x' was not given"), Error);
  std::map<std::string, Tensor> wrong{{"x", Tensor(DType::F32, {1, 3, 8, 9})}};
  CHECK_THROWS_WITH_AS(audit_graph(g, wrong, {}), doctest::Contains("[1,3,8,9]"), Error);
  std::map<std::string, Tensor> extra = seeded_inputs(g, 1);
  extra["y"] = Tensor(DType::F32, {1});
  CHECK_THROWS_WITH_AS(audit_graph(g, extra, {}), doctest::Contains("no input named 'y'"), Error);
}
