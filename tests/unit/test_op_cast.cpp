// Cast (kernels/cast, engine/ops/cast.cpp): hand values, including the out-of-range and NaN results that
// onnxruntime and numpy give on x86 (observed with onnxruntime 1.x: Cast FLOAT -> INT32 of 3e9 is INT32_MIN,
// -> INT8 of 300.7 is 44, -> UINT8 of -1.9 is 255); every pair of dtypes on random values against an
// independent conversion written with double arithmetic and byte copies; the op on every kernel path and
// several threads (a tensor large enough to be split); the load errors.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "engine/error.h"
#include "engine/graph_builder.h"
#include "h2_op_harness.h"
#include "kernels/cast/cast.h"
#include "kernels/float16/float16.h"

using namespace h2test;
using vigil::kernels::ElemType;

namespace {

const ElemType kTypes[] = {ElemType::F32,  ElemType::I64, ElemType::I32,  ElemType::I8, ElemType::U8,
                           ElemType::Bool, ElemType::F16, ElemType::BF16, ElemType::F64};

bool is_nan_element(ElemType t, const unsigned char* p) {
  uint16_t h;
  switch (t) {
    case ElemType::F32: {
      float v;
      std::memcpy(&v, p, 4);
      return std::isnan(v);
    }
    case ElemType::F64: {
      double v;
      std::memcpy(&v, p, 8);
      return std::isnan(v);
    }
    case ElemType::F16:
      std::memcpy(&h, p, 2);
      return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
    case ElemType::BF16:
      std::memcpy(&h, p, 2);
      return (h & 0x7F80) == 0x7F80 && (h & 0x7F) != 0;
    default:
      return false;
  }
}

// Random raw elements of a type: floats with specials and out-of-range values, integers over their full range.
std::vector<unsigned char> random_elements(ElemType t, int64_t n, std::mt19937_64& rng) {
  std::vector<unsigned char> bytes(static_cast<size_t>(n) * vigil::kernels::elem_size(t));
  const float specials[] = {0.0f,           -0.0f,         std::numeric_limits<float>::quiet_NaN(),
                            INFINITY,       -INFINITY,     2147483648.0f,
                            -2147483648.0f, 2147483520.0f, 9.3e18f,
                            -9.3e18f,       255.5f,        -128.9f,
                            127.99f,        0.4f,          -0.7f};
  for (int64_t i = 0; i < n; ++i) {
    unsigned char* p = bytes.data() + static_cast<size_t>(i) * vigil::kernels::elem_size(t);
    const uint64_t r = rng();
    switch (t) {
      case ElemType::F32: {
        float f;
        if (r % 4 == 0)
          f = specials[r / 4 % std::size(specials)];
        else
          f = static_cast<float>(
              std::ldexp(static_cast<double>(r % 200001) / 100000.0 - 1.0, static_cast<int>(r >> 40) % 70));
        std::memcpy(p, &f, 4);
        break;
      }
      case ElemType::Bool:
        *p = static_cast<unsigned char>(r % 3 == 0 ? r % 256 : r % 2);  // bytes other than 0/1 are true too
        break;
      case ElemType::F64: {
        double d = r % 4 == 0 ? static_cast<double>(specials[r / 4 % std::size(specials)])
                              : std::ldexp(static_cast<double>(r % 200001) / 100000.0 - 1.0,
                                           static_cast<int>(r >> 40) % 140 - 20);
        std::memcpy(p, &d, 8);
        break;
      }
      default:
        std::memcpy(p, &r, vigil::kernels::elem_size(t));
    }
  }
  return bytes;
}

// The expected element, computed differently from the kernel: integers widened through int64 by sign, floats
// checked against double bounds and truncated with std::trunc, narrowing by copying the low bytes.
std::vector<unsigned char> expected(ElemType from, ElemType to, const unsigned char* src) {
  bool is_float = false, truth = false;
  double f = 0;
  int64_t i = 0;
  switch (from) {
    case ElemType::F32: {
      float v;
      std::memcpy(&v, src, 4);
      is_float = true;
      f = v;
      truth = !(v == 0.0f);
      break;
    }
    case ElemType::I64:
      std::memcpy(&i, src, 8);
      break;
    case ElemType::I32: {
      int32_t v;
      std::memcpy(&v, src, 4);
      i = v;
      break;
    }
    case ElemType::I8:
      i = static_cast<int8_t>(*src);
      break;
    case ElemType::U8:
      i = *src;
      break;
    case ElemType::Bool:
      i = *src ? 1 : 0;
      break;
    case ElemType::F16: {  // from the IEEE fields
      uint16_t h;
      std::memcpy(&h, src, 2);
      const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
      f = e == 0x1F ? (m ? NAN : INFINITY) : e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
      if (h & 0x8000) f = -f;
      is_float = true;
      truth = !(f == 0);
      break;
    }
    case ElemType::BF16: {  // the top half of a binary32
      uint16_t h;
      std::memcpy(&h, src, 2);
      f = std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
      is_float = true;
      truth = !(f == 0);
      break;
    }
    case ElemType::F64: {  // documented: rounded to f32 first
      double d;
      std::memcpy(&d, src, 8);
      f = static_cast<float>(d);
      is_float = true;
      truth = !(f == 0);
      break;
    }
  }
  if (!is_float) truth = i != 0;
  std::vector<unsigned char> out(vigil::kernels::elem_size(to));
  if (to == ElemType::Bool) {
    out[0] = truth;
    return out;
  }
  const float as_float = is_float ? static_cast<float>(f) : static_cast<float>(i);
  if (to == ElemType::F32) {
    std::memcpy(out.data(), &as_float, 4);
    return out;
  }
  if (to == ElemType::F64) {
    const double v = is_float ? static_cast<double>(as_float) : static_cast<double>(i);
    std::memcpy(out.data(), &v, 8);
    return out;
  }
  if (to == ElemType::F16 || to == ElemType::BF16) {  // the float16 kernel, tested on its own (test_float16.cpp)
    const uint16_t v =
        to == ElemType::F16 ? vigil::kernels::f32_to_f16_bits(as_float) : vigil::kernels::f32_to_bf16_bits(as_float);
    std::memcpy(out.data(), &v, 2);
    return out;
  }
  int64_t wide = i;
  if (is_float) {
    const double limit = to == ElemType::I64 ? 9223372036854775808.0 : 2147483648.0;
    if (std::isnan(f) || std::trunc(f) >= limit || std::trunc(f) < -limit)
      wide = to == ElemType::I64 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min();
    else
      wide = static_cast<int64_t>(std::trunc(f));
  }
  std::memcpy(out.data(), &wide, out.size());  // little-endian: the low bytes
  return out;
}

}  // namespace

TEST_CASE("cast kernel: hand values, out of range and NaN as onnxruntime on x86") {
  using vigil::kernels::cast_reference;
  const float x[] = {NAN, INFINITY, -INFINITY, 3e9f, -3e9f, 300.7f, -300.7f, -1.9f, 1.9f, 255.5f, -0.0f};
  auto run = [&](ElemType to, auto zero) {
    std::vector<decltype(zero)> y(std::size(x));
    cast_reference(ElemType::F32, to, x, y.data(), 0, static_cast<int64_t>(std::size(x)));
    return y;
  };
  CHECK(run(ElemType::I32, int32_t{}) ==
        std::vector<int32_t>{INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, 300, -300, -1, 1, 255, 0});
  CHECK(run(ElemType::I64, int64_t{}) ==
        std::vector<int64_t>{INT64_MIN, INT64_MIN, INT64_MIN, 3000000000, -3000000000, 300, -300, -1, 1, 255, 0});
  CHECK(run(ElemType::I8, int8_t{}) == std::vector<int8_t>{0, 0, 0, 0, 0, 44, -44, -1, 1, -1, 0});
  CHECK(run(ElemType::U8, uint8_t{}) == std::vector<uint8_t>{0, 0, 0, 0, 0, 44, 212, 255, 1, 255, 0});
  CHECK(run(ElemType::Bool, uint8_t{}) == std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0});

  const int64_t big[] = {(int64_t{1} << 40) + 300, -1, 16777217, INT64_MIN};
  int32_t as_i32[4];
  uint8_t as_u8[4];
  float as_f32[4];
  cast_reference(ElemType::I64, ElemType::I32, big, as_i32, 0, 4);
  cast_reference(ElemType::I64, ElemType::U8, big, as_u8, 0, 4);
  cast_reference(ElemType::I64, ElemType::F32, big, as_f32, 0, 4);
  CHECK(std::vector<int32_t>(as_i32, as_i32 + 4) == std::vector<int32_t>{300, -1, 16777217, 0});
  CHECK(std::vector<uint8_t>(as_u8, as_u8 + 4) == std::vector<uint8_t>{44, 255, 1, 0});
  CHECK(std::vector<float>(as_f32, as_f32 + 4) ==
        std::vector<float>{1099511628076.0f, -1.0f, 16777216.0f, -9223372036854775808.0f});
  const uint8_t bools[] = {0, 1, 7};
  float bf[3];
  cast_reference(ElemType::Bool, ElemType::F32, bools, bf, 0, 3);
  CHECK(std::vector<float>(bf, bf + 3) == std::vector<float>{0, 1, 1});
}

TEST_CASE("cast kernel: every dtype pair on random values matches an independent conversion") {
  std::mt19937_64 rng(5);
  const int64_t n = 3000;
  for (ElemType from : kTypes) {
    const auto src = random_elements(from, n, rng);
    for (ElemType to : kTypes) {
      std::vector<unsigned char> dst(static_cast<size_t>(n) * vigil::kernels::elem_size(to), 0xAB);
      // Two ranges, as threads call it.
      vigil::kernels::cast_reference(from, to, src.data(), dst.data(), 0, 1234);
      vigil::kernels::cast_reference(from, to, src.data(), dst.data(), 1234, n);
      int bad = 0;
      for (int64_t i = 0; i < n; ++i) {
        const auto want = expected(from, to, src.data() + static_cast<size_t>(i) * vigil::kernels::elem_size(from));
        // A Bool -> Bool copy keeps the byte; compare truth values there.
        if (from == ElemType::Bool && to == ElemType::Bool)
          bad += (dst[static_cast<size_t>(i)] != 0) != (want[0] != 0);
        else if (to == from)
          bad += std::memcmp(dst.data() + static_cast<size_t>(i) * want.size(),
                             src.data() + static_cast<size_t>(i) * want.size(), want.size()) != 0;
        else if (is_nan_element(to, want.data()))
          bad += !is_nan_element(to, dst.data() + static_cast<size_t>(i) * want.size());
        else
          bad += std::memcmp(dst.data() + static_cast<size_t>(i) * want.size(), want.data(), want.size()) != 0;
      }
      CAPTURE(static_cast<int>(from));
      CAPTURE(static_cast<int>(to));
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("cast op: every path and thread count gives the kernel's values, and no run allocates") {
  std::mt19937 rng(3);
  const Shape shape{3, 70, 101};  // 21210 elements: split between threads
  const Tensor x = random_tensor(shape, rng, -300.0f, 300.0f);
  for (DType to : {DType::I64, DType::I32, DType::I8, DType::U8, DType::Bool, DType::F32}) {
    Tensor want(to, shape);
    vigil::kernels::cast_reference(ElemType::F32,
                                   to == DType::I64   ? ElemType::I64
                                   : to == DType::I32 ? ElemType::I32
                                   : to == DType::I8  ? ElemType::I8
                                   : to == DType::U8  ? ElemType::U8
                                   : to == DType::F32 ? ElemType::F32
                                                      : ElemType::Bool,
                                   x.data(), want.mutable_data(), 0, shape.numel());
    for (KernelPath path : supported_kernel_paths())
      for (int threads : {1, 2, 3}) {
        CAPTURE(kernel_path_name(path));
        CAPTURE(threads);
        auto r = run_node(OpType::Cast, {x}, attrs({{"to", static_cast<int64_t>(to)}}), 1, threads, path);
        REQUIRE(r.outputs[0].dtype() == to);
        CHECK(r.outputs[0].shape() == shape);
        CHECK(std::memcmp(r.outputs[0].data(), want.data(), want.bytes()) == 0);
        CHECK(r.run_allocations == 0);
      }
  }
  // Integers to float and bool through the op.
  const std::vector<int64_t> iv = {-3, 0, 5, int64_t{1} << 53};
  const Tensor i = Tensor::from_i64(Shape{4}, iv);
  auto f = run_node(OpType::Cast, {i}, attrs({{"to", int64_t{1}}}));
  CHECK(values_of(f.outputs[0]) == std::vector<float>{-3, 0, 5, 9007199254740992.0f});
}

TEST_CASE("cast op: a bad target or source dtype is a load error naming the node") {
  auto error_of = [](DType from, int64_t to) -> std::string {
    GraphBuilder b;
    const int x = b.input("x", from, Shape{2});
    Attributes a;
    a.set("to", to);
    b.output(b.node(OpType::Cast, "conv", {x}, a));
    try {
      Engine e(b.build());
    } catch (const vigil::Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of(DType::F32, 0).find("'conv': cannot cast to dtype code 0 (vigil casts f32") != std::string::npos);
  CHECK(error_of(DType::F32, 99).find("cannot cast to dtype code 99") != std::string::npos);
  CHECK(error_of(DType::I64, 8).empty());
  CHECK(error_of(DType::F16, 1).empty());
  CHECK(error_of(DType::F32, 2).empty());
  CHECK(error_of(DType::F64, 1).empty());
  auto via_error = [](int64_t to, int64_t via) -> std::string {
    GraphBuilder b;
    const int x = b.input("x", DType::F32, Shape{2});
    Attributes a;
    a.set("to", to);
    a.set("via", via);
    b.output(b.node(OpType::Cast, "half", {x}, a));
    try {
      Engine e(b.build());
    } catch (const vigil::Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(via_error(1, 2).empty());
  CHECK(via_error(1, 3).empty());
  CHECK(via_error(1, 1).find("'half': via must be the code of f16 (2) or bf16 (3), got 1") != std::string::npos);
  CHECK(via_error(7, 2).find("'half': via needs to = f32, got i64") != std::string::npos);
}

TEST_CASE("cast op: via f16 / bf16 rounds the f32 output on every path, and the storage types convert") {
  std::mt19937 rng(7);
  const Shape shape{3, 70, 101};  // split between threads
  Tensor x = random_tensor(shape, rng, -70000.0f, 70000.0f);
  float* xs = x.mutable_f32();
  xs[0] = NAN, xs[1] = 65520.0f, xs[2] = 1.0f + std::ldexp(1.0f, -11), xs[3] = std::ldexp(1.0f, -25), xs[4] = -0.0f;
  for (int64_t via : {int64_t{2}, int64_t{3}})
    for (KernelPath path : supported_kernel_paths())
      for (int threads : {1, 3}) {
        CAPTURE(via);
        CAPTURE(kernel_path_name(path));
        auto r = run_node(OpType::Cast, {x}, attrs({{"to", int64_t{1}}, {"via", via}}), 1, threads, path);
        REQUIRE(r.outputs[0].dtype() == DType::F32);
        int bad = 0;
        for (int64_t i = 0; i < shape.numel(); ++i) {
          const float want = via == 2 ? vigil::kernels::round_to_f16(xs[i]) : vigil::kernels::round_to_bf16(xs[i]);
          const float got = r.outputs[0].f32()[i];
          bad += std::isnan(want) ? !std::isnan(got) : std::bit_cast<uint32_t>(got) != std::bit_cast<uint32_t>(want);
        }
        CHECK(bad == 0);
        CHECK(r.run_allocations == 0);
        if (via == 2) {
          CHECK(std::isinf(r.outputs[0].f32()[1]));
          CHECK(r.outputs[0].f32()[2] == 1.0f);
          CHECK(r.outputs[0].f32()[3] == 0.0f);
        }
      }
  // Integers through via: i64 -> f32 -> nearest f16.
  const Tensor i = Tensor::from_i64(Shape{4}, std::vector<int64_t>{2049, 2051, 70000, -3});
  auto r = run_node(OpType::Cast, {i}, attrs({{"to", int64_t{1}}, {"via", int64_t{2}}}));
  CHECK(values_of(r.outputs[0]) == std::vector<float>{2048, 2052, INFINITY, -3});
  // f32 -> f16 storage and back, f64 both ways.
  const Tensor small = Tensor::from_f32(Shape{3}, std::vector<float>{0.1f, -65504.0f, 1e-8f});
  auto h = run_node(OpType::Cast, {small}, attrs({{"to", int64_t{2}}}));
  REQUIRE(h.outputs[0].dtype() == DType::F16);
  const auto* hb = static_cast<const uint16_t*>(h.outputs[0].data());
  CHECK(hb[0] == 0x2E66);
  CHECK(hb[1] == 0xFBFF);
  CHECK(hb[2] == 0x0000);
  auto back = run_node(OpType::Cast, {h.outputs[0]}, attrs({{"to", int64_t{1}}}));
  CHECK(values_of(back.outputs[0]) == std::vector<float>{0.0999755859375f, -65504.0f, 0.0f});
  auto d = run_node(OpType::Cast, {small}, attrs({{"to", int64_t{9}}}));
  REQUIRE(d.outputs[0].dtype() == DType::F64);
  CHECK(static_cast<const double*>(d.outputs[0].data())[0] == static_cast<double>(0.1f));
  auto bf = run_node(OpType::Cast, {small}, attrs({{"to", int64_t{3}}}));
  CHECK(static_cast<const uint16_t*>(bf.outputs[0].data())[0] == 0x3DCD);  // 0.1f = 0x3DCCCCCD rounds up
}
