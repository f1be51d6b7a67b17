// GRU through the engine against a float64 GRU written here from the ONNX equations, organised differently
// from the kernels (time-major over the whole batch, one matrix per gate, matrix-vector helpers as numpy
// would write it), on every kernel path this CPU has; plus hand-checked tiny cases for both
// linear_before_reset values, sequence_lens, layouts, stacking, threads, and attribute/shape errors.
// Outputs are compared in layout 0 ([seq, dirs, batch, H] and [dirs, batch, H]).
//
// Tolerance: the reference path rounds once from double, so 1e-6 * max(1, |want|); the fast paths
// (gru_fast, float accumulation) are held to gru_fast's bound 2e-5 * (1 + sqrt(input + hidden) / 4)
// (tests/unit/test_gru_fast.cpp says why).
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
using Matrix = std::vector<Vec>;

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

struct GruCase {
  int64_t seq = 1, batch = 1, input = 1, hidden = 1;
  std::string direction = "forward";
  int layout = 0;
  int linear_before_reset = 0;
  float clip = 0;  // 0: attribute absent
  // Data in layout 0; empty vectors are absent inputs.
  std::vector<float> x, w, r, b, h0;
  std::vector<int64_t> lens;
  DType lens_dtype = DType::I32;
  bool lens_as_graph_input = false;
  bool want_y = true, want_yh = true;

  int64_t dirs() const { return direction == "bidirectional" ? 2 : 1; }

  void randomise(uint32_t seed, bool with_bias, bool with_initial) {
    const auto H = hidden, D = dirs();
    x = pseudo_random(static_cast<size_t>(seq * batch * input), seed + 1, 1.0f);
    w = pseudo_random(static_cast<size_t>(D * 3 * H * input), seed + 2, 0.6f);
    r = pseudo_random(static_cast<size_t>(D * 3 * H * H), seed + 3, 0.6f);
    b.clear(), h0.clear();
    if (with_bias) b = pseudo_random(static_cast<size_t>(D * 6 * H), seed + 4, 0.5f);
    if (with_initial) h0 = pseudo_random(static_cast<size_t>(D * batch * H), seed + 5, 0.8f);
  }
};

struct GruResult {
  std::vector<double> y, yh;  // layout 0
};

// ---- the float64 reference -------------------------------------------------------------------------

double logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }

Vec matvec(const Matrix& m, const Vec& v) {
  Vec out(m.size(), 0.0);
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t k = 0; k < v.size(); ++k) out[i] += m[i][k] * v[k];
  return out;
}

Vec add(Vec a, const Vec& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

Vec mul(Vec a, const Vec& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] *= b[i];
  return a;
}

GruResult reference_gru(const GruCase& c) {
  const int64_t T = c.seq, N = c.batch, I = c.input, H = c.hidden, D = c.dirs();
  const size_t h = static_cast<size_t>(H);
  GruResult out;
  out.y.assign(static_cast<size_t>(T * D * N * H), 0.0);
  out.yh.assign(static_cast<size_t>(D * N * H), 0.0);
  auto act = [&](Vec v, bool gate) {
    for (double& e : v) {
      if (c.clip > 0) e = std::min(std::max(e, -double{c.clip}), double{c.clip});
      e = gate ? logistic(e) : std::tanh(e);
    }
    return v;
  };
  enum Gate { kZ, kR, kH };

  for (int64_t d = 0; d < D; ++d) {
    const bool backwards = c.direction == "reverse" || d == 1;
    // Per-gate matrices and bias vectors (gate blocks are stacked z, r, h; B is Wb then Rb).
    std::vector<Matrix> Wg(3, Matrix(h, Vec(static_cast<size_t>(I)))), Rg(3, Matrix(h, Vec(h)));
    std::vector<Vec> wb(3, Vec(h, 0.0)), rb(3, Vec(h, 0.0));
    for (size_t g = 0; g < 3; ++g)
      for (size_t j = 0; j < h; ++j) {
        const size_t row = static_cast<size_t>(d) * 3 * h + g * h + j;
        for (size_t k = 0; k < static_cast<size_t>(I); ++k) Wg[g][j][k] = c.w[row * static_cast<size_t>(I) + k];
        for (size_t k = 0; k < h; ++k) Rg[g][j][k] = c.r[row * h + k];
        if (!c.b.empty()) {
          wb[g][j] = c.b[static_cast<size_t>(d) * 6 * h + g * h + j];
          rb[g][j] = c.b[static_cast<size_t>(d) * 6 * h + 3 * h + g * h + j];
        }
      }
    Matrix state(static_cast<size_t>(N), Vec(h, 0.0));
    if (!c.h0.empty())
      for (size_t n = 0; n < static_cast<size_t>(N); ++n)
        for (size_t j = 0; j < h; ++j)
          state[n][j] = c.h0[(static_cast<size_t>(d) * static_cast<size_t>(N) + n) * h + j];

    // Time-major over the whole batch: at position `pos` every sequence still running takes one step.
    for (int64_t pos = 0; pos < T; ++pos) {
      for (int64_t n = 0; n < N; ++n) {
        const int64_t len = c.lens.empty() ? T : c.lens[static_cast<size_t>(n)];
        if (pos >= len) continue;
        const int64_t t = backwards ? len - 1 - pos : pos;
        const Vec xt(c.x.begin() + (t * N + n) * I, c.x.begin() + (t * N + n + 1) * I);
        Vec& hp = state[static_cast<size_t>(n)];
        const Vec z = act(add(add(matvec(Wg[kZ], xt), matvec(Rg[kZ], hp)), add(wb[kZ], rb[kZ])), true);
        const Vec r = act(add(add(matvec(Wg[kR], xt), matvec(Rg[kR], hp)), add(wb[kR], rb[kR])), true);
        const Vec from_h =
            c.linear_before_reset ? mul(add(matvec(Rg[kH], hp), rb[kH]), r) : add(matvec(Rg[kH], mul(r, hp)), rb[kH]);
        const Vec cand = act(add(add(matvec(Wg[kH], xt), wb[kH]), from_h), false);
        for (size_t j = 0; j < h; ++j) hp[j] = (1.0 - z[j]) * cand[j] + z[j] * hp[j];
        for (size_t j = 0; j < h; ++j) out.y[static_cast<size_t>(((t * D + d) * N + n) * H) + j] = hp[j];
      }
    }
    for (size_t n = 0; n < static_cast<size_t>(N); ++n)
      for (size_t j = 0; j < h; ++j)
        out.yh[(static_cast<size_t>(d) * static_cast<size_t>(N) + n) * h + j] = state[n][j];
  }
  return out;
}

// ---- running the engine ----------------------------------------------------------------------------

// Swaps the two outer dims of a [A, B, inner] array: layout conversions of X, states and Y_h.
template <typename T>
std::vector<T> swap_outer(const std::vector<T>& v, int64_t A, int64_t B, int64_t inner) {
  std::vector<T> out(v.size());
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < inner; ++k)
        out[static_cast<size_t>((b * A + a) * inner + k)] = v[static_cast<size_t>((a * B + b) * inner + k)];
  return out;
}

Tensor lens_tensor(const GruCase& c) {
  Tensor t(c.lens_dtype, Shape{c.batch});
  for (int64_t n = 0; n < c.batch; ++n) {
    if (c.lens_dtype == DType::I32)
      static_cast<int32_t*>(t.mutable_data())[n] = static_cast<int32_t>(c.lens[static_cast<size_t>(n)]);
    else if (c.lens_dtype == DType::I64)
      static_cast<int64_t*>(t.mutable_data())[n] = c.lens[static_cast<size_t>(n)];
    else
      static_cast<float*>(t.mutable_data())[n] = static_cast<float>(c.lens[static_cast<size_t>(n)]);
  }
  return t;
}

Attributes gru_attrs(const GruCase& c) {
  Attributes a;
  a.set("hidden_size", c.hidden);
  a.set("direction", c.direction);
  if (c.layout) a.set("layout", int64_t{c.layout});
  if (c.clip > 0) a.set("clip", c.clip);
  if (c.linear_before_reset) a.set("linear_before_reset", int64_t{c.linear_before_reset});
  return a;
}

// Adds one GRU node reading `x` to the builder; returns its output ids (kNoValue where not wanted).
std::vector<int> add_gru(GraphBuilder& g, const GruCase& c, const std::string& name, int x, Attributes attrs) {
  const int64_t D = c.dirs(), H = c.hidden;
  std::vector<int> ins = {x, g.constant(name + ".W", Tensor::from_f32({D, 3 * H, c.input}, c.w)),
                          g.constant(name + ".R", Tensor::from_f32({D, 3 * H, H}, c.r))};
  ins.push_back(c.b.empty() ? kNoValue : g.constant(name + ".B", Tensor::from_f32({D, 6 * H}, c.b)));
  if (c.lens.empty())
    ins.push_back(kNoValue);
  else if (c.lens_as_graph_input)
    ins.push_back(g.input(name + ".lens", c.lens_dtype, Shape{c.batch}));
  else
    ins.push_back(g.constant(name + ".lens", lens_tensor(c)));
  if (c.h0.empty())
    ins.push_back(kNoValue);
  else
    ins.push_back(g.constant(name + ".h0", c.layout ? Tensor::from_f32({c.batch, D, H}, swap_outer(c.h0, D, c.batch, H))
                                                    : Tensor::from_f32({D, c.batch, H}, c.h0)));
  while (ins.back() == kNoValue) ins.pop_back();  // trailing absent inputs may be omitted, as in ONNX
  return g.node_named(OpType::Gru, name, ins, {c.want_y ? name + ".Y" : "", c.want_yh ? name + ".Y_h" : ""},
                      std::move(attrs));
}

struct EngineResult {
  std::vector<float> y, yh;  // converted to layout 0; empty when not requested
};

EngineResult run_gru(const GruCase& c, Attributes attrs, KernelPath path, int threads = 1) {
  const int64_t D = c.dirs(), H = c.hidden;
  GraphBuilder g;
  const Shape x_shape = c.layout ? Shape{c.batch, c.seq, c.input} : Shape{c.seq, c.batch, c.input};
  int x = g.input("X", DType::F32, x_shape);
  for (int v : add_gru(g, c, "gru", x, std::move(attrs)))
    if (v != kNoValue) g.output(v);
  EngineOptions options;
  options.path = path;
  Engine engine(g.build(), options);
  ExecutionContext ctx(engine, threads);
  const std::vector<float> x_data = c.layout ? swap_outer(c.x, c.seq, c.batch, c.input) : c.x;
  std::copy(x_data.begin(), x_data.end(), ctx.input("X").f32());
  if (c.lens_as_graph_input) {
    Tensor lens = lens_tensor(c);
    std::memcpy(ctx.input("gru.lens").data, lens.data(), lens.bytes());
  }
  ctx.run();
  EngineResult r;
  auto fetch = [&](const char* name) {
    TensorView v = ctx.output(name);
    return std::vector<float>(v.f32(), v.f32() + v.numel());
  };
  if (c.want_y) {
    r.y = fetch("gru.Y");
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
  if (c.want_yh) r.yh = c.layout ? swap_outer(fetch("gru.Y_h"), c.batch, D, H) : fetch("gru.Y_h");
  return r;
}

double tolerance(const GruCase& c, KernelPath path) {
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

// The case on every kernel path this CPU has.
void check_case(const GruCase& c) {
  CAPTURE(c.direction);
  CAPTURE(c.layout);
  CAPTURE(c.linear_before_reset);
  const GruResult want = reference_gru(c);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const EngineResult got = run_gru(c, gru_attrs(c), path);
    if (c.want_y) expect_close(got.y, want.y, tolerance(c, path), "Y");
    if (c.want_yh) expect_close(got.yh, want.yh, tolerance(c, path), "Y_h");
  }
}

GruCase shape_case(const char* direction, int64_t seq, int64_t batch, int64_t input, int64_t hidden) {
  GruCase c;
  c.direction = direction;
  c.seq = seq;
  c.batch = batch;
  c.input = input;
  c.hidden = hidden;
  return c;
}

std::string build_error(const GruCase& c, Attributes attrs) {
  try {
    run_gru(c, std::move(attrs), KernelPath::Reference);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Builds a one-GRU graph from explicit tensors (for shapes the case struct cannot express).
std::string graph_error(const std::vector<std::pair<std::string, Tensor>>& inputs, Attributes attrs = {}) {
  try {
    GraphBuilder g;
    std::vector<int> ins = {g.input("X", DType::F32, {3, 2, 2})};
    for (const auto& [name, t] : inputs) ins.push_back(name.empty() ? kNoValue : g.constant(name, t));
    g.output(g.node(OpType::Gru, "gru", ins, std::move(attrs)));
    g.build();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The hand case: x = 1, h0 = 1, hidden 1. z's weights are 0, so z = 1/2; r's input weight is ln 3, so
// r = sigmoid(ln 3) = 3/4; the candidate's recurrent weight is 1 and its only bias is Rbh = rbh.
GruCase hand_case(int linear_before_reset, double rbh) {
  GruCase c;
  c.linear_before_reset = linear_before_reset;
  c.x = {1.0f};
  c.h0 = {1.0f};
  c.w = {0.0f, static_cast<float>(std::log(3.0)), 0.0f};  // z, r, h
  c.r = {0.0f, 0.0f, 1.0f};
  c.b = {0, 0, 0, 0, 0, static_cast<float>(rbh)};  // Wbz Wbr Wbh Rbz Rbr Rbh
  return c;
}

}  // namespace

TEST_CASE("GRU hand-checked: linear_before_reset 0 and 1, seq 1, hidden 1, every path") {
  // linear_before_reset = 0: pre = Rh (r h) + Rbh = 3/4 + Rbh. Rbh = ln(3)/2 - 3/4 makes it ln(3)/2, whose
  // tanh is 1/2: h = (1 - z) n + z h0 = 1/4 + 1/2 = 3/4.
  const double ln3 = std::log(3.0), ln2 = std::log(2.0);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    GruCase c = hand_case(0, ln3 / 2 - 0.75);
    EngineResult r = run_gru(c, gru_attrs(c), path);
    CHECK(r.y[0] == doctest::Approx(0.75).epsilon(1e-6));
    CHECK(r.yh[0] == doctest::Approx(0.75).epsilon(1e-6));

    // linear_before_reset = 1: pre = r (Rh h0 + Rbh) = 3/4 (1 + Rbh). Rbh = 4 ln(2)/3 - 1 makes it ln 2, whose
    // tanh is 3/5: h = 3/10 + 1/2 = 4/5. The same weights without linear_before_reset give
    // pre = 3/4 + Rbh = 4 ln(2)/3 - 1/4 instead: h = tanh(that)/2 + 1/2 (0.7667 rather than 0.8).
    c = hand_case(1, 4 * ln2 / 3 - 1);
    r = run_gru(c, gru_attrs(c), path);
    CHECK(r.yh[0] == doctest::Approx(0.8).epsilon(1e-6));
    c.linear_before_reset = 0;
    r = run_gru(c, gru_attrs(c), path);
    CHECK(r.yh[0] == doctest::Approx(std::tanh(4 * ln2 / 3 - 0.25) / 2 + 0.5).epsilon(1e-6));

    // clip 0.1 bounds r's pre-activation ln 3 to 0.1 and then the candidate's r + Rbh (0.32) to 0.1.
    c = hand_case(0, ln3 / 2 - 0.75);
    c.clip = 0.1f;
    r = run_gru(c, gru_attrs(c), path);
    CHECK(r.yh[0] == doctest::Approx(std::tanh(0.1) / 2 + 0.5).epsilon(1e-6));

    // The gate blocks are z, r, h: the same ln 3 in the z block instead gives z = 3/4, r = 1/2 and
    // pre = 1/2 + Rbh: h = tanh(ln(3)/2 - 1/4)/4 + 3/4.
    c = hand_case(0, ln3 / 2 - 0.75);
    c.w = {static_cast<float>(ln3), 0.0f, 0.0f};
    r = run_gru(c, gru_attrs(c), path);
    CHECK(r.yh[0] == doctest::Approx(std::tanh(ln3 / 2 - 0.25) / 4 + 0.75).epsilon(1e-6));
  }
}

TEST_CASE("GRU forward without optional inputs matches float64, both resets") {
  for (int lbr : {0, 1}) {
    GruCase c = shape_case("forward", 5, 3, 4, 6);
    c.linear_before_reset = lbr;
    c.randomise(1, false, false);
    check_case(c);
  }
}

TEST_CASE("GRU forward and reverse with bias and initial state, both resets") {
  for (const char* direction : {"forward", "reverse"})
    for (int lbr : {0, 1}) {
      GruCase c = shape_case(direction, 6, 2, 3, 5);
      c.linear_before_reset = lbr;
      c.randomise(2 + static_cast<uint32_t>(lbr), true, true);
      check_case(c);
    }
}

TEST_CASE("GRU bidirectional with and without bias, clip") {
  for (int lbr : {0, 1}) {
    GruCase c = shape_case("bidirectional", 5, 3, 4, 3);
    c.linear_before_reset = lbr;
    c.randomise(4, true, true);
    check_case(c);
    c.randomise(5, false, false);
    check_case(c);
    c.randomise(6, true, true);
    c.clip = 0.3f;  // small enough to bind most pre-activations
    check_case(c);
  }
}

TEST_CASE("GRU sequence_lens shorter than seq: zeros past the end, last valid state carried") {
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    for (DType dtype : {DType::I32, DType::I64}) {
      GruCase c = shape_case(direction, 5, 4, 3, 4);
      c.randomise(7, true, true);
      c.linear_before_reset = dtype == DType::I64;
      c.lens = {5, 2, 0, 3};  // one full, two shorter, one empty (its Y_h is the initial state)
      c.lens_dtype = dtype;
      check_case(c);
      c.lens_as_graph_input = true;  // the same lengths fed at run time
      check_case(c);
    }
  }
  // The reference's claims, checked directly on the engine: batch entry 1 (length 2) has zero rows from
  // step 2 on, Y_h equals its last computed row, and the empty entry 2 keeps its initial state.
  GruCase c = shape_case("forward", 5, 4, 3, 4);
  c.randomise(8, true, true);
  c.lens = {5, 2, 0, 3};
  EngineResult r = run_gru(c, gru_attrs(c), best_kernel_path());
  const int64_t H = 4, N = 4;
  for (int64_t j = 0; j < H; ++j) {
    for (int64_t t = 2; t < 5; ++t) CHECK(r.y[static_cast<size_t>((t * N + 1) * H + j)] == 0.0f);
    CHECK(r.yh[static_cast<size_t>(1 * H + j)] == r.y[static_cast<size_t>((1 * N + 1) * H + j)]);
    CHECK(r.yh[static_cast<size_t>(2 * H + j)] == c.h0[static_cast<size_t>(2 * H + j)]);
  }
  // Reverse: entry 1 starts at its own last valid step (1), so its Y_h is the row of step 0.
  c.direction = "reverse";
  r = run_gru(c, gru_attrs(c), best_kernel_path());
  for (int64_t j = 0; j < H; ++j)
    CHECK(r.yh[static_cast<size_t>(1 * H + j)] == r.y[static_cast<size_t>((0 * N + 1) * H + j)]);
}

TEST_CASE("GRU layout 1 (batch first), with and without sequence_lens") {
  for (const char* direction : {"forward", "reverse", "bidirectional"})
    for (int lbr : {0, 1}) {
      GruCase c = shape_case(direction, 4, 3, 2, 3);
      c.layout = 1;
      c.linear_before_reset = lbr;
      c.randomise(9, true, true);
      check_case(c);  // the fast paths run layout 1 themselves
      c.lens = {4, 1, 3};
      check_case(c);
    }
}

TEST_CASE("GRU absent outputs") {
  GruCase c = shape_case("bidirectional", 3, 2, 2, 3);
  c.randomise(10, true, true);
  c.want_y = false;  // only Y_h, as a classifier on the final state would use
  check_case(c);
  c.want_y = true;
  c.want_yh = false;
  check_case(c);
}

TEST_CASE("GRU: the fast kernel is bound when it can be, the reference otherwise") {
  if (best_kernel_path() == KernelPath::Reference) return;
  GruCase c = shape_case("bidirectional", 6, 2, 5, 7);
  c.randomise(11, true, true);
  c.linear_before_reset = 1;
  const EngineResult reference = run_gru(c, gru_attrs(c), KernelPath::Reference);
  // Float accumulation somewhere differs from the double reference's rounding.
  CHECK(run_gru(c, gru_attrs(c), best_kernel_path()).y != reference.y);
  // With sequence_lens (even full ones) the reference kernel runs on every path: the same bits.
  c.lens = {6, 6};
  const EngineResult with_lens = run_gru(c, gru_attrs(c), best_kernel_path());
  CHECK(with_lens.y == reference.y);
  CHECK(with_lens.yh == reference.yh);
}

TEST_CASE("GRU: two threads run the directions at once with one thread's results, bit for bit") {
  GruCase c = shape_case("bidirectional", 7, 2, 9, 11);
  c.randomise(12, true, true);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    const EngineResult one = run_gru(c, gru_attrs(c), path, 1), two = run_gru(c, gru_attrs(c), path, 2);
    CHECK(one.y == two.y);
    CHECK(one.yh == two.yh);
  }
}

TEST_CASE("GRU two bidirectional layers stacked in one graph") {
  // Layer 1's Y [seq, 2, batch, H] becomes layer 2's X [seq, batch, 2H] through Transpose + Reshape, the
  // way PyTorch exports a 2-layer bidirectional nn.GRU.
  GruCase l1 = shape_case("bidirectional", 5, 2, 3, 4);
  l1.linear_before_reset = 1;
  l1.randomise(13, true, false);
  l1.want_yh = false;
  GruCase l2 = shape_case("bidirectional", 5, 2, 8, 3);
  l2.linear_before_reset = 1;
  l2.randomise(14, true, true);

  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    GraphBuilder g;
    int x = g.input("X", DType::F32, {l1.seq, l1.batch, l1.input});
    int y1 = add_gru(g, l1, "layer1", x, gru_attrs(l1))[0];
    int t = g.node(OpType::Transpose, "swap", {y1}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
    int x2 = g.node(OpType::Reshape, "merge", {t}, {{"shape", std::vector<int64_t>{0, 0, -1}}});
    std::vector<int> outs = add_gru(g, l2, "layer2", x2, gru_attrs(l2));
    g.output(outs[0]);
    g.output(outs[1]);
    EngineOptions options;
    options.path = path;
    Engine engine(g.build(), options);
    ExecutionContext ctx(engine);
    std::copy(l1.x.begin(), l1.x.end(), ctx.input("X").f32());
    ctx.run();

    // Reference: layer 1 in float64, rounded to float as the engine hands it on, rearranged, then layer 2.
    GruResult r1 = reference_gru(l1);
    const int64_t T = 5, N = 2, H1 = 4;
    l2.x.assign(static_cast<size_t>(T * N * 2 * H1), 0.0f);
    for (int64_t s = 0; s < T; ++s)
      for (int64_t d = 0; d < 2; ++d)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t j = 0; j < H1; ++j)
            l2.x[static_cast<size_t>((s * N + n) * 2 * H1 + d * H1 + j)] =
                static_cast<float>(r1.y[static_cast<size_t>(((s * 2 + d) * N + n) * H1 + j)]);
    GruResult r2 = reference_gru(l2);
    TensorView y = ctx.output("layer2.Y");
    TensorView yh = ctx.output("layer2.Y_h");
    CHECK(y.shape == Shape{5, 2, 2, 3});
    CHECK(yh.shape == Shape{2, 2, 3});
    // Layer 1's own float error reaches layer 2 through its input: twice the one-layer allowance.
    const double tol = 2 * tolerance(l2, path);
    expect_close(std::vector<float>(y.f32(), y.f32() + y.numel()), r2.y, tol, "Y");
    expect_close(std::vector<float>(yh.f32(), yh.f32() + yh.numel()), r2.yh, tol, "Y_h");
  }
}

TEST_CASE("GRU run() allocates nothing") {
  for (bool with_lens : {false, true}) {
    GruCase c = shape_case("bidirectional", 3, 2, 2, 3);
    c.randomise(15, true, true);
    if (with_lens) c.lens = {3, 2};
    GraphBuilder g;
    int x = g.input("X", DType::F32, {3, 2, 2});
    for (int v : add_gru(g, c, "gru", x, gru_attrs(c))) g.output(v);
    Engine engine(g.build());
    ExecutionContext ctx(engine, 2);
    ctx.run();
    vigil::test::AllocationCounter counter;
    ctx.run();
    CHECK(counter.count() == 0);
  }
}

TEST_CASE("GRU rejects unsupported activations and bad attributes and shapes, naming the node") {
  GruCase c = shape_case("forward", 3, 2, 2, 3);
  c.randomise(16, false, false);

  Attributes relu = gru_attrs(c);
  relu.set("activations", std::vector<std::string>{"Relu", "Tanh"});
  std::string e = build_error(c, relu);
  CHECK(contains(e, "GRU 'gru'"));
  CHECK(contains(e, "Relu"));
  CHECK(contains(e, "only the default activations Sigmoid, Tanh"));

  Attributes defaults = gru_attrs(c);  // spelling the defaults out is fine, in any case
  defaults.set("activations", std::vector<std::string>{"sigmoid", "TANH"});
  CHECK(build_error(c, defaults).empty());

  Attributes too_many = gru_attrs(c);
  too_many.set("activations", std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"});
  CHECK(contains(build_error(c, too_many), "must list 2"));

  Attributes hidden = gru_attrs(c);
  hidden.set("hidden_size", int64_t{4});
  CHECK(contains(build_error(c, hidden), "hidden_size is 4"));

  Attributes direction = gru_attrs(c);
  direction.set("direction", std::string("sideways"));
  CHECK(contains(build_error(c, direction), "direction must be"));

  Attributes clip = gru_attrs(c);
  clip.set("clip", -1.0f);
  CHECK(contains(build_error(c, clip), "clip must be > 0"));

  Attributes lbr = gru_attrs(c);
  lbr.set("linear_before_reset", int64_t{2});
  CHECK(contains(build_error(c, lbr), "linear_before_reset must be 0 or 1, got 2"));

  Attributes layout = gru_attrs(c);
  layout.set("layout", int64_t{2});
  CHECK(contains(build_error(c, layout), "layout must be 0 or 1"));

  // Shapes: X is [3, 2, 2], H = 3.
  const Tensor w = Tensor::from_f32({1, 9, 2}, std::vector<float>(18, 0.1f));
  const Tensor r = Tensor::from_f32({1, 9, 3}, std::vector<float>(27, 0.1f));
  CHECK(graph_error({{"W", w}, {"R", r}}).empty());
  CHECK(contains(graph_error({{"W", Tensor::from_f32({1, 12, 2}, std::vector<float>(24, 0.1f))}, {"R", r}}),
                 "W must have shape [1,9,2], got [1,12,2]"));  // an LSTM's 4 gate blocks
  CHECK(contains(graph_error({{"W", w}, {"R", Tensor::from_f32({1, 12, 3}, std::vector<float>(36, 0.1f))}}),
                 "R must have shape [1,9,3], got [1,12,3]"));
  CHECK(contains(graph_error({{"W", w}, {"R", r}, {"B", Tensor::from_f32({1, 9}, std::vector<float>(9, 0.1f))}}),
                 "B must have shape [1,18]"));
  CHECK(contains(graph_error({{"W", w},
                              {"R", r},
                              {"", Tensor()},
                              {"", Tensor()},
                              {"h0", Tensor::from_f32({1, 3, 3}, std::vector<float>(9, 0.1f))}}),
                 "initial_h must have shape [1,2,3]"));
  CHECK(contains(graph_error({{"W", Tensor::from_f32({9, 2}, std::vector<float>(18, 0.1f))}, {"R", r}}),
                 "W must have rank 3"));
  Attributes bidirectional;
  bidirectional.set("direction", std::string("bidirectional"));
  CHECK(contains(graph_error({{"W", w}, {"R", r}}, bidirectional), "W must have shape [2,9,2]"));

  GruCase float_lens = c;
  float_lens.lens = {3, 3};
  float_lens.lens_dtype = DType::F32;
  CHECK(contains(build_error(float_lens, gru_attrs(c)), "sequence_lens is f32"));

  GruCase long_lens = c;
  long_lens.lens = {3, 4};
  CHECK(contains(build_error(long_lens, gru_attrs(c)), "sequence_lens[1] = 4 is outside 0..3"));
}
