// ONNX ops that become vigil nodes, each with a function translating its inputs and attributes into
// vigil's conventions (constant shape-like inputs become attributes, auto_pad becomes explicit pads, 1-D
// convolution and pooling run as 2-D with a unit height, ...). Semantics and limits: docs/ONNX.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loaders/onnx/import_context.h"

namespace vigil::onnx {

using MapFn = void (*)(Importer&, const NodeInfo&);

// The ONNX op types with a mapping, sorted (for error messages and the conformance runner).
const std::vector<std::string>& mapped_ops();
// nullptr if the op has no mapping.
MapFn find_mapping(std::string_view op_type);
// Whether the vigil ops an ONNX op maps to compute run-time data (input 0, and the inputs that share its type) of
// this dtype: f32 for most ops; more for Cast, the comparisons, the logical ops, Where (its X and Y), ArgMax,
// ArgMin and TopK (numbers), and the data-movement ops that copy any dtype. Tools use it to tell a model vigil does not
// compute from a failure (the conformance runner). Each vigil op's shape inference enforces the same rule.
bool computes_dtype(std::string_view op_type, DType dtype);

// Per-concern mapping functions (map_conv_pool.cpp, map_elementwise.cpp, map_tensor_ops.cpp,
// map_sequence_ops.cpp).
void map_conv(Importer& im, const NodeInfo& n);
void map_max_pool(Importer& im, const NodeInfo& n);
void map_average_pool(Importer& im, const NodeInfo& n);
void map_global_average_pool(Importer& im, const NodeInfo& n);
void map_global_max_pool(Importer& im, const NodeInfo& n);
void map_batch_norm(Importer& im, const NodeInfo& n);
void map_conv_transpose(Importer& im, const NodeInfo& n);  // map_conv_transpose.cpp
void map_layer_norm(Importer& im, const NodeInfo& n);  // map_normalization.cpp
void map_group_norm(Importer& im, const NodeInfo& n);  // GroupNormalization, InstanceNormalization
void map_lrn(Importer& im, const NodeInfo& n);
void map_unary(Importer& im, const NodeInfo& n);       // map_unary.cpp: Abs, Neg, Sqrt, Exp, Log, Erf...

void map_activation(Importer& im, const NodeInfo& n);  // Relu, LeakyRelu, Sigmoid, Tanh, HardSwish, Swish...
void map_clip(Importer& im, const NodeInfo& n);
void map_binary(Importer& im, const NodeInfo& n);    // Add, Sub, Mul, Div, PRelu, Pow
void map_mod(Importer& im, const NodeInfo& n);       // f32 and integer remainders
void map_identity(Importer& im, const NodeInfo& n);  // Identity, Dropout
void map_variadic(Importer& im, const NodeInfo& n);  // Sum, Max, Min, Mean of 1..N inputs
void map_where(Importer& im, const NodeInfo& n);     // bool condition, X / Y of one dtype
// map_logic.cpp: values of other dtypes than f32.
void map_cast(Importer& im, const NodeInfo& n);             // Cast, CastLike
void map_compare(Importer& im, const NodeInfo& n);          // Equal, Less, ..., And, Or, Xor
void map_unary_predicate(Importer& im, const NodeInfo& n);  // Not, IsNaN, IsInf
void map_arg_reduce(Importer& im, const NodeInfo& n);       // ArgMax, ArgMin
void map_topk(Importer& im, const NodeInfo& n);             // constant K

void map_concat(Importer& im, const NodeInfo& n);
void map_expand(Importer& im, const NodeInfo& n);  // run-time f32 data, constant shape
void map_tile(Importer& im, const NodeInfo& n);    // run-time data, constant repeats
void map_gather(Importer& im, const NodeInfo& n);  // constant indices only
void map_slice(Importer& im, const NodeInfo& n);
void map_pad(Importer& im, const NodeInfo& n);  // a Pad that pads nothing is removed
void map_split(Importer& im, const NodeInfo& n);
void map_reshape(Importer& im, const NodeInfo& n);
void map_flatten(Importer& im, const NodeInfo& n);
void map_squeeze(Importer& im, const NodeInfo& n);
void map_unsqueeze(Importer& im, const NodeInfo& n);
void map_transpose(Importer& im, const NodeInfo& n);
void map_depth_space(Importer& im, const NodeInfo& n);  // DepthToSpace, SpaceToDepth
void map_resize(Importer& im, const NodeInfo& n);  // Resize and Upsample
void map_grid_sample(Importer& im, const NodeInfo& n);  // map_sampling.cpp: run-time grid
void map_roi_align(Importer& im, const NodeInfo& n);    // map_sampling.cpp: run-time rois, static count

void map_matmul(Importer& im, const NodeInfo& n);
void map_gemm(Importer& im, const NodeInfo& n);
void map_lstm(Importer& im, const NodeInfo& n);
void map_gru(Importer& im, const NodeInfo& n);
void map_rnn(Importer& im, const NodeInfo& n);
// LpNormalization, MeanVarianceNormalization, RMSNormalization, Hardmax, CumSum (map_axis_groups.cpp).
void map_lp_normalization(Importer& im, const NodeInfo& n);
void map_mean_variance_normalization(Importer& im, const NodeInfo& n);
void map_rms_normalization(Importer& im, const NodeInfo& n);
void map_hardmax(Importer& im, const NodeInfo& n);
void map_cumsum(Importer& im, const NodeInfo& n);
void map_lp_pool(Importer& im, const NodeInfo& n);          // map_conv_pool.cpp
void map_gather_elements(Importer& im, const NodeInfo& n);  // map_indexed_copy.cpp
void map_scatter_nd(Importer& im, const NodeInfo& n);       // map_indexed_copy.cpp
void map_gather_nd(Importer& im, const NodeInfo& n);        // map_indexed_copy.cpp
void map_scatter_elements(Importer& im, const NodeInfo& n);  // map_indexed_copy.cpp: also the deprecated Scatter
void map_trilu(Importer& im, const NodeInfo& n);             // map_index_patterns.cpp: constant k
void map_one_hot(Importer& im, const NodeInfo& n);           // map_index_patterns.cpp: constant depth
void map_eye_like(Importer& im, const NodeInfo& n);          // map_index_patterns.cpp
void map_reverse_sequence(Importer& im, const NodeInfo& n);  // map_index_patterns.cpp
void map_einsum(Importer& im, const NodeInfo& n);           // map_einsum.cpp: lowered to Transpose/Reshape/MatMul
void map_softmax(Importer& im, const NodeInfo& n);
void map_reduce(Importer& im, const NodeInfo& n);  // ReduceMean, ReduceSum, ReduceMax, ...

// Emits `op` on input value `x` (rank 3, 4 or 5) with extra inputs, as node n's output; a 1-D node (one_d)
// runs as 2-D with a unit height: Unsqueeze(axis 2) -> op -> Squeeze(axis 2) (map_conv_pool.cpp).
void emit_spatial(Importer& im, const NodeInfo& n, OpType op, int x, bool one_d, std::vector<int> extra,
                  Attributes attrs);
// Conv's or ConvTranspose's weight (input 1) as a value for the 2-D op: itself, or for a 1-D node (one_d) with a unit
// height inserted at dim 2 (map_conv_pool.cpp).
int conv_weight_2d(Importer& im, const NodeInfo& n, bool one_d);

// Emits a copy of `source` named `output` (a Reshape to its own shape): used where ONNX names a graph
// output after a removed node (Identity x -> y with y a graph output).
void emit_copy(Importer& im, const NodeInfo& n, const std::string& source, const std::string& output);

}  // namespace vigil::onnx
