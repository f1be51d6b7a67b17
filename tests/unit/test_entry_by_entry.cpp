// Entry by entry (engine/entry_by_entry.h): a batch's leading per-image nodes run once per batch entry, with
// kernels bound for one entry and one-entry buffers reused by every pass. The results must be the same bits
// as running every node over the whole batch, on every path and thread count; the run must start after and
// stop at nodes that mix batch entries; and buffers only the run uses must shrink to one entry.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/entry_by_entry.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/kernel_path.h"
#include "allocation_counter.h"
#include "tests/unit/graph_run_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

int conv(GraphBuilder& gb, std::mt19937& rng, const std::string& name, int x, int64_t cin, int64_t cout, int64_t k,
         int64_t group, const char* act) {
  const float scale = 1.5f / std::sqrt(static_cast<float>(cin / group * k * k));
  const int w =
      gb.constant(name + ".w",
                  Tensor::from_f32({cout, cin / group, k, k},
                                   random_values(static_cast<size_t>(cout * cin / group * k * k), rng, -scale, scale)));
  const int b = gb.constant(name + ".b", Tensor::from_f32({cout}, random_values(static_cast<size_t>(cout), rng)));
  Attributes a;
  a.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
  a.set("group", group);
  if (act) a.set("activation", std::string(act));
  return gb.node(OpType::Conv2d, name, {x, w, b}, a);
}

// Batch 3 through per-image ops of every kind the run takes (conv, channel slice and concat, max pool,
// depthwise conv, global pool, a multiply of two batched values, an add of a per-channel constant, resize,
// reduce-mean), one of them also a graph output, then a Transpose that mixes the entries, and after it nodes
// reading a value of the run and the graph input again.
Graph batch_net(unsigned seed, bool nhwc_input = false) {
  std::mt19937 rng(seed);
  GraphBuilder gb;
  int img = gb.input("img", DType::F32, nhwc_input ? Shape{3, 23, 19, 5} : Shape{3, 5, 23, 19});
  if (nhwc_input) {  // the image arrives as NHWC: a Transpose before the run, over the whole batch
    Attributes to_nchw;
    to_nchw.set("perm", std::vector<int64_t>{0, 3, 1, 2});
    img = gb.node(OpType::Transpose, "to_nchw", {img}, to_nchw);
  }
  const int c1 = conv(gb, rng, "c1", img, 5, 16, 3, 1, "relu");
  Attributes slice;
  slice.set("starts", std::vector<int64_t>{6});
  slice.set("ends", std::vector<int64_t>{16});
  slice.set("axes", std::vector<int64_t>{1});
  const int s1 = gb.node(OpType::Slice, "s1", {c1}, slice);
  const int c2 = conv(gb, rng, "c2", s1, 10, 10, 3, 1, "leaky_relu");
  Attributes axis1;
  axis1.set("axis", int64_t{1});
  const int cat = gb.node(OpType::Concat, "cat", {c2, c1}, axis1);
  Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.set("strides", std::vector<int64_t>{2, 2});
  const int mp = gb.node(OpType::MaxPool, "mp", {cat}, pool);
  const int dw = conv(gb, rng, "dw", mp, 26, 26, 3, 26, "relu");
  const int p = conv(gb, rng, "p", dw, 26, 12, 1, 1, nullptr);
  const int gap = gb.node(OpType::GlobalAveragePool, "gap", {p});
  const int m = gb.node(OpType::Mul, "m", {p, gap});
  const int shift = gb.constant("shift", Tensor::from_f32({12, 1, 1}, random_values(12, rng)));
  const int a = gb.node(OpType::Add, "a", {m, shift});
  // Two convs written straight into a Concat that is read after the run: strided views of a whole-batch buffer.
  const int q1 = conv(gb, rng, "q1", a, 12, 4, 1, 1, nullptr);
  const int q2 = conv(gb, rng, "q2", a, 12, 6, 1, 1, "relu");
  const int qcat = gb.node(OpType::Concat, "qcat", {q1, q2}, axis1);
  Attributes resize;
  resize.set("mode", std::string("nearest"));
  resize.set("scales", std::vector<float>{1.0f, 1.0f, 2.0f, 2.0f});
  const int r = gb.node(OpType::Resize, "r", {a}, resize);
  Attributes reduce;
  reduce.set("axes", std::vector<int64_t>{2, 3});
  reduce.set("keepdims", int64_t{0});
  const int emb = gb.node(OpType::ReduceMean, "emb", {r}, reduce);
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{1, 0});
  gb.output(gb.node(OpType::Transpose, "t", {emb}, perm));
  gb.output(c2);
  gb.output(emb);
  // After the run: nodes reading one of its values (the Concat c1 and c2 are written into) and the input.
  gb.output(gb.node(OpType::Flatten, "cat_flat", {cat}));
  gb.output(gb.node(OpType::Flatten, "qcat_flat", {qcat}));
  gb.output(gb.node(OpType::Relu, "img_relu", {img}));
  return gb.build();
}

EngineOptions options_for(KernelPath path, bool entry_by_entry) {
  EngineOptions o;
  o.path = path;
  o.entry_by_entry = entry_by_entry;
  o.entry_by_entry_min_bytes = 0;
  return o;
}

}  // namespace

TEST_CASE("entry by entry: the same bits as whole-batch nodes on every path and thread count") {
  for (KernelPath path : {KernelPath::Reference, KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx512}) {
    if (!kernel_path_supported(path)) continue;
    for (int threads : {1, 2}) {
      for (unsigned seed : {1u, 2u}) {
        INFO(kernel_path_name(path), ", ", threads, " threads, seed ", seed);
        const bool nhwc = seed == 2;
        const auto want = run_graph(batch_net(seed, nhwc), options_for(path, false), threads, seed);
        const auto got = run_graph(batch_net(seed, nhwc), options_for(path, true), threads, seed);
        REQUIRE(got.size() == want.size());
        for (size_t o = 0; o < got.size(); ++o) {
          REQUIRE(got[o].size() == want[o].size());
          CHECK(std::memcmp(got[o].data(), want[o].data(), got[o].size() * sizeof(float)) == 0);
        }
      }
    }
  }
}

TEST_CASE("entry by entry: the run ends where entries mix, and its own buffers hold one entry") {
  const Graph g = batch_net(3);
  Engine whole(g, options_for(KernelPath::Reference, false));
  Engine split(g, options_for(KernelPath::Reference, true));
  CHECK(whole.entry_plan().empty());
  REQUIRE(!split.entry_plan().empty());
  CHECK(split.entry_plan().begin == 0);
  CHECK(split.entry_plan().entries == 3);
  const Graph& sg = split.graph();
  const int run_end = split.entry_plan().end;
  REQUIRE(run_end < static_cast<int>(sg.nodes.size()));
  CHECK(sg.nodes[static_cast<size_t>(run_end)].op == OpType::Transpose);
  for (int n = 0; n < run_end; ++n) CHECK(sg.nodes[static_cast<size_t>(n)].op != OpType::Transpose);
  // With an NHWC input the run starts after the input's Transpose and ends at the same node.
  Engine nhwc(batch_net(3, true), options_for(KernelPath::Reference, true));
  CHECK(nhwc.entry_plan().begin == 1);
  CHECK(nhwc.graph().nodes[static_cast<size_t>(nhwc.entry_plan().end)].name == "t");
  // Every intermediate of the run but c2 (a graph output) holds one image instead of three.
  CHECK(split.memory_plan().arena_bytes < whole.memory_plan().arena_bytes);
  // The views say so: c1 (read only inside the run) holds one image, c2 (a graph output) all three.
  ExecutionContext ctx(split);
  CHECK(ctx.value(sg.find_value("c1")).shape[0] == 1);
  CHECK(ctx.value(sg.find_value("c2")).shape[0] == 3);
  // Running entry by entry allocates nothing either (the views of one entry are made in place).
  ctx.run();
  {
    AllocationCounter counter;
    ctx.run();
    ctx.set_profiling(true);
    ctx.run();
    CHECK(counter.count() == 0);
  }
  // Below the size threshold the plan stays off.
  EngineOptions high = options_for(KernelPath::Reference, true);
  high.entry_by_entry_min_bytes = int64_t{1} << 40;
  CHECK(Engine(g, high).entry_plan().empty());
}

TEST_CASE("entry by entry: ops that mix batch entries end the run") {
  GraphBuilder gb;
  const int x = gb.input("x", DType::F32, {4, 6, 5, 5});
  const int r = gb.node(OpType::Relu, "r", {x});
  // A constant with a batch dim of 4: each entry gets another row, so it cannot run entry by entry.
  std::mt19937 rng(4);
  const int c = gb.constant("c", Tensor::from_f32({4, 6, 1, 1}, random_values(24, rng)));
  const int m = gb.node(OpType::Mul, "m", {r, c});
  Attributes axis0;
  axis0.set("axis", int64_t{0});
  const int cat = gb.node(OpType::Concat, "cat", {m, r}, axis0);
  gb.output(gb.node(OpType::Relu, "r2", {cat}));
  const Graph g = gb.build();
  CHECK(plan_entry_by_entry(g, 0).begin == 0);
  CHECK(plan_entry_by_entry(g, 0).end == 1);  // only the first Relu
  CHECK(plan_entry_by_entry(g, 0).entries == 4);

  // A conv reading more weight bytes than it writes for the batch, and more than stay in cache (256 -> 256
  // channels, 3x3: 2.4 MB, on 2x2 maps: 64 KB) ends the run: per entry it would read them four times. A
  // light one (64 -> 64: 147 KB) does not.
  for (int64_t channels : {256, 64}) {
    GraphBuilder heavy;
    const int h = heavy.input("h", DType::F32, {4, channels, 2, 2});
    const int hr = heavy.node(OpType::Relu, "hr", {h});
    heavy.output(conv(heavy, rng, "hc", hr, channels, channels, 3, 1, "relu"));
    CHECK(plan_entry_by_entry(heavy.build(), 0).end == (channels == 256 ? 1 : 2));
  }

  GraphBuilder one;
  const int y = one.input("y", DType::F32, {1, 6, 5, 5});
  one.output(one.node(OpType::Relu, "r", {y}));
  CHECK(plan_entry_by_entry(one.build(), 0).empty());  // batch 1: nothing to split
}
