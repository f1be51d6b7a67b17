// Running a model. An Engine is the loaded, validated, bound and planned model: immutable, shareable
// across threads. An ExecutionContext is one caller's arena and tensor views: create one per thread and
// run it as often as you like; run() performs no heap allocation.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/entry_by_entry.h"
#include "engine/graph.h"
#include "engine/memory_plan.h"
#include "engine/op_def.h"
#include "engine/thread_pool.h"

namespace vigil {

struct EngineOptions {
  // Unset: VIGIL_ISA if set, else the best path this CPU supports (engine/kernel_path.h).
  std::optional<KernelPath> path;
  // Load-time passes: zero-Pad and BatchNorm folding into convs, activation fusion (engine/passes/).
  bool optimize = true;
  // The most threads an ExecutionContext of this engine may use (kernels size their workspaces for it).
  int max_threads = 2;
  // The graph outputs to compute, by name; empty = all. The engine keeps only the nodes, inputs and
  // constants these need (engine/passes/prune_to_outputs.h), so two engines over one graph can run its
  // independent parts (an action model's per-frame and per-window parts). Unknown names are an error.
  std::vector<std::string> outputs = {};
  // Lanes per channel block for the NCHWc layout of depthwise/pointwise runs (engine/passes/use_nchwc_layout.h),
  // applied with `optimize`: unset = default_nchwc_block(path); 0 = NCHW throughout; another value = that block
  // on any path (tests; the audit gives its reference baseline the candidate's block).
  std::optional<int64_t> nchwc_block = std::nullopt;
  // Run a batch's per-image layers one batch entry at a time when its intermediates are large
  // (engine/entry_by_entry.h): same results, each layer's output still in cache for the next. Off: every
  // node runs once over the whole batch (the audit, which runs each node's kernel on whole values). The
  // environment variable VIGIL_ENTRY_BY_ENTRY=0 turns it off too (benchmarks).
  bool entry_by_entry = true;
  // ... when the largest value the run writes has at least this many bytes (tests force it with 0).
  int64_t entry_by_entry_min_bytes = int64_t{8} << 20;
};

// The vector width of the path's kernels (16 on AVX-512, 8 on AVX2), 0 on the reference and scalar paths, and 0
// when the environment variable VIGIL_NCHWC is 0 (benchmarks comparing the layouts).
int64_t default_nchwc_block(KernelPath path);

class Engine {
 public:
  // Validates the graph, infers every shape, binds a kernel to every node and plans memory.
  explicit Engine(Graph graph, EngineOptions options = {});

  const Graph& graph() const { return graph_; }
  const MemoryPlan& memory_plan() const { return plan_; }
  KernelPath kernel_path() const { return path_; }
  int max_threads() const { return max_threads_; }
  // Nodes [entry_plan().begin, entry_plan().end) have kernels bound for one batch entry and run once per entry.
  const EntryPlan& entry_plan() const { return entry_plan_; }
  const OpKernel& kernel(size_t node) const { return *kernels_[node]; }
  double node_flops(size_t node) const { return flops_[node]; }
  double total_flops() const;

  // Index into graph().inputs / graph().outputs of the value with this name; throws if there is none.
  size_t input_index(std::string_view name) const;
  size_t output_index(std::string_view name) const;

  // Tests only (engine/audit.h's planted-defect tests): binds `kernel` to `node` in place of its own. The
  // memory plan is not redone, so the replacement may not need more workspace than the original.
  void replace_kernel_for_testing(size_t node, std::unique_ptr<OpKernel> kernel);

 private:
  Graph graph_;
  std::vector<std::unique_ptr<OpKernel>> kernels_;
  std::vector<double> flops_;
  MemoryPlan plan_;
  EntryPlan entry_plan_;
  KernelPath path_ = KernelPath::Reference;
  int max_threads_ = 1;
};

class ExecutionContext {
 public:
  // `threads` (>= 1) work on each node together; the calling thread is one of them.
  explicit ExecutionContext(const Engine& engine, int threads = 1);
  // Works with a pool shared with other contexts that the same thread runs one after the other (the
  // frame and window parts of an action model): one set of workers, instead of two sets whose waiting
  // threads spin against each other on a small machine.
  ExecutionContext(const Engine& engine, std::shared_ptr<ThreadPool> pool);
  ~ExecutionContext();

  // Views into this context's arena. Write inputs before run(); read outputs after.
  TensorView input(size_t i) const;
  TensorView input(std::string_view name) const { return input(engine_.input_index(name)); }
  TensorView output(size_t i) const;
  TensorView output(std::string_view name) const { return output(engine_.output_index(name)); }
  // Any value of the graph (intermediates stay valid only until the arena reuses them). An intermediate of a
  // batch may be a strided view inside a channel Concat's output (TensorView::batch_stride != 0); graph inputs
  // and outputs never are. Run entry by entry (Engine::entry_plan()), an intermediate used only by that run
  // of nodes holds the last batch entry, and its view has dim 0 = 1.
  const TensorView& value(int value_id) const { return views_[static_cast<size_t>(value_id)]; }

  void run();

  // With profiling on, run() records each node's wall time.
  void set_profiling(bool on) { profiling_ = on; }
  std::span<const int64_t> node_nanoseconds() const { return node_ns_; }

 private:
  void run_node(size_t n, const TensorView* io, bool accumulate_time);

  const Engine& engine_;
  std::shared_ptr<ThreadPool> pool_;
  AlignedBytes arena_;
  std::vector<TensorView> views_;             // per value: arena slot or constant storage
  std::vector<TensorView> node_io_;           // every node's inputs then outputs, flattened
  std::vector<size_t> node_io_begin_;         // per node: where its inputs start in node_io_
  std::vector<int64_t> node_io_entry_bytes_;  // per node_io_ slot of an entry-by-entry node: bytes between entries
  std::vector<TensorView> entry_io_;          // one entry's views of a node's inputs and outputs, reused
  std::vector<std::byte*> workspace_;         // per node
  std::vector<int64_t> node_ns_;
  bool profiling_ = false;
};

}  // namespace vigil
