// Writes the tiny ONNX action model that cli convert tests (convert_test.sh) turn into a .vgl with
// --metadata and --yolo-heads, and inputs for `vigil run` on the result. Usage: make_convert_test_model DIR
//   action.onnx  image [1,3,16,16] -> Conv 1x1 "head_a" [1,14,16,16] and Conv 2x2/2 "head_b" [1,14,8,8]
//                (2 anchors x (5 + 2 classes) channels each), GlobalAveragePool+Flatten "embedding" [1,3];
//                window [4,1,3] -> MatMul -> Softmax "scores" [4,1,3]
//   image.npy, window.npy  seeded inputs
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../unit/test_onnx_encoder.h"
#include "engine/tensor.h"
#include "loaders/npy/npy.h"

using namespace vigil::test;

namespace {

std::vector<float> seeded(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: make_convert_test_model DIR\n"), 2;
  const std::string dir = argv[1];
  GraphSpec g;
  g.inputs = {value_info("image", kFloat, {1, 3, 16, 16}), value_info("window", kFloat, {4, 1, 3})};
  g.outputs = {value_info("head_a", kFloat, {1, 14, 16, 16}), value_info("head_b", kFloat, {1, 14, 8, 8}),
               value_info("embedding", kFloat, {1, 3}), value_info("scores", kFloat, {4, 1, 3})};
  g.initializers = {tensor_f32("wa", {14, 3, 1, 1}, seeded(14 * 3, 1)),
                    tensor_f32("wb", {14, 3, 2, 2}, seeded(14 * 3 * 4, 2)), tensor_f32("wact", {3, 3}, seeded(9, 3))};
  g.nodes = {node("Conv", {"image", "wa"}, {"head_a"}, "conv_a"),
             node("Conv", {"image", "wb"}, {"head_b"}, "conv_b", {attr_ints("strides", {2, 2})}),
             node("GlobalAveragePool", {"image"}, {"pooled"}, "pool"),
             node("Flatten", {"pooled"}, {"embedding"}, "flatten", {attr_i("axis", 1)}),
             node("MatMul", {"window", "wact"}, {"logits"}, "act"),
             node("Softmax", {"logits"}, {"scores"}, "softmax", {attr_i("axis", -1)})};
  const std::vector<uint8_t> bytes = model(g);
  std::ofstream(dir + "/action.onnx", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  vigil::write_npy(dir + "/image.npy", vigil::Tensor::from_f32({1, 3, 16, 16}, seeded(3 * 16 * 16, 4)).view());
  vigil::write_npy(dir + "/window.npy", vigil::Tensor::from_f32({4, 1, 3}, seeded(12, 5)).view());
  return 0;
}
