#include "loaders/onnx/op_mapping.h"

#include <algorithm>
#include <utility>

namespace vigil::onnx {

namespace {

const std::vector<std::pair<std::string, MapFn>>& table() {
  static const std::vector<std::pair<std::string, MapFn>> t = {
      {"Abs", map_unary},
      {"Acos", map_unary},
      {"Acosh", map_unary},
      {"Add", map_binary},
      {"And", map_compare},
      {"ArgMax", map_arg_reduce},
      {"ArgMin", map_arg_reduce},
      {"Asin", map_unary},
      {"Asinh", map_unary},
      {"Atan", map_unary},
      {"Atanh", map_unary},
      {"AveragePool", map_average_pool},
      {"BatchNormalization", map_batch_norm},
      {"Cast", map_cast},
      {"CastLike", map_cast},
      {"Ceil", map_unary},
      {"Celu", map_unary},
      {"Clip", map_clip},
      {"Concat", map_concat},
      {"Conv", map_conv},
      {"ConvTranspose", map_conv_transpose},
      {"Cos", map_unary},
      {"Cosh", map_unary},
      {"CumSum", map_cumsum},
      {"DepthToSpace", map_depth_space},
      {"Div", map_binary},
      {"Dropout", map_identity},
      {"Einsum", map_einsum},
      {"Elu", map_unary},
      {"Equal", map_compare},
      {"Erf", map_unary},
      {"Exp", map_unary},
      {"Expand", map_expand},
      {"EyeLike", map_eye_like},
      {"Flatten", map_flatten},
      {"Floor", map_unary},
      {"GRU", map_gru},
      {"Gather", map_gather},
      {"GatherElements", map_gather_elements},
      {"GatherND", map_gather_nd},
      {"Gelu", map_unary},
      {"Gemm", map_gemm},
      {"GlobalAveragePool", map_global_average_pool},
      {"GlobalMaxPool", map_global_max_pool},
      {"Greater", map_compare},
      {"GreaterOrEqual", map_compare},
      {"GridSample", map_grid_sample},
      {"GroupNormalization", map_group_norm},
      {"HardSigmoid", map_activation},
      {"HardSwish", map_activation},
      {"Hardmax", map_hardmax},
      {"Identity", map_identity},
      {"InstanceNormalization", map_group_norm},
      {"IsInf", map_unary_predicate},
      {"IsNaN", map_unary_predicate},
      {"LRN", map_lrn},
      {"LSTM", map_lstm},
      {"LayerNormalization", map_layer_norm},
      {"LeakyRelu", map_activation},
      {"Less", map_compare},
      {"LessOrEqual", map_compare},
      {"Log", map_unary},
      {"LogSoftmax", map_softmax},
      {"LpNormalization", map_lp_normalization},
      {"LpPool", map_lp_pool},
      {"MatMul", map_matmul},
      {"Max", map_variadic},
      {"MaxPool", map_max_pool},
      {"Mean", map_variadic},
      {"MeanVarianceNormalization", map_mean_variance_normalization},
      {"Min", map_variadic},
      {"Mish", map_activation},
      {"Mod", map_mod},
      {"Mul", map_binary},
      {"Neg", map_unary},
      {"Not", map_unary_predicate},
      {"OneHot", map_one_hot},
      {"Or", map_compare},
      {"PRelu", map_binary},
      {"Pad", map_pad},
      {"Pow", map_binary},
      {"RMSNormalization", map_rms_normalization},
      {"RNN", map_rnn},
      {"Reciprocal", map_unary},
      {"ReduceL1", map_reduce},
      {"ReduceL2", map_reduce},
      {"ReduceLogSum", map_reduce},
      {"ReduceLogSumExp", map_reduce},
      {"ReduceMax", map_reduce},
      {"ReduceMean", map_reduce},
      {"ReduceMin", map_reduce},
      {"ReduceProd", map_reduce},
      {"ReduceSum", map_reduce},
      {"ReduceSumSquare", map_reduce},
      {"Relu", map_activation},
      {"Reshape", map_reshape},
      {"Resize", map_resize},
      {"ReverseSequence", map_reverse_sequence},
      {"RoiAlign", map_roi_align},
      {"Round", map_unary},
      {"Scatter", map_scatter_elements},
      {"ScatterElements", map_scatter_elements},
      {"ScatterND", map_scatter_nd},
      {"Selu", map_unary},
      {"Sigmoid", map_activation},
      {"Shrink", map_unary},
      {"Sign", map_unary},
      {"Sin", map_unary},
      {"Sinh", map_unary},
      {"Slice", map_slice},
      {"Softmax", map_softmax},
      {"Softplus", map_unary},
      {"Softsign", map_unary},
      {"SpaceToDepth", map_depth_space},
      {"Split", map_split},
      {"Sqrt", map_unary},
      {"Squeeze", map_squeeze},
      {"Sub", map_binary},
      {"Sum", map_variadic},
      {"Swish", map_activation},
      {"Tan", map_unary},
      {"Tanh", map_activation},
      {"ThresholdedRelu", map_unary},
      {"Tile", map_tile},
      {"TopK", map_topk},
      {"Transpose", map_transpose},
      {"Trilu", map_trilu},
      {"Unsqueeze", map_unsqueeze},
      {"Upsample", map_resize},
      {"Where", map_where},
      {"Xor", map_compare},
  };
  return t;
}

}  // namespace

const std::vector<std::string>& mapped_ops() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, fn] : table()) v.push_back(name);
    // Imported by QuantizationImporter (map_quantize.h), which needs to see the graph's other nodes.
    v.push_back("DequantizeLinear");
    v.push_back("QuantizeLinear");
    std::sort(v.begin(), v.end());
    return v;
  }();
  return names;
}

bool computes_dtype(std::string_view op_type, DType dtype) {
  const bool runtime_dtype = dtype == DType::F32 || dtype == DType::I64 || dtype == DType::I32 || dtype == DType::I8 ||
                             dtype == DType::U8 || dtype == DType::Bool;
  if (!runtime_dtype || !find_mapping(op_type)) return false;
  // Copies of elements, whatever they are (engine/ops: cast, where, reshape, transpose, concat, slice, split).
  static const char* const any_dtype[] = {"Cast",      "CastLike",  "Concat", "Flatten", "Gather",
                                          "Identity",  "Reshape",   "Slice",  "Split",   "Squeeze",
                                          "Transpose", "Unsqueeze", "Where"};
  for (const char* op : any_dtype)
    if (op_type == op) return true;
  if (op_type == "Not" || op_type == "And" || op_type == "Or" || op_type == "Xor") return dtype == DType::Bool;
  if (op_type == "Equal") return true;
  if (op_type == "ArgMax" || op_type == "ArgMin" || op_type == "TopK") return dtype != DType::Bool;
  // Copies of elements of any dtype (GatherND's data, Trilu's and ReverseSequence's input); EyeLike reads no values.
  if (op_type == "GatherND" || op_type == "Trilu" || op_type == "ReverseSequence" || op_type == "EyeLike") return true;
  // Numbers: Mod's dividend, OneHot's indices.
  if (op_type == "Mod" || op_type == "OneHot") return dtype != DType::Bool;
  if (op_type == "Less" || op_type == "Greater" || op_type == "LessOrEqual" || op_type == "GreaterOrEqual")
    return dtype != DType::Bool;
  // Integer arithmetic (engine/ops/binary_elementwise.cpp; Clip of integers becomes Max + Min).
  if (op_type == "Add" || op_type == "Sub" || op_type == "Mul" || op_type == "Div" || op_type == "Max" ||
      op_type == "Min" || op_type == "Clip")
    return dtype != DType::Bool;
  if (op_type == "CumSum") return dtype == DType::F32 || dtype == DType::I64 || dtype == DType::I32;
  // The integer reductions (engine/ops/reduce.cpp): a mask's count, mask.sum(1).
  if (op_type == "ReduceSum" || op_type == "ReduceProd" || op_type == "ReduceMax" || op_type == "ReduceMin" ||
      op_type == "ReduceL1" || op_type == "ReduceSumSquare")
    return dtype == DType::F32 || dtype == DType::I64 || dtype == DType::I32;
  return dtype == DType::F32;
}

MapFn find_mapping(std::string_view op_type) {
  for (const auto& [name, fn] : table())
    if (name == op_type) return fn;
  return nullptr;
}

}  // namespace vigil::onnx
