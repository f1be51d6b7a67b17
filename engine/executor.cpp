#include "engine/executor.h"

#include <cstdlib>
#include <cstring>

#include "engine/error.h"
#include "engine/passes/fold_batch_norm.h"
#include "engine/passes/fold_pad_into_conv.h"
#include "engine/passes/fuse_gelu.h"
#include "engine/passes/fuse_layer_norm.h"
#include "engine/passes/fuse_silu.h"
#include "engine/passes/prune_to_outputs.h"
#include "engine/passes/use_nchwc_layout.h"

namespace vigil {

namespace {

// The shape of one batch entry: dim 0 set to 1.
Shape one_entry(Shape s) {
  s[0] = 1;
  return s;
}

}  // namespace

int64_t default_nchwc_block(KernelPath path) {
  const char* env = std::getenv("VIGIL_NCHWC");
  if (env && std::strcmp(env, "0") == 0) return 0;
  return path == KernelPath::Avx512 ? 16 : path == KernelPath::Avx2 ? 8 : 0;
}

Engine::Engine(Graph graph, EngineOptions options)
    : graph_(std::move(graph)),
      path_(options.path ? *options.path : default_kernel_path()),
      max_threads_(options.max_threads) {
  if (max_threads_ < 1) fail("EngineOptions::max_threads must be at least 1, not ", max_threads_);
  if (!kernel_path_supported(path_)) fail("this CPU does not support the ", kernel_path_name(path_), " kernels");
  validate_and_infer(graph_);
  if (!options.outputs.empty()) {
    try {
      prune_to_outputs(graph_, options.outputs);
    } catch (const Error& e) {
      fail("EngineOptions::outputs: ", e.what());
    }
  }
  if (options.optimize) {
    fold_pad_into_conv(graph_);
    fold_batch_norm(graph_);
    fuse_silu(graph_);
    fuse_layer_norm(graph_);
    fuse_gelu(graph_);
    fuse_activations(graph_);
    fuse_residual_add(graph_);
    use_nchwc_layout(graph_, options.nchwc_block ? *options.nchwc_block : default_nchwc_block(path_));
  }
  const char* entry_env = std::getenv("VIGIL_ENTRY_BY_ENTRY");
  if (options.entry_by_entry && !(entry_env && std::strcmp(entry_env, "0") == 0))
    entry_plan_ = plan_entry_by_entry(graph_, options.entry_by_entry_min_bytes);
  std::vector<size_t> workspace;
  std::vector<bool> accepts_batch_strides;
  std::vector<TensorInfo> in, out;
  std::vector<const Tensor*> constants;
  for (size_t node_index = 0; node_index < graph_.nodes.size(); ++node_index) {
    const Node& node = graph_.nodes[node_index];
    const bool per_entry = entry_plan_.contains(node_index);
    in.clear();
    constants.clear();
    for (int v : node.inputs) {
      if (v == kNoValue) {
        in.push_back({});
        constants.push_back(nullptr);
        continue;
      }
      const Value& val = graph_.values[static_cast<size_t>(v)];
      in.push_back({val.dtype, val.constant >= 0 || !per_entry ? val.shape : one_entry(val.shape)});
      constants.push_back(val.constant >= 0 ? &graph_.constants[static_cast<size_t>(val.constant)] : nullptr);
    }
    out.clear();
    for (int v : node.outputs) {
      if (v == kNoValue) {
        out.push_back({});
        continue;
      }
      const Value& val = graph_.values[static_cast<size_t>(v)];
      out.push_back({val.dtype, per_entry ? one_entry(val.shape) : val.shape});
    }
    const OpDef& def = op_def(node.op);
    kernels_.push_back(def.bind(BindContext{node, in, out, constants, path_, max_threads_}));
    workspace.push_back(kernels_.back()->workspace_bytes());
    accepts_batch_strides.push_back(kernels_.back()->accepts_batch_strides());
    const double entry_flops = def.flops ? def.flops(node, in, out) : 0.0;
    flops_.push_back(per_entry ? entry_flops * static_cast<double>(entry_plan_.entries) : entry_flops);
  }
  plan_ = plan_memory(graph_, workspace, accepts_batch_strides, entry_plan_);
}

double Engine::total_flops() const {
  double sum = 0;
  for (double f : flops_) sum += f;
  return sum;
}

void Engine::replace_kernel_for_testing(size_t node, std::unique_ptr<OpKernel> kernel) {
  if (node >= kernels_.size()) fail("replace_kernel_for_testing: no node ", node);
  if (kernel->workspace_bytes() > kernels_[node]->workspace_bytes())
    fail("replace_kernel_for_testing: the replacement needs more workspace than the memory plan reserved");
  if (kernels_[node]->accepts_batch_strides() && !kernel->accepts_batch_strides())
    fail("replace_kernel_for_testing: the memory plan may give this node strided views its replacement cannot read");
  kernels_[node] = std::move(kernel);
}

size_t Engine::input_index(std::string_view name) const {
  for (size_t i = 0; i < graph_.inputs.size(); ++i)
    if (graph_.values[static_cast<size_t>(graph_.inputs[i])].name == name) return i;
  std::string known;
  for (int v : graph_.inputs)
    known += concat(known.empty() ? "" : ", ", "'", graph_.values[static_cast<size_t>(v)].name, "'");
  fail("the model has no input named '", name, "' (inputs: ", known, ")");
}

size_t Engine::output_index(std::string_view name) const {
  for (size_t i = 0; i < graph_.outputs.size(); ++i)
    if (graph_.values[static_cast<size_t>(graph_.outputs[i])].name == name) return i;
  std::string known;
  for (int v : graph_.outputs)
    known += concat(known.empty() ? "" : ", ", "'", graph_.values[static_cast<size_t>(v)].name, "'");
  fail("the model has no output named '", name, "' (outputs: ", known, ")");
}

namespace {

std::shared_ptr<ThreadPool> checked_pool(const Engine& engine, int threads) {
  if (threads < 1 || threads > engine.max_threads())
    fail("an execution context of this engine runs 1..", engine.max_threads(), " threads, not ", threads,
         " (raise EngineOptions::max_threads)");
  return std::make_shared<ThreadPool>(threads);
}

}  // namespace

ExecutionContext::ExecutionContext(const Engine& engine, int threads)
    : ExecutionContext(engine, checked_pool(engine, threads)) {}

ExecutionContext::ExecutionContext(const Engine& engine, std::shared_ptr<ThreadPool> pool)
    : engine_(engine),
      pool_(pool ? std::move(pool) : throw Error("an execution context needs a thread pool")),
      arena_(allocate_aligned(engine.memory_plan().arena_bytes)) {
  if (pool_->size() > engine.max_threads())
    fail("an execution context of this engine runs 1..", engine.max_threads(), " threads, not ", pool_->size(),
         " (raise EngineOptions::max_threads)");
  const Graph& g = engine.graph();
  const MemoryPlan& plan = engine.memory_plan();
  views_.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    const Value& val = g.values[v];
    if (val.constant >= 0)
      views_[v] = g.constants[static_cast<size_t>(val.constant)].view();
    else if (plan.value_offset[v] != kNotInArena)
      views_[v] = {val.dtype, plan.value_holds_one_entry[v] ? one_entry(val.shape) : val.shape,
                   arena_.get() + plan.value_offset[v], plan.value_batch_stride[v]};
  }
  const EntryPlan& entries = engine.entry_plan();
  size_t most_io = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    const bool per_entry = entries.contains(n);
    node_io_begin_.push_back(node_io_.size());
    // An entry-by-entry node sees entry 0 of each value; run() moves the views of whole-batch buffers on by
    // their entry stride (engine/memory_plan.h), while one-entry buffers are reused by every entry.
    auto add = [&](int v) {
      if (v == kNoValue) {
        node_io_.push_back({});
        node_io_entry_bytes_.push_back(0);
        return;
      }
      TensorView view = views_[static_cast<size_t>(v)];
      int64_t entry_bytes = 0;
      if (per_entry && g.values[static_cast<size_t>(v)].constant < 0) {
        entry_bytes = plan.value_entry_stride[static_cast<size_t>(v)] * static_cast<int64_t>(dtype_size(view.dtype));
        view.shape = one_entry(view.shape);
      }
      node_io_.push_back(view);
      node_io_entry_bytes_.push_back(entry_bytes);
    };
    for (int v : node.inputs) add(v);
    for (int v : node.outputs) add(v);
    most_io = std::max(most_io, node.inputs.size() + node.outputs.size());
    workspace_.push_back(plan.workspace_offset[n] == kNotInArena ? nullptr : arena_.get() + plan.workspace_offset[n]);
  }
  entry_io_.resize(most_io);
  node_ns_.assign(g.nodes.size(), 0);
}

ExecutionContext::~ExecutionContext() = default;

TensorView ExecutionContext::input(size_t i) const {
  const auto& inputs = engine_.graph().inputs;
  if (i >= inputs.size()) fail("input index ", i, " out of range (the model has ", inputs.size(), ")");
  return views_[static_cast<size_t>(inputs[i])];
}

TensorView ExecutionContext::output(size_t i) const {
  const auto& outputs = engine_.graph().outputs;
  if (i >= outputs.size()) fail("output index ", i, " out of range (the model has ", outputs.size(), ")");
  return views_[static_cast<size_t>(outputs[i])];
}

void ExecutionContext::run_node(size_t n, const TensorView* io, bool accumulate_time) {
  const Node& node = engine_.graph().nodes[n];
  std::span<const TensorView> in(io, node.inputs.size());
  std::span<const TensorView> out(io + node.inputs.size(), node.outputs.size());
  const RunContext rc{workspace_[n], pool_.get()};
  if (profiling_) {
    auto t0 = std::chrono::steady_clock::now();
    engine_.kernel(n).run(in, out, rc);
    const int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    node_ns_[n] = accumulate_time ? node_ns_[n] + ns : ns;
  } else {
    engine_.kernel(n).run(in, out, rc);
  }
}

void ExecutionContext::run() {
  const Graph& g = engine_.graph();
  const EntryPlan& entries = engine_.entry_plan();
  const size_t begin = static_cast<size_t>(entries.begin), end = static_cast<size_t>(entries.end);  // 0, 0: none
  for (size_t n = 0; n < begin; ++n) run_node(n, node_io_.data() + node_io_begin_[n], false);
  for (int64_t e = 0; e < entries.entries && begin < end; ++e) {
    for (size_t n = begin; n < end; ++n) {
      const size_t io_begin = node_io_begin_[n];
      const size_t count = g.nodes[n].inputs.size() + g.nodes[n].outputs.size();
      for (size_t i = 0; i < count; ++i) {
        entry_io_[i] = node_io_[io_begin + i];
        if (entry_io_[i].data)
          entry_io_[i].data = static_cast<std::byte*>(entry_io_[i].data) + e * node_io_entry_bytes_[io_begin + i];
      }
      run_node(n, entry_io_.data(), e > 0);
    }
  }
  for (size_t n = end; n < g.nodes.size(); ++n) run_node(n, node_io_.data() + node_io_begin_[n], false);
}

}  // namespace vigil
