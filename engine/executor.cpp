#include "engine/executor.h"

#include "engine/error.h"
#include "engine/passes/fold_batch_norm.h"
#include "engine/passes/fold_pad_into_conv.h"
#include "engine/passes/fuse_gelu.h"
#include "engine/passes/fuse_layer_norm.h"
#include "engine/passes/fuse_silu.h"
#include "engine/passes/prune_to_outputs.h"
#include "engine/passes/use_nchwc_layout.h"

#include <cstdlib>
#include <cstring>

namespace vigil {

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
  std::vector<size_t> workspace;
  std::vector<bool> accepts_batch_strides;
  std::vector<TensorInfo> in, out;
  std::vector<const Tensor*> constants;
  for (const Node& node : graph_.nodes) {
    in.clear();
    constants.clear();
    for (int v : node.inputs) {
      if (v == kNoValue) {
        in.push_back({});
        constants.push_back(nullptr);
        continue;
      }
      const Value& val = graph_.values[static_cast<size_t>(v)];
      in.push_back({val.dtype, val.shape});
      constants.push_back(val.constant >= 0 ? &graph_.constants[static_cast<size_t>(val.constant)] : nullptr);
    }
    out.clear();
    for (int v : node.outputs) {
      if (v == kNoValue)
        out.push_back({});
      else
        out.push_back({graph_.values[static_cast<size_t>(v)].dtype, graph_.values[static_cast<size_t>(v)].shape});
    }
    const OpDef& def = op_def(node.op);
    kernels_.push_back(def.bind(BindContext{node, in, out, constants, path_, max_threads_}));
    workspace.push_back(kernels_.back()->workspace_bytes());
    accepts_batch_strides.push_back(kernels_.back()->accepts_batch_strides());
    flops_.push_back(def.flops ? def.flops(node, in, out) : 0.0);
  }
  plan_ = plan_memory(graph_, workspace, accepts_batch_strides);
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
      views_[v] = {val.dtype, val.shape, arena_.get() + plan.value_offset[v], plan.value_batch_stride[v]};
  }
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    node_io_begin_.push_back(node_io_.size());
    for (int v : node.inputs) node_io_.push_back(v == kNoValue ? TensorView{} : views_[static_cast<size_t>(v)]);
    for (int v : node.outputs) node_io_.push_back(v == kNoValue ? TensorView{} : views_[static_cast<size_t>(v)]);
    workspace_.push_back(plan.workspace_offset[n] == kNotInArena ? nullptr : arena_.get() + plan.workspace_offset[n]);
  }
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

void ExecutionContext::run() {
  const Graph& g = engine_.graph();
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    const TensorView* io = node_io_.data() + node_io_begin_[n];
    std::span<const TensorView> in(io, node.inputs.size());
    std::span<const TensorView> out(io + node.inputs.size(), node.outputs.size());
    const RunContext rc{workspace_[n], pool_.get()};
    if (profiling_) {
      auto t0 = std::chrono::steady_clock::now();
      engine_.kernel(n).run(in, out, rc);
      node_ns_[n] = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    } else {
      engine_.kernel(n).run(in, out, rc);
    }
  }
}

}  // namespace vigil
