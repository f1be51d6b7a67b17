// gru_fast (kernels/gru_fast): every ISA path this CPU has against gru_reference (double math) on 600
// random layers: seq 1..12, batch 1..5, input and hidden 1..45 (odd sizes, hidden not a multiple of 16),
// forward / reverse / bidirectional, linear_before_reset 0 and 1, layout 0 and 1, clip absent or 0.5..3,
// bias / initial_h present or null, sequence_lens null or all full, y / y_h / both requested; plus the
// actdet-sized temporal layer and the supported() rules.
//
// Tolerance: |y - ref| <= 2e-5 * (1 + sqrt(input + hidden) / 4) per element, as lstm_fast's. Why: each
// step's gate pre-activations sum input + hidden + 2 float products (|w| <= 0.4, |x|, |h| <= 1) with
// rounding error growing like sqrt(n) * 2^-24 * sum|terms| (~1e-6 at n = 90), the sigmoid/tanh add a few ulp,
// and h = (1 - z) n + z h_prev is a convex mix, so the error carried from h_prev over up to 12 steps does not
// grow (the candidate's dependence on h_prev goes through tanh' <= 1 and sigmoid' <= 1/4 and |R| <= 0.4).
// The measured max error is printed and recorded in docs/OPERATORS.md (GRU).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/gru/gru.h"
#include "kernels/gru_fast/gru_fast.h"
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

void check_layer(const GruParams& p, std::mt19937& rng, const Options& o, Run& run) {
  const int64_t D = p.num_directions(), H = p.hidden_size, B = p.batch, T = p.seq_length, I = p.input_size;
  auto rnd = [&](size_t n, float scale) { return isa_test::random_vector(rng, n, scale); };
  const auto x = rnd(T * B * I, 1.0f), w = rnd(D * 3 * H * I, 0.4f), r = rnd(D * 3 * H * H, 0.4f);
  const auto bias = rnd(D * 6 * H, 0.4f), h0 = rnd(D * B * H, 1.0f);
  std::vector<int64_t> lens(B, T);
  GruBuffers buf;
  buf.x = x.data(), buf.w = w.data(), buf.r = r.data();
  buf.bias = o.bias ? bias.data() : nullptr;
  buf.initial_h = o.h0 ? h0.data() : nullptr;
  buf.sequence_lens = o.lens ? lens.data() : nullptr;
  REQUIRE(gru_fast_supported(p, buf));
  std::vector<float> ry(T * D * B * H), rh(D * B * H);
  buf.y = o.want_y ? ry.data() : nullptr, buf.y_h = o.want_yh ? rh.data() : nullptr;
  std::vector<unsigned char> rws(gru_reference_workspace_bytes(p) + 16);
  gru_reference(p, buf, rws.data());
  std::vector<float> packed(gru_fast_packed_floats(p));
  gru_fast_pack(p, w.data(), r.data(), buf.bias, packed.data());
  const double tol = 2e-5 * (1.0 + std::sqrt(double(I + H)) / 4.0);
  for (KernelIsa isa : isa_test::available_isas()) {
    std::vector<float> y(ry.size(), -9.0f), yh(rh.size(), -9.0f);
    GruBuffers out = buf;
    out.w = out.r = out.bias = nullptr;  // gru_fast reads the packed weights only
    out.y = o.want_y ? y.data() : nullptr, out.y_h = o.want_yh ? yh.data() : nullptr;
    std::vector<unsigned char> ws(gru_fast_workspace_bytes(p));
    gru_fast(isa, p, out, packed.data(), ws.data());
    // The directions one at a time, each with its own workspace (how the engine runs them on two
    // threads), must give the whole call's results bit for bit.
    std::vector<float> sy(ry.size(), -9.0f), syh(rh.size(), -9.0f);
    GruBuffers split = out;
    split.y = o.want_y ? sy.data() : nullptr, split.y_h = o.want_yh ? syh.data() : nullptr;
    for (int64_t d = D - 1; d >= 0; --d) {
      std::vector<unsigned char> dws(gru_fast_workspace_bytes(p));
      gru_fast_directions(isa, p, split, packed.data(), dws.data(), d, d + 1);
    }
    CHECK(sy == y);
    CHECK(syh == yh);
    std::vector<std::pair<const std::vector<float>*, const std::vector<float>*>> pairs;
    if (o.want_y) pairs.push_back({&y, &ry});
    if (o.want_yh) pairs.push_back({&yh, &rh});
    for (const auto& [got, want] : pairs)
      for (size_t i = 0; i < got->size(); ++i) {
        const double err = std::fabs(double((*got)[i]) - double((*want)[i]));
        run.worst = std::max(run.worst, err);
        if (!(err <= tol)) {
          FAIL_CHECK(std::string(kernel_isa_name(isa))
                     << " T" << T << " B" << B << " I" << I << " H" << H << " dirs " << D << " lbr "
                     << p.linear_before_reset << " layout " << p.batch_first << " clip " << p.clip << " element " << i
                     << ": " << (*got)[i] << " vs " << (*want)[i]);
          break;
        }
      }
    // An output not asked for is not written.
    if (!o.want_y) CHECK(y == std::vector<float>(ry.size(), -9.0f));
    if (!o.want_yh) CHECK(yh == std::vector<float>(rh.size(), -9.0f));
  }
  ++run.layers;
}

}  // namespace

TEST_CASE("gru_fast: every path matches gru_reference on 600 random layers") {
  std::mt19937 rng(4242);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Run run;
  int lbr_seen[2] = {0, 0}, layout_seen[2] = {0, 0}, clipped = 0;
  for (int index = 0; index < 600; ++index) {
    GruParams p;
    p.seq_length = pick(1, 12), p.batch = pick(1, 5), p.input_size = pick(1, 45), p.hidden_size = pick(1, 45);
    p.direction = static_cast<GruDirection>(index % 3);
    p.linear_before_reset = (index / 3) % 2 == 1;
    p.batch_first = pick(0, 1) == 1;
    if (pick(0, 3) == 0) p.clip = 0.5f + 0.5f * static_cast<float>(pick(0, 5));
    Options o;
    o.bias = pick(0, 3) != 0, o.h0 = pick(0, 1), o.lens = pick(0, 1);
    const int outputs = pick(0, 3);  // 0, 1: both; 2: y only; 3: y_h only
    o.want_y = outputs != 3, o.want_yh = outputs != 2;
    ++lbr_seen[p.linear_before_reset], ++layout_seen[p.batch_first], clipped += p.clip > 0;
    check_layer(p, rng, o, run);
  }
  CHECK(run.layers == 600);
  CHECK(lbr_seen[0] > 200);
  CHECK(lbr_seen[1] > 200);
  CHECK(layout_seen[0] > 200);
  CHECK(layout_seen[1] > 200);
  CHECK(clipped > 100);
  MESSAGE("gru_fast: max |err| = " << run.worst);
}

TEST_CASE("gru_fast: actdet-sized temporal layer (T=16, batch 1, 256 -> 2x128 bidirectional), both resets") {
  std::mt19937 rng(8);
  Run run;
  GruParams p;
  p.seq_length = 16, p.batch = 1, p.input_size = 256, p.hidden_size = 128;
  p.direction = GruDirection::Bidirectional;
  for (bool lbr : {false, true}) {
    p.linear_before_reset = lbr;
    check_layer(p, rng, Options{}, run);
  }
  MESSAGE("gru_fast actdet-sized: max |err| = " << run.worst);
}

TEST_CASE("gru_fast: supported() rejects what it does not implement") {
  GruParams p;
  p.seq_length = 3, p.batch = 2, p.input_size = 4, p.hidden_size = 5;
  GruBuffers buf;
  CHECK(gru_fast_supported(p, buf));
  GruParams q = p;
  q.clip = 1.0f, q.batch_first = true, q.linear_before_reset = true;
  CHECK(gru_fast_supported(q, buf));  // all of these are implemented
  const int64_t full_lens[2] = {3, 3}, short_lens[2] = {3, 2};
  GruBuffers b2 = buf;
  b2.sequence_lens = full_lens;
  CHECK(gru_fast_supported(p, b2));
  b2.sequence_lens = short_lens;
  CHECK_FALSE(gru_fast_supported(p, b2));
  q = p;
  q.seq_length = 0;
  CHECK_FALSE(gru_fast_supported(q, buf));
}
