// RNN through the engine against a float64 RNN written here from the ONNX equation, organised differently
// from the kernels (time-major over the whole batch, matrix-vector helpers as numpy would write it), on
// every kernel path this CPU has; plus hand-checked tiny cases for each activation and its alpha / beta,
// sequence_lens, layouts, threads, and attribute/shape errors. Outputs are compared in layout 0
// ([seq, dirs, batch, H] and [dirs, batch, H]).
//
// Tolerance: the reference path rounds once from double, so 1e-6 * max(1, |want|); the fast paths
// (rnn_fast, float accumulation) are held to rnn_fast's bound 2e-5 * (1 + sqrt(input + hidden) / 4)
// * max(1, |want|) (tests/unit/test_rnn_fast.cpp says why).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/kernel_path.h"
#include "graph_query_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using Vec = std::vector<double>;

std::vector<float> pseudo_random(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1u;
  for (auto& x : v) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x = scale * (static_cast<float>(s % 20001) / 10000.0f - 1.0f);
  }
  return v;
}

struct RnnCase {
  int64_t seq = 1, batch = 1, input = 1, hidden = 1;
  std::string direction = "forward";
  int layout = 0;
  float clip = 0;                        // 0: attribute absent
  std::vector<std::string> activations;  // empty: attribute absent (Tanh)
  std::vector<float> alphas, betas;      // empty: attributes absent
  // Data in layout 0; empty vectors are absent inputs.
  std::vector<float> x, w, r, b, h0;
  std::vector<int64_t> lens;
  bool lens_as_graph_input = false;
  bool want_y = true, want_yh = true;

  int64_t dirs() const { return direction == "bidirectional" ? 2 : 1; }

  void randomise(uint32_t seed, bool with_bias, bool with_initial) {
    const auto H = hidden, D = dirs();
    x = pseudo_random(static_cast<size_t>(seq * batch * input), seed + 1, 1.0f);
    w = pseudo_random(static_cast<size_t>(D * H * input), seed + 2, 0.6f);
    r = pseudo_random(static_cast<size_t>(D * H * H), seed + 3, 0.5f);
    b.clear(), h0.clear();
    if (with_bias) b = pseudo_random(static_cast<size_t>(D * 2 * H), seed + 4, 0.5f);
    if (with_initial) h0 = pseudo_random(static_cast<size_t>(D * batch * H), seed + 5, 0.8f);
  }
};

struct RnnResult {
  std::vector<double> y, yh;  // layout 0
};

// ---- the float64 reference -------------------------------------------------------------------------

// f(v) by ONNX name with the alpha / beta the case gives it (defaults from the ONNX activation ops).
double apply(const std::string& name, double alpha, double beta, double v) {
  if (name == "Tanh") return std::tanh(v);
  if (name == "Relu") return std::max(v, 0.0);
  if (name == "Sigmoid") return 1.0 / (1.0 + std::exp(-v));
  if (name == "LeakyRelu") return v < 0 ? alpha * v : v;
  if (name == "HardSigmoid") return std::min(1.0, std::max(0.0, alpha * v + beta));
  FAIL("no such activation in the test: " << name);
  return 0;
}

RnnResult reference_rnn(const RnnCase& c) {
  const int64_t T = c.seq, N = c.batch, I = c.input, H = c.hidden, D = c.dirs();
  RnnResult out;
  out.y.assign(static_cast<size_t>(T * D * N * H), 0.0);
  out.yh.assign(static_cast<size_t>(D * N * H), 0.0);
  size_t next_alpha = 0, next_beta = 0;
  for (int64_t d = 0; d < D; ++d) {
    const bool backwards = c.direction == "reverse" || d == 1;
    const std::string f = c.activations.empty() ? "Tanh" : c.activations[static_cast<size_t>(d)];
    double alpha = 0, beta = 0;
    if (f == "LeakyRelu") alpha = next_alpha < c.alphas.size() ? c.alphas[next_alpha++] : 0.01;
    if (f == "HardSigmoid") {
      alpha = next_alpha < c.alphas.size() ? c.alphas[next_alpha++] : 0.2;
      beta = next_beta < c.betas.size() ? c.betas[next_beta++] : 0.5;
    }
    std::vector<Vec> state(static_cast<size_t>(N), Vec(static_cast<size_t>(H), 0.0));
    if (!c.h0.empty())
      for (int64_t n = 0; n < N; ++n)
        for (int64_t j = 0; j < H; ++j)
          state[static_cast<size_t>(n)][static_cast<size_t>(j)] = c.h0[(d * N + n) * H + j];
    for (int64_t pos = 0; pos < T; ++pos) {
      for (int64_t n = 0; n < N; ++n) {
        const int64_t len = c.lens.empty() ? T : c.lens[static_cast<size_t>(n)];
        if (pos >= len) continue;
        const int64_t t = backwards ? len - 1 - pos : pos;
        Vec& hp = state[static_cast<size_t>(n)];
        Vec next(static_cast<size_t>(H));
        for (int64_t j = 0; j < H; ++j) {
          double wx = 0, rh = 0;
          for (int64_t k = 0; k < I; ++k) wx += double{c.w[(d * H + j) * I + k]} * c.x[(t * N + n) * I + k];
          for (int64_t k = 0; k < H; ++k) rh += double{c.r[(d * H + j) * H + k]} * hp[static_cast<size_t>(k)];
          double pre = wx + rh;
          if (!c.b.empty()) pre += double{c.b[d * 2 * H + j]} + c.b[d * 2 * H + H + j];
          if (c.clip > 0) pre = std::min(std::max(pre, -double{c.clip}), double{c.clip});
          next[static_cast<size_t>(j)] = apply(f, alpha, beta, pre);
        }
        hp = next;
        for (int64_t j = 0; j < H; ++j) out.y[static_cast<size_t>(((t * D + d) * N + n) * H + j)] = hp[j];
      }
    }
    for (int64_t n = 0; n < N; ++n)
      for (int64_t j = 0; j < H; ++j)
        out.yh[static_cast<size_t>((d * N + n) * H + j)] = state[static_cast<size_t>(n)][static_cast<size_t>(j)];
  }
  return out;
}

// ---- running the engine ----------------------------------------------------------------------------

template <typename T>
std::vector<T> swap_outer(const std::vector<T>& v, int64_t A, int64_t B, int64_t inner) {
  std::vector<T> out(v.size());
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < inner; ++k)
        out[static_cast<size_t>((b * A + a) * inner + k)] = v[static_cast<size_t>((a * B + b) * inner + k)];
  return out;
}

Attributes rnn_attrs(const RnnCase& c) {
  Attributes a;
  a.set("hidden_size", c.hidden);
  a.set("direction", c.direction);
  if (c.layout) a.set("layout", int64_t{c.layout});
  if (c.clip > 0) a.set("clip", c.clip);
  if (!c.activations.empty()) a.set("activations", c.activations);
  if (!c.alphas.empty()) a.set("activation_alpha", c.alphas);
  if (!c.betas.empty()) a.set("activation_beta", c.betas);
  return a;
}

struct EngineResult {
  std::vector<float> y, yh;  // converted to layout 0; empty when not requested
};

EngineResult run_rnn(const RnnCase& c, Attributes attrs, KernelPath path, int threads = 1) {
  const int64_t D = c.dirs(), H = c.hidden;
  GraphBuilder g;
  const Shape x_shape = c.layout ? Shape{c.batch, c.seq, c.input} : Shape{c.seq, c.batch, c.input};
  std::vector<int> ins = {g.input("X", DType::F32, x_shape),
                          g.constant("rnn.W", Tensor::from_f32({D, H, c.input}, c.w)),
                          g.constant("rnn.R", Tensor::from_f32({D, H, H}, c.r))};
  ins.push_back(c.b.empty() ? kNoValue : g.constant("rnn.B", Tensor::from_f32({D, 2 * H}, c.b)));
  Tensor lens(DType::I64, Shape{c.batch});
  for (int64_t n = 0; n < c.batch && !c.lens.empty(); ++n)
    static_cast<int64_t*>(lens.mutable_data())[n] = c.lens[static_cast<size_t>(n)];
  if (c.lens.empty())
    ins.push_back(kNoValue);
  else if (c.lens_as_graph_input)
    ins.push_back(g.input("rnn.lens", DType::I64, Shape{c.batch}));
  else
    ins.push_back(g.constant("rnn.lens", lens));
  if (c.h0.empty())
    ins.push_back(kNoValue);
  else
    ins.push_back(g.constant("rnn.h0", c.layout ? Tensor::from_f32({c.batch, D, H}, swap_outer(c.h0, D, c.batch, H))
                                                : Tensor::from_f32({D, c.batch, H}, c.h0)));
  while (ins.back() == kNoValue) ins.pop_back();
  for (int v :
       g.node_named(OpType::Rnn, "rnn", ins, {c.want_y ? "rnn.Y" : "", c.want_yh ? "rnn.Y_h" : ""}, std::move(attrs)))
    if (v != kNoValue) g.output(v);
  EngineOptions options;
  options.path = path;
  Engine engine(g.build(), options);
  ExecutionContext ctx(engine, threads);
  const std::vector<float> x_data = c.layout ? swap_outer(c.x, c.seq, c.batch, c.input) : c.x;
  std::copy(x_data.begin(), x_data.end(), ctx.input("X").f32());
  if (c.lens_as_graph_input) std::memcpy(ctx.input("rnn.lens").data, lens.data(), lens.bytes());
  ctx.run();
  EngineResult r;
  auto fetch = [&](const char* name) {
    TensorView v = ctx.output(name);
    return std::vector<float>(v.f32(), v.f32() + v.numel());
  };
  if (c.want_y) {
    r.y = fetch("rnn.Y");
    if (c.layout) {  // [batch, seq, D, H] -> [seq, D, batch, H]
      const std::vector<float> batch_first = r.y;
      for (int64_t n = 0; n < c.batch; ++n)
        for (int64_t t = 0; t < c.seq; ++t)
          for (int64_t d = 0; d < D; ++d)
            for (int64_t j = 0; j < H; ++j)
              r.y[static_cast<size_t>(((t * D + d) * c.batch + n) * H + j)] =
                  batch_first[static_cast<size_t>(((n * c.seq + t) * D + d) * H + j)];
    }
  }
  if (c.want_yh) r.yh = c.layout ? swap_outer(fetch("rnn.Y_h"), c.batch, D, H) : fetch("rnn.Y_h");
  return r;
}

double tolerance(const RnnCase& c, KernelPath path) {
  return path == KernelPath::Reference ? 1e-6 : 2e-5 * (1.0 + std::sqrt(double(c.input + c.hidden)) / 4.0);
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol, const char* what) {
  CAPTURE(what);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(got[i] - want[i]) <= tol * std::max(1.0, std::fabs(want[i])));
  }
}

void check_case(const RnnCase& c) {
  CAPTURE(c.direction);
  CAPTURE(c.layout);
  const RnnResult want = reference_rnn(c);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const EngineResult got = run_rnn(c, rnn_attrs(c), path);
    if (c.want_y) expect_close(got.y, want.y, tolerance(c, path), "Y");
    if (c.want_yh) expect_close(got.yh, want.yh, tolerance(c, path), "Y_h");
  }
}

RnnCase shape_case(const char* direction, int64_t seq, int64_t batch, int64_t input, int64_t hidden) {
  RnnCase c;
  c.direction = direction;
  c.seq = seq;
  c.batch = batch;
  c.input = input;
  c.hidden = hidden;
  return c;
}

std::string build_error(const RnnCase& c, Attributes attrs) {
  try {
    run_rnn(c, std::move(attrs), KernelPath::Reference);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string graph_error(const std::vector<std::pair<std::string, Tensor>>& inputs, Attributes attrs = {}) {
  try {
    GraphBuilder g;
    std::vector<int> ins = {g.input("X", DType::F32, {3, 2, 2})};
    for (const auto& [name, t] : inputs) ins.push_back(name.empty() ? kNoValue : g.constant(name, t));
    g.output(g.node(OpType::Rnn, "rnn", ins, std::move(attrs)));
    g.build();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// x = [1, -2] over two steps, hidden 1: W = 0.5, R = 0.5, Wb = 0.1, Rb = 0.2, h0 = 0. Step 1's
// pre-activation is 0.5 + 0.3 = 0.8, step 2's is -1 + 0.5 h1 + 0.3.
RnnCase hand_case(const char* activation) {
  RnnCase c = shape_case("forward", 2, 1, 1, 1);
  c.x = {1.0f, -2.0f};
  c.w = {0.5f};
  c.r = {0.5f};
  c.b = {0.1f, 0.2f};
  c.activations = {activation};
  return c;
}

}  // namespace

TEST_CASE("RNN hand-checked: each activation, alpha and beta, clip, every path") {
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const double eps = 1e-6;
    // Relu: h1 = 0.8, h2 = relu(-0.7 + 0.4) = 0.
    RnnCase c = hand_case("Relu");
    EngineResult r = run_rnn(c, rnn_attrs(c), path);
    CHECK(r.y[0] == doctest::Approx(0.8).epsilon(eps));
    CHECK(r.y[1] == 0.0f);
    CHECK(r.yh[0] == 0.0f);
    // LeakyRelu, default alpha 0.01 and alpha 0.1: h2 = alpha * -0.3.
    c = hand_case("LeakyRelu");
    CHECK(run_rnn(c, rnn_attrs(c), path).yh[0] == doctest::Approx(-0.003).epsilon(eps));
    c.alphas = {0.1f};
    CHECK(run_rnn(c, rnn_attrs(c), path).yh[0] == doctest::Approx(-0.03).epsilon(eps));
    // Tanh (the default, attribute absent): h1 = tanh(0.8), h2 = tanh(-0.7 + tanh(0.8) / 2).
    c = hand_case("Tanh");
    c.activations.clear();
    r = run_rnn(c, rnn_attrs(c), path);
    CHECK(r.y[0] == doctest::Approx(std::tanh(0.8)).epsilon(eps));
    CHECK(r.yh[0] == doctest::Approx(std::tanh(-0.7 + std::tanh(0.8) / 2)).epsilon(eps));
    // Sigmoid: h1 = 1 / (1 + e^-0.8).
    c = hand_case("Sigmoid");
    const double s1 = 1 / (1 + std::exp(-0.8));
    CHECK(run_rnn(c, rnn_attrs(c), path).yh[0] == doctest::Approx(1 / (1 + std::exp(0.7 - s1 / 2))).epsilon(eps));
    // HardSigmoid defaults (0.2, 0.5): h1 = 0.66, h2 = 0.2 (-0.7 + 0.33) + 0.5 = 0.426; alpha 0.5 beta 0.25:
    // h1 = 0.65, h2 = 0.5 (-0.7 + 0.325) + 0.25 = 0.0625.
    c = hand_case("HardSigmoid");
    CHECK(run_rnn(c, rnn_attrs(c), path).yh[0] == doctest::Approx(0.426).epsilon(eps));
    c.alphas = {0.5f};
    c.betas = {0.25f};
    CHECK(run_rnn(c, rnn_attrs(c), path).yh[0] == doctest::Approx(0.0625).epsilon(eps));
    // clip 0.5 bounds step 1's 0.8 to 0.5 (relu: h1 = 0.5) and step 2's -0.45 stays.
    c = hand_case("LeakyRelu");
    c.alphas = {1.0f};
    c.clip = 0.5f;
    r = run_rnn(c, rnn_attrs(c), path);
    CHECK(r.y[0] == doctest::Approx(0.5).epsilon(eps));
    CHECK(r.yh[0] == doctest::Approx(-0.45).epsilon(eps));
  }
}

TEST_CASE("RNN forward, reverse and bidirectional match float64, with and without bias and initial state") {
  uint32_t seed = 1;
  for (const char* direction : {"forward", "reverse", "bidirectional"})
    for (bool optional : {false, true}) {
      RnnCase c = shape_case(direction, 6, 3, 5, 7);
      c.randomise(seed++, optional, optional);
      check_case(c);
    }
}

TEST_CASE("RNN activations per direction with their alpha and beta consumed in order, clip") {
  RnnCase c = shape_case("bidirectional", 5, 2, 4, 6);
  c.randomise(20, true, true);
  for (const auto& acts : std::vector<std::vector<std::string>>{
           {"Relu", "Tanh"}, {"Sigmoid", "Relu"}, {"LeakyRelu", "HardSigmoid"}, {"HardSigmoid", "LeakyRelu"}}) {
    CAPTURE(acts[0]);
    CAPTURE(acts[1]);
    c.activations = acts;
    c.alphas = {0.3f, 0.15f};  // one per activation, as both take an alpha
    c.betas = acts[0] == "HardSigmoid" || acts[1] == "HardSigmoid" ? std::vector<float>{0.45f} : std::vector<float>{};
    if (acts[0] != "LeakyRelu" && acts[0] != "HardSigmoid") c.alphas.clear();
    check_case(c);
    c.clip = 0.4f;
    check_case(c);
    c.clip = 0;
  }
  // Activation names are case-insensitive, as onnxruntime reads them.
  RnnCase lower = shape_case("forward", 3, 2, 2, 3);
  lower.randomise(21, true, false);
  lower.activations = {"relu"};
  const EngineResult got = run_rnn(lower, rnn_attrs(lower), KernelPath::Reference);
  lower.activations = {"Relu"};
  expect_close(got.y, reference_rnn(lower).y, 1e-6, "Y");
}

TEST_CASE("RNN sequence_lens shorter than seq: zeros past the end, last valid state carried") {
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    RnnCase c = shape_case(direction, 5, 4, 3, 4);
    c.randomise(7, true, true);
    c.lens = {5, 2, 0, 3};  // one full, two shorter, one empty (its Y_h is the initial state)
    check_case(c);
    c.lens_as_graph_input = true;  // the same lengths fed at run time
    check_case(c);
  }
  RnnCase c = shape_case("forward", 5, 4, 3, 4);
  c.randomise(8, true, true);
  c.lens = {5, 2, 0, 3};
  EngineResult r = run_rnn(c, rnn_attrs(c), best_kernel_path());
  const int64_t H = 4, N = 4;
  for (int64_t j = 0; j < H; ++j) {
    for (int64_t t = 2; t < 5; ++t) CHECK(r.y[static_cast<size_t>((t * N + 1) * H + j)] == 0.0f);
    CHECK(r.yh[static_cast<size_t>(1 * H + j)] == r.y[static_cast<size_t>((1 * N + 1) * H + j)]);
    CHECK(r.yh[static_cast<size_t>(2 * H + j)] == c.h0[static_cast<size_t>(2 * H + j)]);
  }
}

TEST_CASE("RNN layout 1 (batch first), with and without sequence_lens, absent outputs") {
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    RnnCase c = shape_case(direction, 4, 3, 2, 3);
    c.layout = 1;
    c.randomise(9, true, true);
    check_case(c);
    c.lens = {4, 1, 3};
    check_case(c);
  }
  RnnCase c = shape_case("bidirectional", 3, 2, 2, 3);
  c.randomise(10, true, true);
  c.want_y = false;
  check_case(c);
  c.want_y = true;
  c.want_yh = false;
  check_case(c);
}

TEST_CASE("RNN: the fast kernel is bound when it can be, the reference otherwise") {
  if (best_kernel_path() == KernelPath::Reference) return;
  RnnCase c = shape_case("bidirectional", 6, 2, 5, 7);
  c.randomise(11, true, true);
  const EngineResult reference = run_rnn(c, rnn_attrs(c), KernelPath::Reference);
  CHECK(run_rnn(c, rnn_attrs(c), best_kernel_path()).y != reference.y);  // float accumulation somewhere
  c.lens = {6, 6};  // with sequence_lens (even full ones) the reference kernel runs on every path
  const EngineResult with_lens = run_rnn(c, rnn_attrs(c), best_kernel_path());
  CHECK(with_lens.y == reference.y);
  CHECK(with_lens.yh == reference.yh);
}

TEST_CASE("RNN: two threads run the directions at once with one thread's results, bit for bit") {
  RnnCase c = shape_case("bidirectional", 7, 2, 9, 11);
  c.randomise(12, true, true);
  c.activations = {"Tanh", "Relu"};
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const EngineResult one = run_rnn(c, rnn_attrs(c), path, 1), two = run_rnn(c, rnn_attrs(c), path, 2);
    CHECK(one.y == two.y);
    CHECK(one.yh == two.yh);
  }
}

TEST_CASE("RNN run() allocates nothing") {
  for (bool with_lens : {false, true}) {
    RnnCase c = shape_case("bidirectional", 3, 2, 2, 3);
    c.randomise(15, true, true);
    if (with_lens) c.lens = {3, 2};
    for (KernelPath path : supported_kernel_paths()) {
      GraphBuilder g;
      std::vector<int> ins = {g.input("X", DType::F32, {3, 2, 2}), g.constant("W", Tensor::from_f32({2, 3, 2}, c.w)),
                              g.constant("R", Tensor::from_f32({2, 3, 3}, c.r))};
      if (with_lens) {
        Tensor lens(DType::I64, Shape{2});
        static_cast<int64_t*>(lens.mutable_data())[0] = 3, static_cast<int64_t*>(lens.mutable_data())[1] = 2;
        ins.push_back(g.constant("B", Tensor::from_f32({2, 6}, c.b)));
        ins.push_back(g.constant("lens", lens));
      }
      for (int v : g.node_named(OpType::Rnn, "rnn", ins, {"Y", "Y_h"}, rnn_attrs(c))) g.output(v);
      EngineOptions options;
      options.path = path;
      Engine engine(g.build(), options);
      ExecutionContext ctx(engine, 2);
      ctx.run();
      vigil::test::AllocationCounter counter;
      ctx.run();
      CHECK(counter.count() == 0);
    }
  }
}

TEST_CASE("RNN rejects unsupported activations and bad attributes and shapes, naming the node") {
  RnnCase c = shape_case("forward", 3, 2, 2, 3);
  c.randomise(16, false, false);
  auto with = [&](const char* name, AttrValue v) {
    Attributes a = rnn_attrs(c);
    a.set(name, std::move(v));
    return build_error(c, a);
  };
  std::string e = with("activations", std::vector<std::string>{"Softsign"});
  CHECK(contains(e, "RNN 'rnn'"));
  CHECK(contains(e, "unsupported activation 'Softsign' at position 0"));
  CHECK(contains(with("activations", std::vector<std::string>{"Tanh", "Tanh"}), "must list 1 function (one per"));
  CHECK(contains(with("activation_alpha", std::vector<float>{0.5f}),
                 "activation_alpha lists 1 values but the "
                 "activations take 0"));
  CHECK(contains(with("activation_beta", std::vector<float>{0.5f}), "activation_beta lists 1 values"));
  CHECK(contains(with("hidden_size", int64_t{4}), "hidden_size is 4"));
  CHECK(contains(with("direction", std::string("sideways")), "direction must be"));
  CHECK(contains(with("clip", -1.0f), "clip must be > 0"));
  CHECK(contains(with("layout", int64_t{2}), "layout must be 0 or 1"));
  c.lens = {3, 4};
  CHECK(contains(build_error(c, rnn_attrs(c)), "sequence_lens[1] = 4 is outside 0..3"));

  // Shapes: X is [3, 2, 2], H = 3.
  const Tensor w = Tensor::from_f32({1, 3, 2}, std::vector<float>(6, 0.1f));
  const Tensor r = Tensor::from_f32({1, 3, 3}, std::vector<float>(9, 0.1f));
  CHECK(graph_error({{"W", w}, {"R", r}}).empty());
  CHECK(contains(graph_error({{"W", Tensor::from_f32({1, 9, 2}, std::vector<float>(18, 0.1f))}, {"R", r}}),
                 "W must have shape [1,3,2], got [1,9,2]"));  // a GRU's 3 gate blocks
  CHECK(contains(graph_error({{"W", w}, {"R", Tensor::from_f32({1, 4, 3}, std::vector<float>(12, 0.1f))}}),
                 "R must have shape [1,3,3], got [1,4,3]"));
  CHECK(contains(graph_error({{"W", w}, {"R", r}, {"B", Tensor::from_f32({1, 3}, std::vector<float>(3, 0.1f))}}),
                 "B must have shape [1,6]"));
  CHECK(contains(graph_error({{"W", w},
                              {"R", r},
                              {"", Tensor()},
                              {"", Tensor()},
                              {"h0", Tensor::from_f32({1, 3, 3}, std::vector<float>(9, 0.1f))}}),
                 "initial_h must have shape [1,2,3]"));
  CHECK(contains(
      graph_error({{"W", w}, {"R", r}, {"", Tensor()}, {"lens", Tensor::from_f32({2}, std::vector<float>{3, 3})}}),
      "sequence_lens is f32"));
  CHECK(contains(graph_error({{"W", w}}), "RNN 'rnn'"));
}
