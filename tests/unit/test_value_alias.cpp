// Aliased values (engine/value_alias.h): reshapes, contiguous slices and concat inputs share their
// parent's buffer, the kernels skip the copy, and the results stay those of the plain definitions.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/value_alias.h"
#include "h2_op_harness.h"

using namespace vigil;

namespace {

Attributes ints(std::initializer_list<std::pair<const char*, std::vector<int64_t>>> list) {
  Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

// A CSP block: a = leaky_relu(x, 0.5); s = second half of a's channels; b = relu(s); c = leaky_relu(s, 0.5);
// y = concat(c, b, a) over channels; z = flatten(y). Every path, 1 and 2 threads, against plain loops
// (halving is exact, so the results must match bit for bit).
void check_csp(int64_t channels, int64_t h, int64_t w) {
  GraphBuilder gb;
  Attributes leaky;
  leaky.set("alpha", 0.5f);
  const int x = gb.input("x", DType::F32, {1, channels, h, w});
  const int a = gb.node(OpType::LeakyRelu, "a", {x}, leaky);
  const int s =
      gb.node(OpType::Slice, "s", {a}, ints({{"starts", {channels / 2}}, {"ends", {channels}}, {"axes", {1}}}));
  const int b = gb.node(OpType::Relu, "b", {s});
  const int c = gb.node(OpType::LeakyRelu, "c", {s}, leaky);
  Attributes axis;
  axis.set("axis", int64_t{1});
  const int y = gb.node(OpType::Concat, "y", {c, b, a}, axis);
  const int z = gb.node(OpType::Flatten, "z", {y});
  gb.output(z);
  gb.output(b);
  const Graph g = gb.build();

  const int64_t plane = h * w, half = channels - channels / 2;
  std::vector<float> in(static_cast<size_t>(channels * plane));
  std::mt19937 rng(static_cast<unsigned>(channels * 131 + h * 7 + w));
  std::uniform_real_distribution<float> uni(-2, 2);
  for (float& v : in) v = uni(rng);
  const auto relu = [](float v) { return v > 0 ? v : 0.0f; };
  const auto half_leaky = [](float v) { return v >= 0 ? v : 0.5f * v; };
  std::vector<float> act;
  for (float v : in) act.push_back(half_leaky(v));
  std::vector<float> want;
  const size_t first = static_cast<size_t>(channels / 2 * plane);
  for (int64_t i = 0; i < half * plane; ++i) want.push_back(half_leaky(act[first + static_cast<size_t>(i)]));
  for (int64_t i = 0; i < half * plane; ++i) want.push_back(relu(act[first + static_cast<size_t>(i)]));
  for (float v : act) want.push_back(v);

  for (KernelPath path : supported_kernel_paths()) {
    EngineOptions options;
    options.path = path;
    Engine engine(g, options);
    for (int threads : {1, 2}) {
      ExecutionContext ctx(engine, threads);
      for (int rep = 0; rep < 2; ++rep) {  // twice: nothing may depend on the arena's previous contents
        std::memcpy(ctx.input(0).data, in.data(), in.size() * sizeof(float));  // the arena reuses inputs
        ctx.run();
      }
      INFO("C ", channels, " ", h, "x", w, ", path ", kernel_path_name(path), ", threads ", threads);
      CHECK(std::memcmp(ctx.output(0).data, want.data(), want.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(ctx.output(1).data, want.data() + half * plane, static_cast<size_t>(half * plane) * 4) == 0);
    }
  }
}

}  // namespace

TEST_CASE("value aliases: a CSP block's slice, concat inputs and flatten share the concat's buffer") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {1, 8, 4, 4});
  const int a = gb.node(OpType::Relu, "a", {x});
  const int s = gb.node(OpType::Slice, "s", {a}, ints({{"starts", {4}}, {"ends", {8}}, {"axes", {1}}}));
  const int b = gb.node(OpType::Relu, "b", {s});
  Attributes axis;
  axis.set("axis", int64_t{1});
  const int y = gb.node(OpType::Concat, "y", {b, a, x}, axis);
  const int z = gb.node(OpType::Reshape, "z", {y}, ints({{"shape", {1, -1}}}));
  gb.output(z);
  const Graph g = gb.build();
  const std::vector<ValueAlias> alias = find_value_aliases(g);
  CHECK(alias[static_cast<size_t>(b)].parent == y);
  CHECK(alias[static_cast<size_t>(b)].offset == 0);
  CHECK(alias[static_cast<size_t>(a)].parent == y);
  CHECK(alias[static_cast<size_t>(a)].offset == 4 * 16 * 4);
  CHECK(alias[static_cast<size_t>(s)].parent == a);
  CHECK(alias[static_cast<size_t>(s)].offset == 4 * 16 * 4);
  CHECK(alias[static_cast<size_t>(x)].parent == -1);  // graph inputs stay where the caller writes them
  CHECK(alias[static_cast<size_t>(z)].parent == y);
  CHECK(alias[static_cast<size_t>(y)].parent == -1);

  Engine engine(g);
  const MemoryPlan& plan = engine.memory_plan();
  const size_t yo = plan.value_offset[static_cast<size_t>(y)];
  CHECK(plan.value_offset[static_cast<size_t>(b)] == yo);
  CHECK(plan.value_offset[static_cast<size_t>(a)] == yo + 256);
  CHECK(plan.value_offset[static_cast<size_t>(s)] == yo + 512);
  CHECK(plan.value_offset[static_cast<size_t>(z)] == yo);
  // x lives beside y (both are needed at the concat).
  const size_t xo = plan.value_offset[static_cast<size_t>(x)];
  CHECK((xo + 8 * 16 * 4 <= yo || yo + 20 * 16 * 4 <= xo));
}

TEST_CASE("value aliases: no alias for strided or non-contiguous slices, batched concats, unaligned parts") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {2, 6, 4, 4});
  const int a = gb.node(OpType::Relu, "a", {x});
  const int strided =
      gb.node(OpType::Slice, "strided", {a}, ints({{"starts", {0}}, {"ends", {6}}, {"axes", {1}}, {"steps", {2}}}));
  const int batched = gb.node(OpType::Slice, "batched", {a}, ints({{"starts", {2}}, {"ends", {4}}, {"axes", {1}}}));
  const int first = gb.node(OpType::Slice, "first", {a}, ints({{"starts", {1}}, {"ends", {2}}, {"axes", {0}}}));
  const int odd = gb.node(OpType::Slice, "odd", {first}, ints({{"starts", {0}}, {"ends", {3}}, {"axes", {3}}}));
  const int r1 = gb.node(OpType::Relu, "r1", {strided});
  const int r2 = gb.node(OpType::Relu, "r2", {batched});
  Attributes axis;
  axis.set("axis", int64_t{1});
  const int cat = gb.node(OpType::Concat, "cat", {r1, r2}, axis);  // batch 2: parts are not contiguous
  gb.output(cat);
  gb.output(odd);
  const Graph g = gb.build();
  const std::vector<ValueAlias> alias = find_value_aliases(g);
  CHECK(alias[static_cast<size_t>(strided)].parent == -1);
  CHECK(alias[static_cast<size_t>(batched)].parent == -1);
  CHECK(alias[static_cast<size_t>(first)].parent == a);  // the second image: contiguous
  CHECK(alias[static_cast<size_t>(first)].offset == 6 * 16 * 4);
  CHECK(alias[static_cast<size_t>(odd)].parent == -1);  // 3 of 4 columns
  CHECK(alias[static_cast<size_t>(r1)].parent == -1);
  CHECK(alias[static_cast<size_t>(r2)].parent == -1);
}

TEST_CASE("value aliases: CSP blocks compute the same as plain loops on every path and thread count") {
  check_csp(8, 4, 4);  // aligned parts: aliased
  check_csp(6, 3, 5);  // 15-float planes: parts not 64-byte aligned, copied
  check_csp(64, 16, 16);
  check_csp(5, 7, 9);  // odd channel split
}

TEST_CASE("value aliases: a transpose that only moves size-1 dims is a view, any other copies") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {5, 2, 1, 8});
  const int a = gb.node(OpType::Relu, "a", {x});
  const int moved = gb.node(OpType::Transpose, "moved", {a}, ints({{"perm", {0, 2, 1, 3}}}));
  const int swapped = gb.node(OpType::Transpose, "swapped", {a}, ints({{"perm", {1, 0, 2, 3}}}));
  gb.output(moved);
  gb.output(swapped);
  const Graph g = gb.build();
  const std::vector<ValueAlias> alias = find_value_aliases(g);
  CHECK(alias[static_cast<size_t>(moved)].parent == a);
  CHECK(alias[static_cast<size_t>(swapped)].parent == -1);
  std::vector<float> in(80);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i) - 40.0f;
  for (KernelPath path : {KernelPath::Reference, KernelPath::Avx512}) {
    if (!kernel_path_supported(path)) continue;
    EngineOptions options;
    options.path = path;
    Engine engine(g, options);
    ExecutionContext ctx(engine, 1);
    std::memcpy(ctx.input(0).data, in.data(), in.size() * sizeof(float));
    ctx.run();
    for (int64_t i = 0; i < 80; ++i) {
      const float relu = in[static_cast<size_t>(i)] > 0 ? in[static_cast<size_t>(i)] : 0.0f;
      CHECK(ctx.output(0).f32()[i] == relu);
      const int64_t s = i / 16, d = (i / 8) % 2, h = i % 8;  // swapped[d][s][0][h] = a[s][d][0][h]
      CHECK(ctx.output(1).f32()[(d * 5 + s) * 8 + h] == relu);
    }
  }
}

namespace {

Tensor random_weights(const Shape& s, std::mt19937& rng) { return h2test::random_tensor(s, rng, -0.5f, 0.5f); }

// A batch of images through a darknet-style CSP tail: a = conv3x3(x); b = conv3x3(a); c = conv1x1(a);
// t = every other channel of a (a Slice that cannot be a view, computed into its part of y);
// y = concat(b, c, a, t) over channels; z = conv3x3(y); and e = conv1x1(half), half = the second half of a's
// channels (a Slice that is a strided view of the strided `a`). With `plain_reader`, `a` is also read by a
// node that takes no strided views.
struct BatchedCsp {
  Graph g;
  int a, b, c, t, y, z, half;
};

BatchedCsp batched_csp(int64_t batch, int64_t channels, int64_t hw, bool plain_reader) {
  std::mt19937 rng(static_cast<unsigned>(batch * 10 + channels + hw));
  GraphBuilder gb;
  BatchedCsp r;
  Attributes k3 = ints({{"pads", {1, 1, 1, 1}}});
  k3.set("activation", std::string("leaky_relu"));
  k3.set("activation_alpha", 0.1f);
  const int x = gb.input("x", DType::F32, {batch, channels, hw, hw});
  const int w1 = gb.constant("w1", random_weights({channels, channels, 3, 3}, rng));
  const int w2 = gb.constant("w2", random_weights({channels, channels, 3, 3}, rng));
  const int w3 = gb.constant("w3", random_weights({channels, channels, 1, 1}, rng));
  const int64_t every_other = (channels + 1) / 2;
  const int w4 = gb.constant("w4", random_weights({channels, 3 * channels + every_other, 3, 3}, rng));
  r.a = gb.node(OpType::Conv2d, "a", {x, w1}, k3);
  r.b = gb.node(OpType::Conv2d, "b", {r.a, w2}, k3);
  r.c = gb.node(OpType::Conv2d, "c", {r.a, w3});
  Attributes axis;
  axis.set("axis", int64_t{1});
  r.t =
      gb.node(OpType::Slice, "t", {r.a}, ints({{"starts", {0}}, {"ends", {channels}}, {"axes", {1}}, {"steps", {2}}}));
  r.y = gb.node(OpType::Concat, "y", {r.b, r.c, r.a, r.t}, axis);
  r.z = gb.node(OpType::Conv2d, "z", {r.y, w4}, k3);
  gb.output(r.z);
  const int w5 = gb.constant("w5", random_weights({channels, channels - channels / 2, 1, 1}, rng));
  r.half =
      gb.node(OpType::Slice, "half", {r.a}, ints({{"starts", {channels / 2}}, {"ends", {channels}}, {"axes", {1}}}));
  gb.output(gb.node(OpType::Conv2d, "e", {r.half, w5}));
  if (plain_reader) gb.output(gb.node(OpType::Relu, "plain", {r.a}));
  r.g = gb.build();
  return r;
}

}  // namespace

TEST_CASE("value aliases: a batched channel concat takes strided views where every reader accepts them") {
  const BatchedCsp csp = batched_csp(3, 8, 16, false);
  std::vector<bool> convs(csp.g.nodes.size(), false);
  for (size_t n = 0; n < csp.g.nodes.size(); ++n)
    convs[n] = csp.g.nodes[n].op == OpType::Conv2d || csp.g.nodes[n].op == OpType::Slice;
  const auto alias = find_value_aliases(csp.g, convs);
  const int64_t image = (3 * 8 + 4) * 16 * 16;  // the concat's channels of one image
  for (auto [v, channel] : {std::pair{csp.b, 0}, std::pair{csp.c, 8}, std::pair{csp.a, 16}, std::pair{csp.t, 24}}) {
    CHECK(alias[static_cast<size_t>(v)].parent == csp.y);
    CHECK(alias[static_cast<size_t>(v)].offset == static_cast<size_t>(channel * 16 * 16 * 4));
    CHECK(alias[static_cast<size_t>(v)].batch_stride == image);
  }
  // The channel half of `a` is a view of `a`; the memory plan gives it y's image stride.
  CHECK(alias[static_cast<size_t>(csp.half)].parent == csp.a);
  CHECK(alias[static_cast<size_t>(csp.half)].offset == static_cast<size_t>(4 * 16 * 16 * 4));
  CHECK(alias[static_cast<size_t>(csp.half)].batch_stride != 0);
  // Without kernels that accept strides, or with a reader of `a` that does not, those stay copies.
  CHECK(find_value_aliases(csp.g)[static_cast<size_t>(csp.a)].parent == -1);
  const BatchedCsp plain = batched_csp(3, 8, 16, true);
  std::vector<bool> plain_convs(plain.g.nodes.size(), false);
  for (size_t n = 0; n < plain.g.nodes.size(); ++n)
    plain_convs[n] = plain.g.nodes[n].op == OpType::Conv2d || plain.g.nodes[n].op == OpType::Slice;
  const auto plain_alias = find_value_aliases(plain.g, plain_convs);
  CHECK(plain_alias[static_cast<size_t>(plain.a)].parent == -1);
  CHECK(plain_alias[static_cast<size_t>(plain.b)].parent == plain.y);
  CHECK(plain_alias[static_cast<size_t>(plain.b)].batch_stride == image);
  CHECK(plain_alias[static_cast<size_t>(plain.half)].parent == plain.a);  // a view of the dense `a`
}

TEST_CASE("value aliases: strided batch views give the reference path's results on every path and thread count") {
  // Batches of 2-5 images on the fast paths' Winograd modes: 16x16 (F(4,3), batched), 32x32 (F(4,3), blocks),
  // 8x8 (F(2,3), batched), 12x12 (F(2,3), blocks). The convs read and write their images inside the concat's
  // buffer; the reference path copies.
  for (auto [batch, channels, hw] :
       {std::tuple{3, 8, 16}, std::tuple{2, 5, 32}, std::tuple{5, 16, 8}, std::tuple{3, 8, 12}}) {
    const BatchedCsp csp = batched_csp(batch, channels, hw, false);
    std::mt19937 rng(static_cast<unsigned>(hw));
    std::uniform_real_distribution<float> uni(-1, 1);
    std::vector<float> input(static_cast<size_t>(batch * channels * hw * hw));
    for (float& v : input) v = uni(rng);
    std::vector<float> want;
    for (KernelPath path : supported_kernel_paths()) {
      for (int threads : {1, 2}) {
        EngineOptions options;
        options.path = path;
        Engine engine(csp.g, options);
        const auto& stride = engine.memory_plan().value_batch_stride;
        const bool strided = stride[static_cast<size_t>(csp.a)] != 0;
        CHECK(strided == (path != KernelPath::Reference));
        if (strided) CHECK(stride[static_cast<size_t>(csp.half)] == stride[static_cast<size_t>(csp.a)]);
        ExecutionContext ctx(engine, threads);
        std::memcpy(ctx.input(0).data, input.data(), input.size() * sizeof(float));
        ctx.run();
        std::vector<float> got;
        for (size_t o = 0; o < 2; ++o) {  // z, and e through the Slice of the strided `a`
          const TensorView out = ctx.output(o);
          got.insert(got.end(), out.f32(), out.f32() + out.numel());
        }
        if (want.empty()) {
          REQUIRE(path == KernelPath::Reference);
          want = got;
          continue;
        }
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - double(want[i])));
        INFO(kernel_path_name(path), " threads ", threads, " batch ", batch, " ", hw, "x", hw);
        // Measured: at most 2.4e-5 (Winograd and float sums vs the double reference, outputs of order 1-10);
        // a wrong image stride would give errors of the order of the outputs themselves.
        CHECK(worst < 2e-4);
      }
    }
  }
}

TEST_CASE("value aliases: a Slice computed into its part of a batched concat writes each image in place") {
  // t = every other channel of relu(x) is no view, but it is produced straight into y = concat(r, t) image
  // by image (the Slice kernel takes strided outputs); z = relu(y) reads y. Exact ops: compared bit for bit
  // against plain loops.
  GraphBuilder gb;
  const int64_t n = 3, c = 5, hw = 8;  // 8x8 planes: every channel offset is 64-byte aligned
  const int x = gb.input("x", DType::F32, {n, c, hw, hw});
  const int r = gb.node(OpType::Relu, "r", {x});
  const int t = gb.node(OpType::Slice, "t", {r}, ints({{"starts", {0}}, {"ends", {c}}, {"axes", {1}}, {"steps", {2}}}));
  Attributes axis;
  axis.set("axis", int64_t{1});
  const int y = gb.node(OpType::Concat, "y", {r, t}, axis);
  gb.output(gb.node(OpType::Relu, "z", {y}));
  const Graph g = gb.build();
  std::vector<bool> slice_only(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) slice_only[i] = g.nodes[i].op == OpType::Slice;
  CHECK(find_value_aliases(g, slice_only)[static_cast<size_t>(t)].parent == y);

  std::vector<float> in(static_cast<size_t>(n * c * hw * hw));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uni(-1, 1);
  for (float& v : in) v = uni(rng);
  std::vector<float> want;
  const int64_t plane = hw * hw, kept = (c + 1) / 2;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < c * plane; ++k) want.push_back(std::max(in[static_cast<size_t>(i * c * plane + k)], 0.0f));
    for (int64_t ch = 0; ch < kept; ++ch)
      for (int64_t k = 0; k < plane; ++k)
        want.push_back(std::max(in[static_cast<size_t>((i * c + 2 * ch) * plane + k)], 0.0f));
  }
  for (KernelPath path : supported_kernel_paths()) {
    EngineOptions options;
    options.path = path;
    Engine engine(g, options);
    CHECK(engine.memory_plan().value_batch_stride[static_cast<size_t>(t)] == (c + kept) * plane);
    ExecutionContext ctx(engine);
    std::memcpy(ctx.input(0).data, in.data(), in.size() * sizeof(float));
    ctx.run();
    const TensorView out = ctx.output(0);
    REQUIRE(out.numel() == static_cast<int64_t>(want.size()));
    CHECK(std::memcmp(out.data, want.data(), want.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("value aliases: no strided view of a reshape's output (its root need not have the batch layout)") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {8, 8, 8});
  const int r = gb.node(OpType::Relu, "r", {x});
  const int v = gb.node(OpType::Reshape, "v", {r}, ints({{"shape", {2, 4, 8, 8}}}));
  const int half = gb.node(OpType::Slice, "half", {v}, ints({{"starts", {2}}, {"ends", {4}}, {"axes", {1}}}));
  gb.output(gb.node(OpType::Relu, "out", {half}));
  const Graph g = gb.build();
  const std::vector<bool> all(g.nodes.size(), true);
  const auto alias = find_value_aliases(g, all);
  CHECK(alias[static_cast<size_t>(v)].parent == r);      // the reshape is a view
  CHECK(alias[static_cast<size_t>(half)].parent == -1);  // its channel slice is copied
}
