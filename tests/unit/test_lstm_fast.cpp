// lstm_fast (kernels/lstm_fast): every ISA path this CPU has against lstm_reference (double math) on 500
// random layers: seq 1..9, batch 1..5, input and hidden 1..45 (odd sizes, hidden not a multiple of 16),
// forward / reverse / bidirectional, bias / initial_h / initial_c present or null, sequence_lens null or
// all full, any of y / y_h / y_c requested; plus the actdet temporal layer shape and the supported() rules.
//
// Tolerance: |y - ref| <= 2e-5 * (1 + sqrt(input + hidden) / 4) per element. Why: each step's gate
// pre-activations sum input + hidden + 2 float products (|w| <= 0.4, |x|, |h| <= 1) with rounding error
// growing like sqrt(n) * 2^-24 * sum|terms| (~1e-6 at n = 90), the sigmoid/tanh add a few ulp (h9's
// bound), and the error carried in h and c over up to 9 steps is damped by sigmoid' <= 1/4 and tanh' <= 1.
// The measured max error is printed and recorded in docs/KERNELS.md.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/lstm/lstm.h"
#include "kernels/lstm_fast/lstm_fast.h"
#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;

namespace {

struct Run {
  double worst = 0.0;
};

void check_layer(const LstmParams& p, std::mt19937& rng, bool with_bias, bool with_h0, bool with_c0, bool with_lens,
                 Run& run) {
  const int64_t D = p.num_directions(), H = p.hidden_size, B = p.batch, T = p.seq_length, I = p.input_size;
  auto rnd = [&](size_t n, float scale) { return isa_test::random_vector(rng, n, scale); };
  const auto x = rnd(T * B * I, 1.0f), w = rnd(D * 4 * H * I, 0.4f), r = rnd(D * 4 * H * H, 0.4f);
  const auto bias = rnd(D * 8 * H, 0.4f), h0 = rnd(D * B * H, 1.0f), c0 = rnd(D * B * H, 1.0f);
  std::vector<int64_t> lens(B, T);
  LstmBuffers buf;
  buf.x = x.data(), buf.w = w.data(), buf.r = r.data();
  buf.bias = with_bias ? bias.data() : nullptr;
  buf.initial_h = with_h0 ? h0.data() : nullptr;
  buf.initial_c = with_c0 ? c0.data() : nullptr;
  buf.sequence_lens = with_lens ? lens.data() : nullptr;
  REQUIRE(lstm_fast_supported(p, buf));
  std::vector<float> ry(T * D * B * H), rh(D * B * H), rc(D * B * H);
  buf.y = ry.data(), buf.y_h = rh.data(), buf.y_c = rc.data();
  std::vector<unsigned char> rws(lstm_reference_workspace_bytes(p) + 16);
  lstm_reference(p, buf, rws.data());
  std::vector<float> packed(lstm_fast_packed_floats(p));
  lstm_fast_pack(p, w.data(), r.data(), buf.bias, packed.data());
  const double tol = 2e-5 * (1.0 + std::sqrt(double(I + H)) / 4.0);
  for (KernelIsa isa : isa_test::available_isas()) {
    std::vector<float> y(ry.size(), -9.0f), yh(rh.size(), -9.0f), yc(rc.size(), -9.0f);
    LstmBuffers out = buf;
    out.w = out.r = out.bias = nullptr;  // lstm_fast reads the packed weights only
    out.y = y.data(), out.y_h = yh.data(), out.y_c = yc.data();
    std::vector<unsigned char> ws(lstm_fast_workspace_bytes(p));
    lstm_fast(isa, p, out, packed.data(), ws.data());
    // The directions one at a time, each with its own workspace (how the engine runs them on two
    // threads), must give the whole call's results bit for bit.
    std::vector<float> sy(ry.size(), -9.0f), syh(rh.size(), -9.0f), syc(rc.size(), -9.0f);
    LstmBuffers split = out;
    split.y = sy.data(), split.y_h = syh.data(), split.y_c = syc.data();
    for (int64_t d = D - 1; d >= 0; --d) {
      std::vector<unsigned char> dws(lstm_fast_workspace_bytes(p));
      lstm_fast_directions(isa, p, split, packed.data(), dws.data(), d, d + 1);
    }
    CHECK(sy == y);
    CHECK(syh == yh);
    CHECK(syc == yc);
    const std::pair<const std::vector<float>*, const std::vector<float>*> pairs[] = {{&y, &ry}, {&yh, &rh}, {&yc, &rc}};
    for (const auto& [got, want] : pairs)
      for (size_t i = 0; i < got->size(); ++i) {
        const double err = std::fabs(double((*got)[i]) - double((*want)[i]));
        run.worst = std::max(run.worst, err);
        if (!(err <= tol)) {
          FAIL_CHECK(std::string(kernel_isa_name(isa))
                     << " T" << T << " B" << B << " I" << I << " H" << H << " dirs " << D << " element " << i << ": "
                     << (*got)[i] << " vs " << (*want)[i]);
          break;
        }
      }
  }
}

}  // namespace

TEST_CASE("lstm_fast: every path matches lstm_reference on 500 random layers") {
  std::mt19937 rng(31337);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Run run;
  for (int index = 0; index < 500; ++index) {
    LstmParams p;
    p.seq_length = pick(1, 9), p.batch = pick(1, 5), p.input_size = pick(1, 45), p.hidden_size = pick(1, 45);
    p.direction = static_cast<LstmDirection>(index % 3);
    check_layer(p, rng, pick(0, 3) != 0, pick(0, 1), pick(0, 1), pick(0, 1), run);
  }
  MESSAGE("lstm_fast: max |err| = " << run.worst);
}

TEST_CASE("lstm_fast: actdet temporal layers (T=16, batch 1, 256->128 and 256->128 bidirectional)") {
  std::mt19937 rng(8);
  Run run;
  LstmParams p;
  p.seq_length = 16, p.batch = 1, p.input_size = 256, p.hidden_size = 128;
  p.direction = LstmDirection::Bidirectional;
  check_layer(p, rng, true, false, false, false, run);
  MESSAGE("lstm_fast actdet: max |err| = " << run.worst);
}

TEST_CASE("lstm_fast: supported() rejects what it does not implement") {
  LstmParams p;
  p.seq_length = 3, p.batch = 2, p.input_size = 4, p.hidden_size = 5;
  LstmBuffers buf;
  CHECK(lstm_fast_supported(p, buf));
  LstmParams q = p;
  q.clip = 1.0f;
  CHECK_FALSE(lstm_fast_supported(q, buf));
  q = p;
  q.input_forget = true;
  CHECK_FALSE(lstm_fast_supported(q, buf));
  q = p;
  q.batch_first = true;
  CHECK_FALSE(lstm_fast_supported(q, buf));
  const float peep[15] = {};
  LstmBuffers b2 = buf;
  b2.peepholes = peep;
  CHECK_FALSE(lstm_fast_supported(p, b2));
  const int64_t short_lens[2] = {3, 2};
  b2 = buf;
  b2.sequence_lens = short_lens;
  CHECK_FALSE(lstm_fast_supported(p, b2));
}
