// rnn_fast (kernels/rnn_fast): every ISA path this CPU has against rnn_reference (double math) on 600
// random layers: seq 1..12, batch 1..5, input and hidden 1..70 (odd sizes, hidden across one and two
// 64-column blocks), forward / reverse / bidirectional, layout 0 and 1, clip absent or 0.5..3, each
// direction's activation drawn from Tanh, Relu, Sigmoid, LeakyRelu, HardSigmoid, bias / initial_h present
// or null, sequence_lens null or all full, y / y_h / both requested; plus the supported() rules.
//
// Tolerance: |y - ref| <= 2e-5 * (1 + sqrt(input + hidden) / 4) * (1 + max|ref|) per element. The
// pre-activation sums input + hidden + 2 float products (|w| <= 0.4) with rounding error growing like
// sqrt(n) * 2^-24 * sum|terms|; tanh / sigmoid / hard-sigmoid are contractions (slope <= 1) and keep the
// state in [-1, 1], so the carried error does not grow; relu and leaky relu let the state grow (its scale
// is the 1 + max|ref| factor) and carry the relative error through up to 12 steps of |R| <= 0.4 * hidden
// mixing, which the weights are scaled down by 1 / sqrt(hidden) for, so the products stay contractive on
// average. The measured max error is printed and recorded in docs/OPERATORS.md (RNN).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/rnn/rnn.h"
#include "kernels/rnn_fast/rnn_fast.h"
#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;

namespace {

struct Run {
  double worst = 0.0;
  int layers = 0;
};

struct Options {
  bool bias = true, h0 = false, lens = false, want_y = true, want_yh = true;
};

void check_layer(const RnnParams& p, std::mt19937& rng, const Options& o, Run& run) {
  const int64_t D = p.num_directions(), H = p.hidden_size, B = p.batch, T = p.seq_length, I = p.input_size;
  auto rnd = [&](size_t n, float scale) { return isa_test::random_vector(rng, n, scale); };
  const float scale = 1.2f / std::sqrt(static_cast<float>(I + H));
  const auto x = rnd(T * B * I, 1.0f), w = rnd(D * H * I, scale), r = rnd(D * H * H, scale);
  const auto bias = rnd(D * 2 * H, 0.4f), h0 = rnd(D * B * H, 1.0f);
  std::vector<int64_t> lens(B, T);
  RnnBuffers buf;
  buf.x = x.data(), buf.w = w.data(), buf.r = r.data();
  buf.bias = o.bias ? bias.data() : nullptr;
  buf.initial_h = o.h0 ? h0.data() : nullptr;
  buf.sequence_lens = o.lens ? lens.data() : nullptr;
  REQUIRE(rnn_fast_supported(p, buf));
  std::vector<float> ry(T * D * B * H), rh(D * B * H);
  buf.y = o.want_y ? ry.data() : nullptr, buf.y_h = o.want_yh ? rh.data() : nullptr;
  std::vector<unsigned char> rws(rnn_reference_workspace_bytes(p) + 16);
  rnn_reference(p, buf, rws.data());
  std::vector<float> packed(rnn_fast_packed_floats(p));
  rnn_fast_pack(p, w.data(), r.data(), buf.bias, packed.data());
  double peak = 0.0;
  for (float v : ry) peak = std::max(peak, std::fabs(double(v)));
  for (float v : rh) peak = std::max(peak, std::fabs(double(v)));
  const double tol = 2e-5 * (1.0 + std::sqrt(double(I + H)) / 4.0) * (1.0 + peak);
  for (KernelIsa isa : isa_test::available_isas()) {
    std::vector<float> y(ry.size(), -9.0f), yh(rh.size(), -9.0f);
    RnnBuffers out = buf;
    out.w = out.r = out.bias = nullptr;  // rnn_fast reads the packed weights only
    out.y = o.want_y ? y.data() : nullptr, out.y_h = o.want_yh ? yh.data() : nullptr;
    std::vector<unsigned char> ws(rnn_fast_workspace_bytes(p));
    rnn_fast(isa, p, out, packed.data(), ws.data());
    // The directions one at a time, each with its own workspace (how the engine runs them on two threads),
    // must give the whole call's results bit for bit.
    std::vector<float> sy(ry.size(), -9.0f), syh(rh.size(), -9.0f);
    RnnBuffers split = out;
    split.y = o.want_y ? sy.data() : nullptr, split.y_h = o.want_yh ? syh.data() : nullptr;
    for (int64_t d = D - 1; d >= 0; --d) {
      std::vector<unsigned char> dws(rnn_fast_workspace_bytes(p));
      rnn_fast_directions(isa, p, split, packed.data(), dws.data(), d, d + 1);
    }
    CHECK(sy == y);
    CHECK(syh == yh);
    std::vector<std::pair<const std::vector<float>*, const std::vector<float>*>> pairs;
    if (o.want_y) pairs.push_back({&y, &ry});
    if (o.want_yh) pairs.push_back({&yh, &rh});
    for (const auto& [got, want] : pairs)
      for (size_t i = 0; i < got->size(); ++i) {
        const double err = std::fabs(double((*got)[i]) - double((*want)[i]));
        run.worst = std::max(run.worst, err / (1.0 + peak));
        if (!(err <= tol)) {
          FAIL_CHECK(std::string(kernel_isa_name(isa))
                     << " T" << T << " B" << B << " I" << I << " H" << H << " dirs " << D << " act "
                     << activation_name(p.activation[0].kind) << "/" << activation_name(p.activation[1].kind)
                     << " layout " << p.batch_first << " clip " << p.clip << " element " << i << ": " << (*got)[i]
                     << " vs " << (*want)[i]);
          break;
        }
      }
    // An output not asked for is not written.
    if (!o.want_y) CHECK(y == std::vector<float>(ry.size(), -9.0f));
    if (!o.want_yh) CHECK(yh == std::vector<float>(rh.size(), -9.0f));
  }
  ++run.layers;
}

ActivationParams activation_number(int k) {
  switch (k) {
    case 0:
      return {Activation::Tanh, 0.0f, 0.0f};
    case 1:
      return {Activation::Relu, 0.0f, 0.0f};
    case 2:
      return {Activation::Sigmoid, 0.0f, 0.0f};
    case 3:
      return {Activation::LeakyRelu, 0.1f, 0.0f};
    default:
      return {Activation::HardSigmoid, 0.3f, 0.4f};
  }
}

}  // namespace

TEST_CASE("rnn_fast: every path matches rnn_reference on 600 random layers") {
  std::mt19937 rng(5151);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Run run;
  int layout_seen[2] = {0, 0}, clipped = 0, activation_seen[5] = {0, 0, 0, 0, 0};
  for (int index = 0; index < 600; ++index) {
    RnnParams p;
    p.seq_length = pick(1, 12), p.batch = pick(1, 5), p.input_size = pick(1, 70), p.hidden_size = pick(1, 70);
    p.direction = static_cast<RnnDirection>(index % 3);
    p.batch_first = pick(0, 1) == 1;
    if (pick(0, 3) == 0) p.clip = 0.5f + 0.5f * static_cast<float>(pick(0, 5));
    for (int d = 0; d < 2; ++d) {
      const int k = (index / 3 + 2 * d) % 5;
      p.activation[d] = activation_number(k);
      if (d < p.num_directions()) ++activation_seen[k];
    }
    Options o;
    o.bias = pick(0, 3) != 0, o.h0 = pick(0, 1), o.lens = pick(0, 1);
    const int outputs = pick(0, 3);  // 0, 1: both; 2: y only; 3: y_h only
    o.want_y = outputs != 3, o.want_yh = outputs != 2;
    ++layout_seen[p.batch_first], clipped += p.clip > 0;
    check_layer(p, rng, o, run);
  }
  CHECK(run.layers == 600);
  CHECK(layout_seen[0] > 200);
  CHECK(layout_seen[1] > 200);
  CHECK(clipped > 100);
  for (int k = 0; k < 5; ++k) CHECK(activation_seen[k] > 100);
  MESSAGE("rnn_fast: max |err| / (1 + max|ref|) = " << run.worst);
}

TEST_CASE("rnn_fast: a wide layer (T=16, batch 1, 256 -> 2x128 bidirectional), tanh and relu") {
  std::mt19937 rng(9);
  Run run;
  RnnParams p;
  p.seq_length = 16, p.batch = 1, p.input_size = 256, p.hidden_size = 128;
  p.direction = RnnDirection::Bidirectional;
  for (Activation a : {Activation::Tanh, Activation::Relu}) {
    p.activation[0] = p.activation[1] = {a, 0.0f, 0.0f};
    check_layer(p, rng, Options{}, run);
  }
  MESSAGE("rnn_fast wide: max |err| / (1 + max|ref|) = " << run.worst);
}

TEST_CASE("rnn_fast: supported() rejects what it does not implement") {
  RnnParams p;
  p.seq_length = 3, p.batch = 2, p.input_size = 4, p.hidden_size = 5;
  RnnBuffers buf;
  CHECK(rnn_fast_supported(p, buf));
  const int64_t full_lens[2] = {3, 3}, short_lens[2] = {3, 2};
  RnnBuffers b2 = buf;
  b2.sequence_lens = full_lens;
  CHECK(rnn_fast_supported(p, b2));
  b2.sequence_lens = short_lens;
  CHECK_FALSE(rnn_fast_supported(p, b2));
  RnnParams q = p;
  q.seq_length = 0;
  CHECK_FALSE(rnn_fast_supported(q, buf));
  q = p;
  q.activation[0] = {Activation::Silu, 0.0f, 0.0f};
  CHECK_FALSE(rnn_fast_supported(q, buf));
  // The backward direction's activation counts only for a bidirectional layer.
  q = p;
  q.activation[1] = {Activation::Mish, 0.0f, 0.0f};
  CHECK(rnn_fast_supported(q, buf));
  q.direction = RnnDirection::Bidirectional;
  CHECK_FALSE(rnn_fast_supported(q, buf));
}
