// The whole vocabulary of the engine, in one table. Every operator a graph may contain is listed here
// with the number of its data inputs and outputs; exact semantics are in docs/OPERATORS.md and the
// implementation of each lives in engine/ops/<op>.cpp (binding) and kernels/<op>/ (math).
//
// Conventions of vigil's IR (importers translate to them):
//  - Layout is NCHW (only the engine turns runs of convs into NCHWc at load: the last group below).
//    Weights and other parameters are constant inputs; shape-like arguments (Reshape's
//    target, Slice's starts/ends, Resize's scales...) are attributes, folded by the importers.
//  - An optional input that is absent is value id -1.
//  - Names are stable: they are stored in .vgl files as strings, so reordering this list breaks nothing.
#pragma once

#include <optional>
#include <string_view>

namespace vigil {

//   X(Enum, "Name", min_inputs, max_inputs, min_outputs, max_outputs)
#define VIGIL_OPS(X)                                                                                                   \
  /* convolution and normalisation */                                                                                  \
  X(Conv2d, "Conv2d", 2, 4, 1, 1)                   /* X, W, [B], [R]; fused activation attr */                        \
  X(BatchNorm, "BatchNorm", 5, 5, 1, 1)             /* X, scale, bias, mean, var */                                    \
  X(ConvTranspose2d, "ConvTranspose2d", 2, 3, 1, 1) /* X, W, [B]; fused activation attr */                             \
  X(Conv3d, "Conv3d", 2, 3, 1, 1)                   /* X[N,C,D,H,W], W, [B]; fused activation */                       \
  /* activations (one input, one output, same shape) */                                                                \
  X(Relu, "Relu", 1, 1, 1, 1)                                                                                          \
  X(LeakyRelu, "LeakyRelu", 1, 1, 1, 1)                                                                                \
  X(Sigmoid, "Sigmoid", 1, 1, 1, 1)                                                                                    \
  X(Tanh, "Tanh", 1, 1, 1, 1)                                                                                          \
  X(Silu, "Silu", 1, 1, 1, 1)                                                                                          \
  X(Mish, "Mish", 1, 1, 1, 1)                                                                                          \
  X(HardSwish, "HardSwish", 1, 1, 1, 1)                                                                                \
  X(HardSigmoid, "HardSigmoid", 1, 1, 1, 1)                                                                            \
  X(Clip, "Clip", 1, 1, 1, 1)                                                                                          \
  /* elementwise math of one input (kernels/unary) */                                                                  \
  X(Abs, "Abs", 1, 1, 1, 1)                                                                                            \
  X(Neg, "Neg", 1, 1, 1, 1)                                                                                            \
  X(Sqrt, "Sqrt", 1, 1, 1, 1)                                                                                          \
  X(Reciprocal, "Reciprocal", 1, 1, 1, 1)                                                                              \
  X(Exp, "Exp", 1, 1, 1, 1)                                                                                            \
  X(Log, "Log", 1, 1, 1, 1)                                                                                            \
  X(Erf, "Erf", 1, 1, 1, 1)                                                                                            \
  X(Floor, "Floor", 1, 1, 1, 1)                                                                                        \
  X(Ceil, "Ceil", 1, 1, 1, 1)                                                                                          \
  X(Softplus, "Softplus", 1, 1, 1, 1)                                                                                  \
  X(Softsign, "Softsign", 1, 1, 1, 1)                                                                                  \
  X(Gelu, "Gelu", 1, 1, 1, 1)                       /* approximate: none | tanh */                                     \
  X(Elu, "Elu", 1, 1, 1, 1)                         /* alpha */                                                        \
  X(Selu, "Selu", 1, 1, 1, 1)                       /* alpha, gamma */                                                 \
  X(Celu, "Celu", 1, 1, 1, 1)                       /* alpha (!= 0) */                                                 \
  X(ThresholdedRelu, "ThresholdedRelu", 1, 1, 1, 1) /* alpha */                                                        \
  X(Sin, "Sin", 1, 1, 1, 1)                                                                                            \
  X(Cos, "Cos", 1, 1, 1, 1)                                                                                            \
  X(Tan, "Tan", 1, 1, 1, 1)                                                                                            \
  X(Asin, "Asin", 1, 1, 1, 1)                                                                                          \
  X(Acos, "Acos", 1, 1, 1, 1)                                                                                          \
  X(Atan, "Atan", 1, 1, 1, 1)                                                                                          \
  X(Sinh, "Sinh", 1, 1, 1, 1)                                                                                          \
  X(Cosh, "Cosh", 1, 1, 1, 1)                                                                                          \
  X(Asinh, "Asinh", 1, 1, 1, 1)                                                                                        \
  X(Acosh, "Acosh", 1, 1, 1, 1)                                                                                        \
  X(Atanh, "Atanh", 1, 1, 1, 1)                                                                                        \
  X(Round, "Round", 1, 1, 1, 1)   /* half to even */                                                                   \
  X(Sign, "Sign", 1, 1, 1, 1)     /* -1, 0, 1; NaN */                                                                  \
  X(Shrink, "Shrink", 1, 1, 1, 1) /* lambd, bias */                                                                    \
  /* pooling */                                                                                                        \
  X(MaxPool, "MaxPool", 1, 1, 1, 1)                                                                                    \
  X(AveragePool, "AveragePool", 1, 1, 1, 1)                                                                            \
  X(GlobalAveragePool, "GlobalAveragePool", 1, 1, 1, 1)                                                                \
  X(LpPool, "LpPool", 1, 1, 1, 1)       /* window attributes, p: (sum |x|^p)^(1/p) */                                  \
  X(MaxPool3d, "MaxPool3d", 1, 1, 1, 1) /* over [N,C,D,H,W] */                                                         \
  X(AveragePool3d, "AveragePool3d", 1, 1, 1, 1)                                                                        \
  /* elementwise binary with numpy broadcasting */                                                                     \
  X(Add, "Add", 2, 2, 1, 1)                                                                                            \
  X(Sub, "Sub", 2, 2, 1, 1)                                                                                            \
  X(Mul, "Mul", 2, 2, 1, 1)                                                                                            \
  X(Div, "Div", 2, 2, 1, 1)                                                                                            \
  X(PRelu, "PRelu", 2, 2, 1, 1) /* X, slope: X < 0 ? slope * X : X */                                                  \
  X(Pow, "Pow", 2, 2, 1, 1)                                                                                            \
  X(Max, "Max", 2, 2, 1, 1)     /* NaN propagates */                                                                   \
  X(Min, "Min", 2, 2, 1, 1)     /* NaN propagates */                                                                   \
  X(Where, "Where", 3, 3, 1, 1) /* bool condition, X, Y */                                                             \
  /* values of other dtypes: conversions, bool results, i64 indices */                                                 \
  X(Cast, "Cast", 1, 1, 1, 1)   /* to: an engine/dtype.h code */                                                       \
  X(Equal, "Equal", 2, 2, 1, 1) /* one dtype, broadcasting -> bool */                                                  \
  X(Less, "Less", 2, 2, 1, 1)                                                                                          \
  X(Greater, "Greater", 2, 2, 1, 1)                                                                                    \
  X(LessOrEqual, "LessOrEqual", 2, 2, 1, 1)                                                                            \
  X(GreaterOrEqual, "GreaterOrEqual", 2, 2, 1, 1)                                                                      \
  X(Not, "Not", 1, 1, 1, 1) /* bool -> bool */                                                                         \
  X(And, "And", 2, 2, 1, 1) /* bool, bool, broadcasting -> bool */                                                     \
  X(Or, "Or", 2, 2, 1, 1)                                                                                              \
  X(Xor, "Xor", 2, 2, 1, 1)                                                                                            \
  X(IsNaN, "IsNaN", 1, 1, 1, 1)   /* f32 -> bool */                                                                    \
  X(IsInf, "IsInf", 1, 1, 1, 1)   /* f32 -> bool; detect_positive/... */                                               \
  X(ArgMax, "ArgMax", 1, 1, 1, 1) /* number -> i64; axis, keepdims */                                                  \
  X(ArgMin, "ArgMin", 1, 1, 1, 1)                                                                                      \
  X(TopK, "TopK", 1, 1, 2, 2) /* number -> values, i64 indices; k */                                                   \
  /* data movement */                                                                                                  \
  X(Concat, "Concat", 1, 64, 1, 1)                                                                                     \
  X(Slice, "Slice", 1, 1, 1, 1)                                                                                        \
  X(Split, "Split", 1, 1, 1, 64)                                                                                       \
  X(Reshape, "Reshape", 1, 1, 1, 1)                                                                                    \
  X(Flatten, "Flatten", 1, 1, 1, 1)                                                                                    \
  X(Squeeze, "Squeeze", 1, 1, 1, 1)                                                                                    \
  X(Unsqueeze, "Unsqueeze", 1, 1, 1, 1)                                                                                \
  X(Transpose, "Transpose", 1, 1, 1, 1)                                                                                \
  X(Resize, "Resize", 1, 1, 1, 1)                                                                                      \
  X(GridSample, "GridSample", 2, 2, 1, 1)         /* X, run-time grid; mode, padding_mode, align_corners */            \
  X(RoiAlign, "RoiAlign", 3, 3, 1, 1)             /* X, rois [R,4], i64 batch_indices [R]; mode, output_height... */   \
  X(Pad, "Pad", 1, 1, 1, 1)                       /* pads, mode, value; negative pads crop */                          \
  X(Gather, "Gather", 2, 2, 1, 1)                 /* data (any dtype), run-time i64/i32 indices; axis */               \
  X(GatherElements, "GatherElements", 2, 2, 1, 1) /* data, constant indices; axis */                                   \
  X(ScatterNd, "ScatterND", 3, 3, 1, 1)           /* data, constant indices, updates; reduction */                     \
  X(GatherNd, "GatherND", 2, 2, 1, 1)             /* data (any dtype), constant indices; batch_dims */                 \
  X(ScatterElements, "ScatterElements", 3, 3, 1, 1) /* data, constant indices, updates; axis, reduction */             \
  X(Trilu, "Trilu", 1, 1, 1, 1)                   /* any dtype; upper, k: zero outside a triangle */                   \
  X(OneHot, "OneHot", 2, 2, 1, 1)                 /* indices, values [off, on]; depth, axis */                         \
  X(Mod, "Mod", 2, 2, 1, 1)                       /* f32, i64, i32, i8, u8; broadcasting; fmod */                      \
  X(EyeLike, "EyeLike", 1, 1, 1, 1)               /* input's [rows, cols] only; k, dtype: ones on diagonal k */        \
  X(ReverseSequence, "ReverseSequence", 2, 2, 1, 1) /* X, i64 sequence_lens; time_axis, batch_axis */                  \
  /* dense algebra */                                                                                                  \
  X(MatMul, "MatMul", 2, 2, 1, 1)                                                                                      \
  X(Gemm, "Gemm", 2, 3, 1, 1) /* A, B, [C] */                                                                          \
  X(Lstm, "LSTM", 3, 8, 1, 3) /* X, W, R, [B, seq_lens, h0, c0, P] */                                                  \
  X(Gru, "GRU", 3, 6, 1, 2)   /* X, W, R, [B, seq_lens, h0] */                                                         \
  X(Rnn, "RNN", 3, 6, 1, 2)   /* X, W, R, [B, seq_lens, h0]; activations */                                            \
  /* normalisation over an axis */                                                                                     \
  X(Softmax, "Softmax", 1, 1, 1, 1)                                                                                    \
  X(LogSoftmax, "LogSoftmax", 1, 1, 1, 1)                                                                              \
  X(LayerNorm, "LayerNorm", 2, 3, 1, 3)                                 /* X, scale, [bias] -> Y, [mean, inv_std] */   \
  X(GroupNorm, "GroupNorm", 3, 3, 1, 1)                                 /* X, scale, bias; num_groups */               \
  X(Lrn, "LRN", 1, 1, 1, 1)                                             /* size, alpha, beta, bias: across channels */ \
  X(LpNormalization, "LpNormalization", 1, 1, 1, 1)                     /* axes (one), p: x / ||x||_p */               \
  X(MeanVarianceNormalization, "MeanVarianceNormalization", 1, 1, 1, 1) /* axes */                                     \
  X(RmsNormalization, "RMSNormalization", 2, 2, 1, 1)                   /* X, scale; axis, epsilon */                  \
  X(Hardmax, "Hardmax", 1, 1, 1, 1)                                     /* axes: 1 at the first max of each group */   \
  X(CumSum, "CumSum", 1, 1, 1, 1)                                       /* axis, exclusive, reverse */                 \
  X(ReduceMean, "ReduceMean", 1, 1, 1, 1)                                                                              \
  X(ReduceSum, "ReduceSum", 1, 1, 1, 1)                                                                                \
  X(ReduceProd, "ReduceProd", 1, 1, 1, 1)                                                                              \
  X(ReduceMax, "ReduceMax", 1, 1, 1, 1)                                                                                \
  X(ReduceMin, "ReduceMin", 1, 1, 1, 1)                                                                                \
  X(ReduceL1, "ReduceL1", 1, 1, 1, 1)                                                                                  \
  X(ReduceL2, "ReduceL2", 1, 1, 1, 1)                                                                                  \
  X(ReduceSumSquare, "ReduceSumSquare", 1, 1, 1, 1)                                                                    \
  X(ReduceLogSum, "ReduceLogSum", 1, 1, 1, 1)                                                                          \
  X(ReduceLogSumExp, "ReduceLogSumExp", 1, 1, 1, 1)                                                                    \
  /* quantization: ONNX QuantizeLinear -> DequantizeLinear computed in f32 */                                          \
  X(FakeQuantize, "FakeQuantize", 1, 1, 1, 1) /* scales, zero_points, qmin, qmax, axis */                              \
  /* detection post-processing: YOLO heads -> boxes after NMS */                                                       \
  X(YoloDetect, "YoloDetect", 1, 8, 2, 2)                                                                              \
  X(BoxNms, "BoxNms", 1, 1, 2, 2) /* decoded boxes [1,N,4+K] or [1,4+K,N] */                                           \
  /* the blocked channel layout [N,ceil(C/b),H,W,b] (kernels/nchwc): made at load by use_nchwc_layout */               \
  X(ToNchwc, "ToNchwc", 1, 1, 1, 1)     /* [N,C,H,W] -> [N,CB,H,W,b]; block */                                         \
  X(FromNchwc, "FromNchwc", 1, 1, 1, 1) /* [N,CB,H,W,b] -> [N,C,H,W]; channels */                                      \
  X(Conv2dNchwc, "Conv2dNchwc", 2, 4, 1, 1) /* X (NCHWc, or NCHW with x_plain), W, [B], [R]; Conv2d's attrs, block */  \
  X(GlobalAveragePoolNchwc, "GlobalAveragePoolNchwc", 1, 1, 1, 1) /* [N,CB,H,W,b] -> [N,CB,1,1,b] */

enum class OpType : int {
#define VIGIL_OP_ENUM(e, name, ...) e,
  VIGIL_OPS(VIGIL_OP_ENUM)
#undef VIGIL_OP_ENUM
      Count
};

inline constexpr int kOpCount = static_cast<int>(OpType::Count);

std::string_view op_name(OpType t);
std::optional<OpType> op_from_name(std::string_view name);

}  // namespace vigil
