// LSTM against a hand-rolled float64 LSTM written here from the ONNX equations, organised differently from
// the kernel (time-major over the whole batch, one matrix per gate), plus hand-checked tiny cases and
// attribute/shape errors. Outputs are compared in layout 0 ([seq, dirs, batch, H] and [dirs, batch, H]).
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

using namespace vigil;

namespace {

using Matrix = std::vector<std::vector<double>>;

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

struct LstmCase {
  int64_t seq = 1, batch = 1, input = 1, hidden = 1;
  std::string direction = "forward";
  int layout = 0;
  float clip = 0;  // 0: attribute absent
  bool input_forget = false;
  // Data in layout 0; empty vectors are absent inputs.
  std::vector<float> x, w, r, b, h0, c0, p;
  std::vector<int64_t> lens;
  DType lens_dtype = DType::I32;
  bool lens_as_graph_input = false;
  bool want_y = true, want_yh = true, want_yc = true;

  int64_t dirs() const { return direction == "bidirectional" ? 2 : 1; }

  // Random weights and inputs; the optional parts as requested.
  void randomise(uint32_t seed, bool with_bias, bool with_initial, bool with_peepholes) {
    const auto H = hidden, D = dirs();
    x = pseudo_random(static_cast<size_t>(seq * batch * input), seed + 1, 1.0f);
    w = pseudo_random(static_cast<size_t>(D * 4 * H * input), seed + 2, 0.6f);
    r = pseudo_random(static_cast<size_t>(D * 4 * H * H), seed + 3, 0.6f);
    if (with_bias) b = pseudo_random(static_cast<size_t>(D * 8 * H), seed + 4, 0.5f);
    if (with_initial) {
      h0 = pseudo_random(static_cast<size_t>(D * batch * H), seed + 5, 0.8f);
      c0 = pseudo_random(static_cast<size_t>(D * batch * H), seed + 6, 1.5f);
    }
    if (with_peepholes) p = pseudo_random(static_cast<size_t>(D * 3 * H), seed + 7, 0.7f);
  }
};

struct LstmResult {
  std::vector<double> y, yh, yc;  // layout 0
};

// ---- the float64 reference -------------------------------------------------------------------------

double logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }

LstmResult reference_lstm(const LstmCase& c) {
  const int64_t T = c.seq, N = c.batch, I = c.input, H = c.hidden, D = c.dirs();
  LstmResult out;
  out.y.assign(static_cast<size_t>(T * D * N * H), 0.0);
  out.yh.assign(static_cast<size_t>(D * N * H), 0.0);
  out.yc.assign(static_cast<size_t>(D * N * H), 0.0);
  auto cut = [&](double v) { return c.clip > 0 ? std::min(std::max(v, -double{c.clip}), double{c.clip}) : v; };
  enum Gate { kI, kO, kF, kC };

  for (int64_t d = 0; d < D; ++d) {
    const bool backwards = c.direction == "reverse" || d == 1;
    // Per-gate weight matrices and bias vectors (gate blocks are stacked i, o, f, c).
    std::vector<Matrix> Wg(4, Matrix(static_cast<size_t>(H), std::vector<double>(static_cast<size_t>(I)))),
        Rg(4, Matrix(static_cast<size_t>(H), std::vector<double>(static_cast<size_t>(H))));
    std::vector<std::vector<double>> bias(4, std::vector<double>(static_cast<size_t>(H), 0.0));
    std::vector<std::vector<double>> peep(3, std::vector<double>(static_cast<size_t>(H), 0.0));  // i, o, f
    for (int g = 0; g < 4; ++g)
      for (int64_t j = 0; j < H; ++j) {
        const int64_t row = d * 4 * H + g * H + j;
        for (int64_t k = 0; k < I; ++k)
          Wg[g][static_cast<size_t>(j)][static_cast<size_t>(k)] = c.w[static_cast<size_t>(row * I + k)];
        for (int64_t k = 0; k < H; ++k)
          Rg[g][static_cast<size_t>(j)][static_cast<size_t>(k)] = c.r[static_cast<size_t>(row * H + k)];
        if (!c.b.empty())
          bias[static_cast<size_t>(g)][static_cast<size_t>(j)] =
              double{c.b[static_cast<size_t>(d * 8 * H + g * H + j)]} +
              double{c.b[static_cast<size_t>(d * 8 * H + 4 * H + g * H + j)]};
      }
    if (!c.p.empty())
      for (int g = 0; g < 3; ++g)
        for (int64_t j = 0; j < H; ++j)
          peep[static_cast<size_t>(g)][static_cast<size_t>(j)] = c.p[static_cast<size_t>(d * 3 * H + g * H + j)];

    Matrix h(static_cast<size_t>(N), std::vector<double>(static_cast<size_t>(H), 0.0)), cell = h;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t j = 0; j < H; ++j) {
        const size_t at = static_cast<size_t>((d * N + n) * H + j);
        if (!c.h0.empty()) h[static_cast<size_t>(n)][static_cast<size_t>(j)] = c.h0[at];
        if (!c.c0.empty()) cell[static_cast<size_t>(n)][static_cast<size_t>(j)] = c.c0[at];
      }

    // Time-major over the whole batch: at position `pos` every sequence still running takes one step.
    for (int64_t pos = 0; pos < T; ++pos) {
      for (int64_t n = 0; n < N; ++n) {
        const int64_t len = c.lens.empty() ? T : c.lens[static_cast<size_t>(n)];
        if (pos >= len) continue;
        const int64_t t = backwards ? len - 1 - pos : pos;
        const float* xt = &c.x[static_cast<size_t>((t * N + n) * I)];
        auto& hn = h[static_cast<size_t>(n)];
        auto& cn = cell[static_cast<size_t>(n)];
        Matrix pre(4, std::vector<double>(static_cast<size_t>(H)));
        for (int g = 0; g < 4; ++g)
          for (int64_t j = 0; j < H; ++j) {
            double s = bias[static_cast<size_t>(g)][static_cast<size_t>(j)];
            for (int64_t k = 0; k < I; ++k) s += Wg[g][static_cast<size_t>(j)][static_cast<size_t>(k)] * xt[k];
            for (int64_t k = 0; k < H; ++k)
              s += Rg[g][static_cast<size_t>(j)][static_cast<size_t>(k)] * hn[static_cast<size_t>(k)];
            pre[static_cast<size_t>(g)][static_cast<size_t>(j)] = s;
          }
        std::vector<double> new_h(static_cast<size_t>(H)), new_c(static_cast<size_t>(H));
        for (size_t j = 0; j < static_cast<size_t>(H); ++j) {
          const double ig = logistic(cut(pre[kI][j] + peep[0][j] * cn[j]));
          const double fg = c.input_forget ? 1.0 - ig : logistic(cut(pre[kF][j] + peep[2][j] * cn[j]));
          const double candidate = std::tanh(cut(pre[kC][j]));
          new_c[j] = fg * cn[j] + ig * candidate;
          const double og = logistic(cut(pre[kO][j] + peep[1][j] * new_c[j]));
          new_h[j] = og * std::tanh(new_c[j]);
        }
        hn = new_h;
        cn = new_c;
        for (int64_t j = 0; j < H; ++j)
          out.y[static_cast<size_t>(((t * D + d) * N + n) * H + j)] = hn[static_cast<size_t>(j)];
      }
    }
    for (int64_t n = 0; n < N; ++n)
      for (int64_t j = 0; j < H; ++j) {
        out.yh[static_cast<size_t>((d * N + n) * H + j)] = h[static_cast<size_t>(n)][static_cast<size_t>(j)];
        out.yc[static_cast<size_t>((d * N + n) * H + j)] = cell[static_cast<size_t>(n)][static_cast<size_t>(j)];
      }
  }
  return out;
}

// ---- running the engine ----------------------------------------------------------------------------

// Swaps the two outer dims of a [A, B, inner] array: layout conversions of X, states and Y.
template <typename T>
std::vector<T> swap_outer(const std::vector<T>& v, int64_t A, int64_t B, int64_t inner) {
  std::vector<T> out(v.size());
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < inner; ++k)
        out[static_cast<size_t>((b * A + a) * inner + k)] = v[static_cast<size_t>((a * B + b) * inner + k)];
  return out;
}

Tensor lens_tensor(const LstmCase& c) {
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

Attributes lstm_attrs(const LstmCase& c) {
  Attributes a;
  a.set("hidden_size", c.hidden);
  a.set("direction", c.direction);
  if (c.layout) a.set("layout", int64_t{c.layout});
  if (c.clip > 0) a.set("clip", c.clip);
  if (c.input_forget) a.set("input_forget", int64_t{1});
  return a;
}

// Adds one LSTM node reading `x` to the builder; returns its output ids (kNoValue where not wanted).
std::vector<int> add_lstm(GraphBuilder& g, const LstmCase& c, const std::string& name, int x, Attributes attrs) {
  const int64_t D = c.dirs(), H = c.hidden;
  auto state_tensor = [&](const std::vector<float>& v) {
    return c.layout ? Tensor::from_f32({c.batch, D, H}, swap_outer(v, D, c.batch, H))
                    : Tensor::from_f32({D, c.batch, H}, v);
  };
  std::vector<int> ins = {x, g.constant(name + ".W", Tensor::from_f32({D, 4 * H, c.input}, c.w)),
                          g.constant(name + ".R", Tensor::from_f32({D, 4 * H, H}, c.r))};
  ins.push_back(c.b.empty() ? kNoValue : g.constant(name + ".B", Tensor::from_f32({D, 8 * H}, c.b)));
  if (c.lens.empty())
    ins.push_back(kNoValue);
  else if (c.lens_as_graph_input)
    ins.push_back(g.input(name + ".lens", c.lens_dtype, Shape{c.batch}));
  else
    ins.push_back(g.constant(name + ".lens", lens_tensor(c)));
  ins.push_back(c.h0.empty() ? kNoValue : g.constant(name + ".h0", state_tensor(c.h0)));
  ins.push_back(c.c0.empty() ? kNoValue : g.constant(name + ".c0", state_tensor(c.c0)));
  ins.push_back(c.p.empty() ? kNoValue : g.constant(name + ".P", Tensor::from_f32({D, 3 * H}, c.p)));
  while (ins.back() == kNoValue) ins.pop_back();  // trailing absent inputs may be omitted, as in ONNX
  return g.node_named(OpType::Lstm, name, ins,
                      {c.want_y ? name + ".Y" : "", c.want_yh ? name + ".Y_h" : "", c.want_yc ? name + ".Y_c" : ""},
                      std::move(attrs));
}

struct EngineResult {
  std::vector<float> y, yh, yc;  // converted to layout 0; empty when not requested
};

EngineResult run_lstm(const LstmCase& c, Attributes attrs) {
  const int64_t D = c.dirs(), H = c.hidden;
  GraphBuilder g;
  const Shape x_shape = c.layout ? Shape{c.batch, c.seq, c.input} : Shape{c.seq, c.batch, c.input};
  int x = g.input("X", DType::F32, x_shape);
  std::vector<int> outs = add_lstm(g, c, "lstm", x, std::move(attrs));
  for (int v : outs)
    if (v != kNoValue) g.output(v);
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  const std::vector<float> x_data = c.layout ? swap_outer(c.x, c.seq, c.batch, c.input) : c.x;
  std::copy(x_data.begin(), x_data.end(), ctx.input("X").f32());
  if (c.lens_as_graph_input) {
    Tensor lens = lens_tensor(c);
    std::memcpy(ctx.input("lstm.lens").data, lens.data(), lens.bytes());
  }
  ctx.run();
  EngineResult r;
  auto fetch = [&](const char* name) {
    TensorView v = ctx.output(name);
    return std::vector<float>(v.f32(), v.f32() + v.numel());
  };
  if (c.want_y) {
    r.y = fetch("lstm.Y");
    // layout 1 Y is [batch, seq, D, H]: bring it to [seq, D, batch, H].
    if (c.layout) {
      const std::vector<float> batch_first = r.y;
      for (int64_t n = 0; n < c.batch; ++n)
        for (int64_t t = 0; t < c.seq; ++t)
          for (int64_t d = 0; d < D; ++d)
            for (int64_t j = 0; j < H; ++j)
              r.y[static_cast<size_t>(((t * D + d) * c.batch + n) * H + j)] =
                  batch_first[static_cast<size_t>(((n * c.seq + t) * D + d) * H + j)];
    }
  }
  if (c.want_yh) r.yh = c.layout ? swap_outer(fetch("lstm.Y_h"), c.batch, D, H) : fetch("lstm.Y_h");
  if (c.want_yc) r.yc = c.layout ? swap_outer(fetch("lstm.Y_c"), c.batch, D, H) : fetch("lstm.Y_c");
  return r;
}

// Outputs are rounded from double once, so agreement is to float precision.
constexpr double kTolerance = 1e-6;

void expect_close(const std::vector<float>& got, const std::vector<double>& want, const char* what) {
  CAPTURE(what);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(got[i] - want[i]) <= kTolerance * std::max(1.0, std::fabs(want[i])));
  }
}

void check_case(const LstmCase& c) {
  CAPTURE(c.direction);
  CAPTURE(c.layout);
  LstmResult want = reference_lstm(c);
  EngineResult got = run_lstm(c, lstm_attrs(c));
  if (c.want_y) expect_close(got.y, want.y, "Y");
  if (c.want_yh) expect_close(got.yh, want.yh, "Y_h");
  if (c.want_yc) expect_close(got.yc, want.yc, "Y_c");
}

LstmCase shape_case(const char* direction, int64_t seq, int64_t batch, int64_t input, int64_t hidden) {
  LstmCase c;
  c.direction = direction;
  c.seq = seq;
  c.batch = batch;
  c.input = input;
  c.hidden = hidden;
  return c;
}

std::string build_error(const LstmCase& c, Attributes attrs) {
  try {
    run_lstm(c, std::move(attrs));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("LSTM hand-checked: seq 1, hidden 1") {
  // x = 1, h0 = 0, every gate weight 0 except the cell gate's ln(3)/2, so i = o = f = sigmoid(0) = 1/2 and
  // the candidate is tanh(ln(3)/2) = (3 - 1) / (3 + 1) = 1/2. With c0 = ln(3) - 1/2:
  //   c = f*c0 + i*g = (ln3 - 1/2)/2 + 1/4 = ln(3)/2,   h = o * tanh(c) = 1/2 * 1/2 = 1/4.
  const double ln3 = std::log(3.0);
  LstmCase c;
  c.x = {1.0f};
  c.w = {0, 0, 0, static_cast<float>(ln3 / 2)};
  c.r = {0, 0, 0, 0};
  c.c0 = {static_cast<float>(ln3 - 0.5)};
  c.h0 = {0.0f};
  EngineResult r = run_lstm(c, lstm_attrs(c));
  CHECK(r.y[0] == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(r.yh[0] == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(r.yc[0] == doctest::Approx(ln3 / 2).epsilon(1e-6));

  // An output-gate peephole of ln(4)/ln(3) sees the NEW cell state: o = sigmoid(ln(4)/ln(3) * ln(3)/2) =
  // sigmoid(ln 2) = 2/3, so h = 2/3 * 1/2 = 1/3 (the old state would give 0.3400).
  c.p = {0.0f, static_cast<float>(std::log(4.0) / ln3), 0.0f};
  r = run_lstm(c, lstm_attrs(c));
  CHECK(r.yh[0] == doctest::Approx(1.0 / 3.0).epsilon(1e-6));
  CHECK(r.yc[0] == doctest::Approx(ln3 / 2).epsilon(1e-6));

  // input_forget: f = 1 - i = 1/2, the same value here, so nothing changes; clip 0.1 bounds the candidate's
  // pre-activation ln(3)/2 = 0.549 to 0.1: c = (ln3 - 1/2)/2 + tanh(0.1)/2.
  c.p.clear();
  c.clip = 0.1f;
  r = run_lstm(c, lstm_attrs(c));
  CHECK(r.yc[0] == doctest::Approx((ln3 - 0.5) / 2 + std::tanh(0.1) / 2).epsilon(1e-6));
}

TEST_CASE("LSTM forward without optional inputs matches float64") {
  LstmCase c = shape_case("forward", 5, 3, 4, 6);
  c.randomise(1, false, false, false);
  check_case(c);
}

TEST_CASE("LSTM forward with bias and initial states") {
  LstmCase c = shape_case("forward", 4, 2, 3, 5);
  c.randomise(2, true, true, false);
  check_case(c);
}

TEST_CASE("LSTM reverse with bias and initial states") {
  LstmCase c = shape_case("reverse", 6, 2, 3, 4);
  c.randomise(3, true, true, false);
  check_case(c);
}

TEST_CASE("LSTM bidirectional with and without bias") {
  LstmCase c = shape_case("bidirectional", 5, 3, 4, 3);
  c.randomise(4, true, true, false);
  check_case(c);
  c.randomise(5, false, false, false);
  check_case(c);
}

TEST_CASE("LSTM sequence_lens shorter than seq: zeros past the end, last valid state carried") {
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    for (DType dtype : {DType::I32, DType::I64}) {
      LstmCase c = shape_case(direction, 5, 4, 3, 4);
      c.randomise(6, true, true, false);
      c.lens = {5, 2, 0, 3};  // one full, two shorter, one empty (its Y_h/Y_c are the initial state)
      c.lens_dtype = dtype;
      check_case(c);
      c.lens_as_graph_input = true;  // the same lengths fed at run time
      check_case(c);
    }
  }
  // The reference's claims, checked directly on the engine: batch entry 1 (length 2) has zero rows from
  // step 2 on, Y_h equals its last computed row, and the empty entry 2 keeps its initial state.
  LstmCase c = shape_case("forward", 5, 4, 3, 4);
  c.randomise(7, true, true, false);
  c.lens = {5, 2, 0, 3};
  EngineResult r = run_lstm(c, lstm_attrs(c));
  const int64_t H = 4, N = 4;
  for (int64_t j = 0; j < H; ++j) {
    for (int64_t t = 2; t < 5; ++t) CHECK(r.y[static_cast<size_t>((t * N + 1) * H + j)] == 0.0f);
    CHECK(r.yh[static_cast<size_t>(1 * H + j)] == r.y[static_cast<size_t>((1 * N + 1) * H + j)]);
    CHECK(r.yh[static_cast<size_t>(2 * H + j)] == c.h0[static_cast<size_t>(2 * H + j)]);
    CHECK(r.yc[static_cast<size_t>(2 * H + j)] == c.c0[static_cast<size_t>(2 * H + j)]);
  }
  // Reverse: entry 1 starts at its own last valid step (1), so its Y_h is the row of step 0.
  c.direction = "reverse";
  r = run_lstm(c, lstm_attrs(c));
  for (int64_t j = 0; j < H; ++j)
    CHECK(r.yh[static_cast<size_t>(1 * H + j)] == r.y[static_cast<size_t>((0 * N + 1) * H + j)]);
}

TEST_CASE("LSTM peepholes, clip and input_forget") {
  LstmCase c = shape_case("bidirectional", 4, 2, 3, 5);
  c.randomise(8, true, true, true);
  check_case(c);
  c.clip = 0.3f;  // small enough to bind most pre-activations
  check_case(c);
  c.input_forget = true;
  check_case(c);
  c.clip = 0;
  check_case(c);
}

TEST_CASE("LSTM layout 1 (batch first)") {
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    LstmCase c = shape_case(direction, 4, 3, 2, 3);
    c.layout = 1;
    c.randomise(9, true, true, true);
    c.lens = {4, 1, 3};
    check_case(c);
  }
}

TEST_CASE("LSTM absent outputs") {
  LstmCase c = shape_case("bidirectional", 3, 2, 2, 3);
  c.randomise(10, true, true, false);
  c.want_y = false;  // only Y_h and Y_c, as a classifier on the final state would use
  check_case(c);
  c.want_y = true;
  c.want_yh = c.want_yc = false;
  check_case(c);
  c.want_yc = true;
  c.want_y = false;
  check_case(c);
}

TEST_CASE("LSTM two bidirectional layers stacked in one graph") {
  // Layer 1's Y [seq, 2, batch, H] becomes layer 2's X [seq, batch, 2H] through Transpose + Reshape, the
  // way PyTorch exports a 2-layer bidirectional nn.LSTM.
  LstmCase l1 = shape_case("bidirectional", 5, 2, 3, 4);
  l1.randomise(11, true, false, false);
  l1.want_yh = l1.want_yc = false;
  LstmCase l2 = shape_case("bidirectional", 5, 2, 8, 3);
  l2.randomise(12, true, true, true);
  l2.want_yc = false;

  GraphBuilder g;
  int x = g.input("X", DType::F32, {l1.seq, l1.batch, l1.input});
  int y1 = add_lstm(g, l1, "layer1", x, lstm_attrs(l1))[0];
  int t = g.node(OpType::Transpose, "swap", {y1}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
  int x2 = g.node(OpType::Reshape, "merge", {t}, {{"shape", std::vector<int64_t>{0, 0, -1}}});
  std::vector<int> outs = add_lstm(g, l2, "layer2", x2, lstm_attrs(l2));
  g.output(outs[0]);
  g.output(outs[1]);
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  std::copy(l1.x.begin(), l1.x.end(), ctx.input("X").f32());
  ctx.run();

  // Reference: layer 1 in float64, rounded to float as the engine hands it on, rearranged, then layer 2.
  LstmResult r1 = reference_lstm(l1);
  const int64_t T = 5, N = 2, H1 = 4;
  l2.x.assign(static_cast<size_t>(T * N * 2 * H1), 0.0f);
  for (int64_t s = 0; s < T; ++s)
    for (int64_t d = 0; d < 2; ++d)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t j = 0; j < H1; ++j)
          l2.x[static_cast<size_t>((s * N + n) * 2 * H1 + d * H1 + j)] =
              static_cast<float>(r1.y[static_cast<size_t>(((s * 2 + d) * N + n) * H1 + j)]);
  LstmResult r2 = reference_lstm(l2);
  TensorView y = ctx.output("layer2.Y");
  TensorView yh = ctx.output("layer2.Y_h");
  CHECK(y.shape == Shape{5, 2, 2, 3});
  expect_close(std::vector<float>(y.f32(), y.f32() + y.numel()), r2.y, "Y");
  expect_close(std::vector<float>(yh.f32(), yh.f32() + yh.numel()), r2.yh, "Y_h");
}

TEST_CASE("LSTM run() allocates nothing") {
  LstmCase c = shape_case("bidirectional", 3, 2, 2, 3);
  c.randomise(13, true, true, true);
  c.lens = {3, 2};
  GraphBuilder g;
  int x = g.input("X", DType::F32, {3, 2, 2});
  for (int v : add_lstm(g, c, "lstm", x, lstm_attrs(c))) g.output(v);
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  ctx.run();
  vigil::test::AllocationCounter counter;
  ctx.run();
  CHECK(counter.count() == 0);
}

TEST_CASE("LSTM rejects unsupported activations and bad shapes, naming the node") {
  LstmCase c = shape_case("forward", 3, 2, 2, 3);
  c.randomise(14, false, false, false);

  Attributes relu = lstm_attrs(c);
  relu.set("activations", std::vector<std::string>{"Sigmoid", "Relu", "Tanh"});
  std::string e = build_error(c, relu);
  CHECK(e.find("LSTM 'lstm'") != std::string::npos);
  CHECK(e.find("Relu") != std::string::npos);
  CHECK(e.find("only the default activations") != std::string::npos);

  Attributes defaults = lstm_attrs(c);  // spelling the defaults out is fine, in any case
  defaults.set("activations", std::vector<std::string>{"sigmoid", "Tanh", "TANH"});
  CHECK(build_error(c, defaults).empty());

  Attributes too_few = lstm_attrs(c);
  too_few.set("activations", std::vector<std::string>{"Sigmoid", "Tanh"});
  CHECK(build_error(c, too_few).find("must list 3") != std::string::npos);

  Attributes hidden = lstm_attrs(c);
  hidden.set("hidden_size", int64_t{4});
  CHECK(build_error(c, hidden).find("hidden_size is 4") != std::string::npos);

  Attributes direction = lstm_attrs(c);
  direction.set("direction", std::string("sideways"));
  CHECK(build_error(c, direction).find("direction must be") != std::string::npos);

  Attributes clip = lstm_attrs(c);
  clip.set("clip", -1.0f);
  CHECK(build_error(c, clip).find("clip must be > 0") != std::string::npos);

  LstmCase bad_w = c;
  bad_w.w.resize(bad_w.w.size() - 3 * 2);  // pretend 3 rows are missing: W [1, 9, 2]
  {
    GraphBuilder g;
    int x = g.input("X", DType::F32, {3, 2, 2});
    int w = g.constant("W", Tensor::from_f32({1, 9, 2}, bad_w.w));
    int r = g.constant("R", Tensor::from_f32({1, 12, 3}, c.r));
    g.output(g.node(OpType::Lstm, "lstm", {x, w, r}));
    try {
      g.build();
      FAIL("a W of shape [1,9,2] was accepted");
    } catch (const Error& err) {
      CHECK(std::string(err.what()).find("W must have shape [1,12,2]") != std::string::npos);
    }
  }

  LstmCase float_lens = c;
  float_lens.lens = {3, 3};
  float_lens.lens_dtype = DType::F32;
  CHECK(build_error(float_lens, lstm_attrs(c)).find("sequence_lens is f32") != std::string::npos);

  LstmCase long_lens = c;
  long_lens.lens = {3, 4};
  CHECK(build_error(long_lens, lstm_attrs(c)).find("sequence_lens[1] = 4 is outside 0..3") != std::string::npos);
}
