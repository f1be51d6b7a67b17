// The executor: correct results, repeatable runs, no heap allocation in run(), and one engine shared
// by several threads each with its own context.
#include <doctest/doctest.h>

#include <cmath>
#include <thread>

#include "allocation_counter.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "loaders/darknet/darknet_import.h"

using namespace vigil;

namespace {

// y = leaky(relu(x), 0.5) and z = sigmoid(x): two outputs, a shared input.
Engine small_engine() {
  GraphBuilder b;
  int x = b.input("x", DType::F32, {2, 3});
  int r = b.node(OpType::Relu, "relu", {x});
  b.output(b.node(OpType::LeakyRelu, "leaky", {r}, {{"alpha", 0.5f}}));
  b.output(b.node(OpType::Sigmoid, "sig", {x}));
  return Engine(b.build());
}

}  // namespace

TEST_CASE("executor: computes every output") {
  Engine engine = small_engine();
  ExecutionContext ctx(engine);
  const float in[] = {-2, -1, 0, 1, 2, 3};
  std::copy(in, in + 6, ctx.input("x").f32());
  ctx.run();
  for (int i = 0; i < 6; ++i) {
    CHECK(ctx.output("leaky").f32()[i] == std::max(in[i], 0.0f));
    CHECK(ctx.output(1).f32()[i] == doctest::Approx(1.0 / (1.0 + std::exp(-in[i]))).epsilon(1e-7));
  }
}

TEST_CASE("executor: unknown input and output names are clear errors") {
  Engine engine = small_engine();
  ExecutionContext ctx(engine);
  CHECK_THROWS_WITH_AS(ctx.input("nope"), doctest::Contains("no input named 'nope'"), Error);
  CHECK_THROWS_WITH_AS(ctx.output("nope"), doctest::Contains("outputs: 'leaky', 'sig'"), Error);
}

TEST_CASE("executor: run() performs no heap allocation") {
  Engine engine = small_engine();
  ExecutionContext ctx(engine);
  ctx.set_profiling(true);
  ctx.run();  // nothing is allocated lazily on a first run either, but be fair and count a later one too
  vigil::test::AllocationCounter counter;
  ctx.run();
  ctx.run();
  CHECK(counter.count() == 0);
}

TEST_CASE("executor: the allocation counter does see allocations") {
  // Guards the test above against a counter that silently counts nothing.
  vigil::test::AllocationCounter counter;
  auto* p = new std::vector<int>(100);
  delete p;
  CHECK(counter.count() >= 2);
}

TEST_CASE("executor: one engine, several threads, separate contexts") {
  Engine engine = small_engine();
  constexpr int kThreads = 4;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ExecutionContext ctx(engine);
      for (int iter = 0; iter < 200; ++iter) {
        float* x = ctx.input(0).f32();
        for (int i = 0; i < 6; ++i) x[i] = static_cast<float>(t * 1000 + iter * 10 + i) * (i % 2 ? -1.0f : 1.0f);
        ctx.run();
        for (int i = 0; i < 6; ++i)
          if (ctx.output(0).f32()[i] != std::max(x[i], 0.0f)) ++failures[static_cast<size_t>(t)];
      }
    });
  for (auto& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
}

TEST_CASE("executor: contexts of two engines can share one thread pool") {
  Engine first = small_engine(), second = small_engine();
  auto pool = std::make_shared<ThreadPool>(2);
  ExecutionContext a(first, pool), b(second, pool), alone(first, 2);
  const float in[] = {-2, -1, 0, 1, 2, 3};
  for (ExecutionContext* ctx : {&a, &b, &alone}) {
    std::copy(in, in + 6, ctx->input("x").f32());
    ctx->run();
  }
  for (int i = 0; i < 6; ++i) {
    CHECK(a.output(0).f32()[i] == alone.output(0).f32()[i]);
    CHECK(b.output(1).f32()[i] == alone.output(1).f32()[i]);
  }
  CHECK_THROWS_WITH_AS(ExecutionContext(first, std::shared_ptr<ThreadPool>{}),
                       "an execution context needs a thread pool", Error);
  // A pool larger than the engine's max_threads would overrun the kernels' per-thread workspaces.
  CHECK_THROWS_AS(ExecutionContext(first, std::make_shared<ThreadPool>(3)), Error);
}

TEST_CASE("executor: profiling records a time for every node") {
  Engine engine = small_engine();
  ExecutionContext ctx(engine);
  ctx.set_profiling(true);
  ctx.run();
  REQUIRE(ctx.node_nanoseconds().size() == engine.graph().nodes.size());
  for (int64_t ns : ctx.node_nanoseconds()) CHECK(ns >= 0);
}

TEST_CASE("executor: run() allocates nothing on a real detector and an LSTM, on every kernel path") {
  const std::string data = std::string(VIGIL_SOURCE_DIR) + "/../shared/data/yolo-fastest/";
  Graph detector = import_darknet(data + "yolo-fastest-1.1.cfg", data + "yolo-fastest-1.1.weights");

  GraphBuilder b;  // a bidirectional LSTM with constant weights: the fast LSTM path where there is one
  const int64_t seq = 5, input = 8, hidden = 6;
  std::vector<float> w(2 * 4 * hidden * input, 0.05f), r(2 * 4 * hidden * hidden, -0.03f), bias(2 * 8 * hidden, 0.01f);
  int x = b.input("x", DType::F32, {seq, 1, input});
  std::vector<int> outs = b.node_n(
      OpType::Lstm, "lstm",
      {x, b.constant("w", Tensor::from_f32({2, 4 * hidden, input}, w)),
       b.constant("r", Tensor::from_f32({2, 4 * hidden, hidden}, r)), b.constant("b", Tensor::from_f32({2, 8 * hidden}, bias))},
      3, [&] {
        Attributes a;
        a.set("hidden_size", hidden);
        a.set("direction", std::string("bidirectional"));
        return a;
      }());
  for (int o : outs) b.output(o);
  Graph lstm = b.build();

  for (const Graph* g : {&detector, &lstm})
    for (KernelPath path : supported_kernel_paths()) {
      EngineOptions options;
      options.path = path;
      Engine engine(*g, options);
      std::vector<std::vector<float>> one_thread_outputs;
      for (int threads : {1, 2}) {
        ExecutionContext ctx(engine, threads);
        for (size_t i = 0; i < engine.graph().inputs.size(); ++i) {
          TensorView in = ctx.input(i);
          for (int64_t k = 0; k < in.shape.numel(); ++k) in.f32()[k] = static_cast<float>(std::sin(0.37 * double(k)));
        }
        ctx.run();
        // Splitting work over threads (a bidirectional LSTM runs its directions at once) changes nothing.
        for (size_t o = 0; o < engine.graph().outputs.size(); ++o) {
          const TensorView out = ctx.output(o);
          std::vector<float> values(out.f32(), out.f32() + out.shape.numel());
          if (threads == 1) one_thread_outputs.push_back(std::move(values));
          else CHECK(values == one_thread_outputs[o]);
        }
        size_t allocations = 0;
        {
          vigil::test::AllocationCounter counter;
          ctx.run();
          allocations = counter.count();
        }
        // (doctest's INFO itself allocates, so it comes after the counted scope.)
        INFO("path ", kernel_path_name(path), ", threads ", threads, ", graph with ", g->nodes.size(), " nodes");
        CHECK(allocations == 0);
      }
    }
}
