// The Pad kernels on buffers: pad_reference against hand-computed cases for every mode (the ONNX
// examples, and onnxruntime's outputs for cropping with each mode), and pad_rows against pad_reference,
// byte for byte, on random shapes of rank 1 to 5 with random pads (cropping included), every mode,
// element sizes 1, 2, 4 and 8, and the output rows written in three parts cut at random points.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "kernels/pad/pad.h"

using namespace vigil::kernels;

namespace {

using V = std::vector<float>;

PadParams params(const std::vector<int64_t>& dims, const std::vector<int64_t>& pads, PadMode mode, float value = 0) {
  PadParams p;
  p.rank = static_cast<int>(dims.size());
  p.elem_size = sizeof(float);
  p.mode = mode;
  for (int d = 0; d < p.rank; ++d) {
    p.in_dims[d] = dims[static_cast<size_t>(d)];
    p.pads_begin[d] = pads[static_cast<size_t>(d)];
    p.pads_end[d] = pads[static_cast<size_t>(d + p.rank)];
  }
  std::memcpy(p.value, &value, sizeof value);
  return p;
}

size_t out_count(const PadParams& p) {
  int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= pad_out_dim(p, d);
  return static_cast<size_t>(n);
}

// Both kernels on f32 data; they must agree, and the reference's result is returned.
V pad(const std::vector<int64_t>& dims, const V& x, const std::vector<int64_t>& pads, PadMode mode, float value = 0) {
  const PadParams p = params(dims, pads, mode, value);
  V ref(out_count(p), -1.0f), rows(out_count(p), -2.0f);
  pad_reference(p, x.data(), ref.data());
  pad_rows(p, x.data(), rows.data(), 0, pad_rows_count(p));
  CHECK(std::memcmp(ref.data(), rows.data(), ref.size() * sizeof(float)) == 0);
  return ref;
}

V iota(int n) {
  V v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return v;
}

}  // namespace

TEST_CASE("pad kernel: the ONNX examples for constant, reflect, edge and wrap") {
  const V x = {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f};  // [3, 2]
  CHECK(pad({3, 2}, x, {0, 2, 0, 0}, PadMode::Constant) == V{0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f});
  CHECK(pad({3, 2}, x, {0, 2, 0, 0}, PadMode::Reflect) ==
        V{1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f});
  CHECK(pad({3, 2}, x, {0, 2, 0, 0}, PadMode::Edge) ==
        V{1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f});
  CHECK(pad({3, 2}, x, {2, 1, 1, 1}, PadMode::Wrap) == V{3.4f, 2.3f, 3.4f, 2.3f, 5.7f, 4.5f, 5.7f, 4.5f,
                                                         1.2f, 1.0f, 1.2f, 1.0f, 3.4f, 2.3f, 3.4f, 2.3f,
                                                         5.7f, 4.5f, 5.7f, 4.5f, 1.2f, 1.0f, 1.2f, 1.0f});
}

TEST_CASE("pad kernel: 1-D cases for each mode, with cropping as onnxruntime does it") {
  // Expected values are onnxruntime 1.32's outputs for the same pads (crop first, then pad the rest).
  CHECK(pad({4}, iota(4), {3, 3}, PadMode::Reflect) == V{3, 2, 1, 0, 1, 2, 3, 2, 1, 0});
  CHECK(pad({3}, iota(3), {4, 0}, PadMode::Edge) == V{0, 0, 0, 0, 0, 1, 2});
  CHECK(pad({3}, iota(3), {7, 5}, PadMode::Wrap) == V{2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1});
  CHECK(pad({3}, iota(3), {2, 1}, PadMode::Constant, 7.5f) == V{7.5f, 7.5f, 0, 1, 2, 7.5f});
  CHECK(pad({6}, iota(6), {-2, 3}, PadMode::Reflect) == V{2, 3, 4, 5, 4, 3, 2});
  CHECK(pad({6}, iota(6), {-2, 3}, PadMode::Edge) == V{2, 3, 4, 5, 5, 5, 5});
  CHECK(pad({6}, iota(6), {-3, 3}, PadMode::Wrap) == V{3, 4, 5, 3, 4, 5});
  CHECK(pad({6}, iota(6), {3, -2}, PadMode::Wrap) == V{1, 2, 3, 0, 1, 2, 3});
  CHECK(pad({6}, iota(6), {2, -3}, PadMode::Reflect) == V{2, 1, 0, 1, 2});
  CHECK(pad({6}, iota(6), {-1, -2}, PadMode::Constant) == V{1, 2, 3});
  // Cropping everything in constant mode leaves only padding.
  CHECK(pad({4}, iota(4), {-4, 2}, PadMode::Constant, 9) == V{9, 9});
  // A length-1 axis in reflect mode with nothing to pad is just copied.
  CHECK(pad({1}, iota(1), {0, 0}, PadMode::Reflect) == V{0});
}

TEST_CASE("pad kernel: 2-D and 3-D cases mixing cropping and padding on different axes") {
  // [2, 3] = [[0 1 2] [3 4 5]]: one row of padding on top, the first column cropped, one column at the end.
  CHECK(pad({2, 3}, iota(6), {1, -1, 0, 1}, PadMode::Constant, 9) == V{9, 9, 9, 1, 2, 9, 4, 5, 9});
  CHECK(pad({2, 3}, iota(6), {1, -1, 0, 1}, PadMode::Edge) == V{1, 2, 2, 1, 2, 2, 4, 5, 5});
  CHECK(pad({2, 3}, iota(6), {1, 0, 0, 1}, PadMode::Reflect) == V{3, 4, 5, 4, 0, 1, 2, 1, 3, 4, 5, 4});
  CHECK(pad({2, 3}, iota(6), {0, 0, 1, 0}, PadMode::Wrap) == V{0, 1, 2, 3, 4, 5, 0, 1, 2});
  // [2, 2, 2] padded on the middle axis only (the last axis merges into blocks of 2 in pad_rows).
  CHECK(pad({2, 2, 2}, iota(8), {0, 1, 0, 0, 0, 0}, PadMode::Reflect) == V{2, 3, 0, 1, 2, 3, 6, 7, 4, 5, 6, 7});
  CHECK(pad({2, 2, 2}, iota(8), {0, 1, 0, 0, 0, 0}, PadMode::Constant, -1) ==
        V{-1, -1, 0, 1, 2, 3, -1, -1, 4, 5, 6, 7});
  // Only the first axis padded: whole images repeated.
  CHECK(pad({2, 2, 2}, iota(8), {1, 0, 0, 0, 0, 0}, PadMode::Edge) == V{0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7});
  // Nothing padded: a copy.
  CHECK(pad({2, 2, 2}, iota(8), {0, 0, 0, 0, 0, 0}, PadMode::Wrap) == iota(8));
}

TEST_CASE("pad kernel: pad_source_index folds reflect and wrap repeatedly for any distance") {
  // Reflect over [0, 4): period 6; wrap: period 4. Indices far outside still land inside.
  for (int64_t o = -20; o < 30; ++o) {
    const int64_t r = pad_source_index(o, 4, 0, 0, PadMode::Reflect);
    const int64_t w = pad_source_index(o, 4, 0, 0, PadMode::Wrap);
    CHECK(r >= 0);
    CHECK(r < 4);
    CHECK(w == ((o % 4) + 4) % 4);
    const int64_t m = ((o % 6) + 6) % 6;
    CHECK(r == (m < 4 ? m : 6 - m));
  }
  CHECK(pad_source_index(-3, 5, 0, 0, PadMode::Constant) == -1);
  CHECK(pad_source_index(5, 5, 0, 0, PadMode::Constant) == -1);
  CHECK(pad_source_index(0, 5, -2, 0, PadMode::Constant) == 2);  // cropped: output 0 is input 2
}

TEST_CASE("pad kernel: pad_rows equals pad_reference byte for byte on random shapes, pads and modes") {
  std::mt19937 rng(20240611);
  const PadMode modes[] = {PadMode::Constant, PadMode::Reflect, PadMode::Edge, PadMode::Wrap};
  const size_t elem_sizes[] = {1, 2, 4, 8};
  int cases = 0, cropped = 0, per_mode[4] = {};
  while (cases < 800) {
    PadParams p;
    p.rank = 1 + static_cast<int>(rng() % 5);
    p.mode = modes[rng() % 4];
    p.elem_size = elem_sizes[rng() % 4];
    for (size_t k = 0; k < sizeof p.value; ++k) p.value[k] = static_cast<unsigned char>(rng());
    bool ok = true, crops = false;
    for (int d = 0; d < p.rank; ++d) {
      p.in_dims[d] = 1 + static_cast<int64_t>(rng() % 7);
      // A third of the axes unpadded, so trailing dims merge in pad_rows; otherwise pads in [-4, 5].
      const bool untouched = rng() % 3 == 0;
      p.pads_begin[d] = untouched ? 0 : static_cast<int64_t>(rng() % 10) - 4;
      p.pads_end[d] = untouched ? 0 : static_cast<int64_t>(rng() % 10) - 4;
      const int64_t b = p.pads_begin[d], e = p.pads_end[d];
      const int64_t extent = p.in_dims[d] - (b < 0 ? -b : 0) - (e < 0 ? -e : 0);
      crops |= b < 0 || e < 0;
      // The kernels' preconditions (the op checks them at load).
      ok &= pad_out_dim(p, d) >= 1 && extent >= (p.mode == PadMode::Constant ? 0 : 1);
      if (p.mode == PadMode::Reflect) ok &= b < extent && e < extent;
    }
    if (!ok) continue;
    int64_t in_count = 1;
    for (int d = 0; d < p.rank; ++d) in_count *= p.in_dims[d];
    std::vector<unsigned char> in(static_cast<size_t>(in_count) * p.elem_size);
    for (auto& b : in) b = static_cast<unsigned char>(rng());
    const size_t out_bytes = out_count(p) * p.elem_size;
    std::vector<unsigned char> ref(out_bytes, 0xAB), rows(out_bytes, 0xCD);
    pad_reference(p, in.data(), ref.data());
    // Rows in three parts cut at random points, as the threads get them.
    const int64_t row_count = pad_rows_count(p);
    int64_t cut0 = static_cast<int64_t>(rng() % static_cast<unsigned>(row_count + 1));
    int64_t cut1 = static_cast<int64_t>(rng() % static_cast<unsigned>(row_count + 1));
    if (cut0 > cut1) std::swap(cut0, cut1);
    pad_rows(p, in.data(), rows.data(), cut1, row_count);
    pad_rows(p, in.data(), rows.data(), 0, cut0);
    pad_rows(p, in.data(), rows.data(), cut0, cut1);
    CAPTURE(cases);
    CAPTURE(p.rank);
    CAPTURE(static_cast<int>(p.mode));
    REQUIRE(std::memcmp(ref.data(), rows.data(), out_bytes) == 0);
    ++cases;
    cropped += crops;
    ++per_mode[static_cast<int>(p.mode)];
  }
  // The mix really covers cropping and every mode.
  CHECK(cropped > 200);
  for (int m : per_mode) CHECK(m > 60);  // reflect is rejected most often (pads < extent)
}
