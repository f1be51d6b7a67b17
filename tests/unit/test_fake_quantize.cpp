// FakeQuantize (QuantizeLinear -> DequantizeLinear in f32): the kernel against hand-computed values (ties
// rounding to even, saturation at both ends, NaN and infinities as onnxruntime, int8 / uint8 / int16 and
// zero points, per-channel scales on any axis), against an independent double loop on random values
// including exact ties, and the engine op's attribute checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "graph_query_support.h"
#include "kernels/fake_quantize/fake_quantize.h"

using namespace vigil;

namespace {

using V = std::vector<float>;

V fake_quantize_all(const V& x, float scale, int32_t zp, int32_t qmin, int32_t qmax) {
  V y(x.size());
  const kernels::FakeQuantizeParams p{1, 1, static_cast<int64_t>(x.size()), &scale, &zp, qmin, qmax};
  kernels::fake_quantize_reference(p, x.data(), y.data());
  return y;
}

// The definition once more, written differently: the FPU's round-to-nearest-even on the double quotient,
// std::clamp, the dequantization in double rounded once (exact here: small integer times a float).
float independent(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax) {
  const float quotient = x / scale;
  double q = std::isnan(quotient) ? qmin : std::nearbyint(static_cast<double>(quotient)) + zp;
  q = std::clamp(q, static_cast<double>(qmin), static_cast<double>(qmax));
  return static_cast<float>((q - zp) * static_cast<double>(scale));
}

}  // namespace

TEST_CASE("fake_quantize: int8 with a zero point rounds ties to even and saturates at both ends") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // scale 0.5, zero point 3: q = clamp(round(2x) + 3, -128, 127), y = (q - 3) / 2.
  const V x = {1.25f,  0.75f,   -1.25f, -0.25f,  0.25f,  1.75f, -1.75f, 0.2f, 62.25f,
               62.75f, 1000.0f, -65.5f, -65.75f, -1e30f, nan,   inf,    -inf};
  const V want = {1.0f,  1.0f,  -1.0f,  0.0f,   0.0f,   2.0f,   -2.0f, 0.0f,  62.0f,
                  62.0f, 62.0f, -65.5f, -65.5f, -65.5f, -65.5f, 62.0f, -65.5f};
  const V got = fake_quantize_all(x, 0.5f, 3, -128, 127);
  for (size_t k = 0; k < x.size(); ++k) {
    CAPTURE(x[k]);
    CHECK(got[k] == want[k]);
  }
  // The integer itself: 2.5 -> 2 (even), 3.5 -> 4, -2.5 -> -2, each plus the zero point.
  CHECK(kernels::quantize_value(1.25f, 0.5f, 3, -128, 127) == 5);
  CHECK(kernels::quantize_value(1.75f, 0.5f, 3, -128, 127) == 7);
  CHECK(kernels::quantize_value(-1.25f, 0.5f, 3, -128, 127) == 1);
  CHECK(kernels::quantize_value(nan, 0.5f, 3, -128, 127) == -128);
}

TEST_CASE("fake_quantize: uint8 and int16 ranges, negative scale") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // uint8, scale 0.1, zero point 128: q in [0, 255], so y in [-12.8, 12.7]; NaN -> q = 0 (onnxruntime).
  const V got = fake_quantize_all({0.05f, 0.15f, -0.25f, 12.7f, 13.0f, -12.8f, -20.0f, nan}, 0.1f, 128, 0, 255);
  CHECK(got[0] == 0.0f);                             // 0.05f / 0.1f is 0.5 in f32: a tie, to 0 (even)
  CHECK(got[1] == static_cast<float>(2) * 0.1f);     // 0.15f / 0.1f is 1.5 in f32: -> 2
  CHECK(got[2] == static_cast<float>(-2) * 0.1f);    // -2.5 -> -2
  CHECK(got[3] == static_cast<float>(127) * 0.1f);   // q = 255
  CHECK(got[4] == static_cast<float>(127) * 0.1f);   // saturated at 255
  CHECK(got[5] == static_cast<float>(-128) * 0.1f);  // q = 0
  CHECK(got[6] == static_cast<float>(-128) * 0.1f);  // saturated at 0
  CHECK(got[7] == static_cast<float>(-128) * 0.1f);  // NaN -> qmin
  // int16: the range is wide enough that 300 / 0.01 = 30000 fits, 400 / 0.01 does not.
  const V wide = fake_quantize_all({300.0f, 400.0f, -400.0f, 0.005f, 0.015f}, 0.01f, 0, -32768, 32767);
  CHECK(wide[0] == static_cast<float>(30000) * 0.01f);
  CHECK(wide[1] == static_cast<float>(32767) * 0.01f);
  CHECK(wide[2] == static_cast<float>(-32768) * 0.01f);
  // A negative scale flips the order: x = 1 -> q = round(-2) = -2 -> y = 1; +inf / -0.5 = -inf -> qmin.
  const V neg = fake_quantize_all({1.0f, std::numeric_limits<float>::infinity()}, -0.5f, 0, -128, 127);
  CHECK(neg[0] == 1.0f);
  CHECK(neg[1] == static_cast<float>(-128) * -0.5f);
}

TEST_CASE("fake_quantize: per-channel scales and zero points along the middle axis") {
  // x [2, 3, 2], channel axis 1: scales {0.5, 1, 2}, zero points {0, 10, -5}, int8.
  const V scales = {0.5f, 1.0f, 2.0f};
  const std::vector<int32_t> zps = {0, 10, -5};
  const V x = {0.25f,  0.75f,   2.5f,   -3.5f,   3.0f,    5.0f,  // image 0: channels 0, 1, 2
               100.0f, -100.0f, 117.6f, -200.0f, -266.0f, 300.0f};
  const kernels::FakeQuantizeParams p{2, 3, 2, scales.data(), zps.data(), -128, 127};
  V y(x.size());
  kernels::fake_quantize_reference(p, x.data(), y.data());
  // ch0 s=.5: .5 -> 0, 1.5 -> 2 => 0, 1.  ch1 s=1 zp 10: 2.5 -> 2, -3.5 -> -4.  ch2 s=2 zp -5: 1.5 -> 2 => 4, 2.5 -> 2
  // => 4. image 1: ch0: 200 -> 127 => 63.5, -200 -> -128 => -64.  ch1: 117.6 -> 118 + 10 = 128 -> 127 => 117; -200 + 10
  // -> -128 => -138.  ch2: -133 - 5 = -138 -> -128 => (-128 + 5) * 2 = -246; 150 - 5 = 145 -> 127 => 264.
  const V want = {0.0f, 1.0f, 2.0f, -4.0f, 4.0f, 4.0f, 63.5f, -64.0f, 117.0f, -138.0f, -246.0f, 264.0f};
  for (size_t k = 0; k < x.size(); ++k) {
    CAPTURE(k);
    CHECK(y[k] == want[k]);
  }
}

TEST_CASE("fake_quantize: random values and exact ties match an independent double evaluation") {
  REQUIRE(std::fegetround() == FE_TONEAREST);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-3.0f, 3.0f);
  std::uniform_int_distribution<int> zp_of(-20, 20), k_of(-140, 140);
  const float scales[] = {0.5f, 0.25f, 0.0078125f, 0.013f, 0.1f, 3.0f};
  int ties = 0;
  for (float scale : scales)
    for (int t = 0; t < 400; ++t) {
      const int32_t zp = zp_of(rng);
      // Half the values sit exactly on a rounding boundary (k + 0.5) * scale when that is representable.
      const float x = t % 2 ? value(rng) * 40.0f * scale : (static_cast<float>(k_of(rng)) + 0.5f) * scale;
      if (t % 2 == 0 && std::fabs(x / scale - std::trunc(x / scale)) == 0.5f) ++ties;
      CAPTURE(x);
      CAPTURE(scale);
      CAPTURE(zp);
      CHECK(kernels::fake_quantize_value(x, scale, zp, -128, 127) == independent(x, scale, zp, -128, 127));
      CHECK(kernels::fake_quantize_value(x, scale, zp + 128, 0, 255) == independent(x, scale, zp + 128, 0, 255));
    }
  CHECK(ties > 600);  // the boundaries were really exercised
}

TEST_CASE("FakeQuantize op: runs per-channel on an axis and checks its attributes") {
  auto build = [](Attributes a, Shape s) {
    GraphBuilder b;
    const int x = b.input("x", DType::F32, s);
    const int y = b.node(OpType::FakeQuantize, "fq", {x}, std::move(a));
    b.output(y);
    return b.build();
  };
  Attributes a;
  a.set("scales", V{0.5f, 2.0f});
  a.set("zero_points", std::vector<int64_t>{0, 1});
  a.set("qmin", int64_t{0});
  a.set("qmax", int64_t{255});
  a.set("axis", int64_t{-1});
  Engine engine(build(a, Shape{2, 2}));
  ExecutionContext ctx(engine);
  const V x = {0.75f, 3.0f, -1.0f, 1000.0f};  // columns: scale 0.5 zp 0, scale 2 zp 1
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  const float* y = ctx.output(0).f32();
  CHECK(y[0] == 1.0f);    // 1.5 -> 2
  CHECK(y[1] == 4.0f);    // 1.5 -> 2, + 1 = 3 => (3 - 1) * 2
  CHECK(y[2] == 0.0f);    // -2 + 0 -> saturated at 0
  CHECK(y[3] == 508.0f);  // 500 + 1 -> 255 => 254 * 2

  auto error = [&](Attributes bad, Shape s) -> std::string {
    try {
      Engine e(build(std::move(bad), s));
    } catch (const Error& err) {
      return err.what();
    }
    return "(no error)";
  };
  Attributes wrong_count = a;
  wrong_count.set("scales", V{0.5f, 2.0f, 1.0f});
  CHECK(test::contains(error(wrong_count, Shape{2, 2}), "'zero_points' has 2 values but 'scales' has 3"));
  CHECK(test::contains(error(a, Shape{2, 3}), "2 per-channel scales but axis 1 of input shape [2,3]"));
  Attributes zero_scale = a;
  zero_scale.set("scales", V{0.0f, 2.0f});
  CHECK(test::contains(error(zero_scale, Shape{2, 2}), "must be finite and non-zero"));
  Attributes bad_zp = a;
  bad_zp.set("zero_points", std::vector<int64_t>{0, 256});
  CHECK(test::contains(error(bad_zp, Shape{2, 2}), "zero point 256 (index 1) is outside [0, 255]"));
  Attributes bad_axis = a;
  bad_axis.set("axis", int64_t{2});
  CHECK(test::contains(error(bad_axis, Shape{2, 2}), "axis 2 is out of range"));
}
