// Cast: converts its input to the dtype of attribute `to` (a code of engine/dtype.h), element by element, with
// the semantics of kernels/cast (float -> integer truncates toward zero; out-of-range and NaN give the x86
// "integer indefinite"; integer narrowing wraps; anything -> bool is != 0). From and to any of f32, i64, i32,
// i8, u8, bool, and the storage types f16, bf16, f64 (f16 / bf16 widen exactly and narrow rounding to nearest
// even; f64 is rounded to f32 first). A Cast to the input's own dtype is a copy.
//
// Optional attribute `via` (f16 or bf16 code, with `to` f32): the output is the f32 value rounded to that type,
// Cast(Cast(x, via), f32) in one node. This is how vigil computes an ONNX Cast to FLOAT16 / BFLOAT16 inside a
// graph, where such values are held as f32. Exact on every path (the vector paths convert f32 <-> f16 with
// F16C / AVX-512, bit-identical to the reference); the optimised paths split large tensors between the threads.
#include "kernels/cast/cast.h"

#include "engine/cpu_features.h"
#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/float16/float16_fast.h"

namespace vigil::ops {

namespace {

// The run-time dtypes (elem_type_of) and the storage types only Cast converts.
std::optional<kernels::ElemType> cast_type_of(DType t) {
  switch (t) {
    case DType::F16:
      return kernels::ElemType::F16;
    case DType::BF16:
      return kernels::ElemType::BF16;
    case DType::F64:
      return kernels::ElemType::F64;
    default:
      return elem_type_of(t);
  }
}

constexpr const char* kCastable = "f32, i64, i32, i8, u8, bool, f16, bf16 and f64: codes 1, 7, 6, 4, 5, 8, 2, 3, 9";

DType target_of(const Node& node) {
  const int64_t to = node.attrs.get_int("to", 0, node.label());
  if (to < 0 || to > 255 || !dtype_is_known(static_cast<uint32_t>(to)) ||
      !cast_type_of(static_cast<DType>(to)).has_value())
    fail_node(node, concat("cannot cast to dtype code ", to, " (vigil casts ", kCastable, ")"));
  return static_cast<DType>(to);
}

// The type the output is rounded through (`via`), or F32 for none.
DType via_of(const Node& node) {
  if (!node.attrs.has("via")) return DType::F32;
  const int64_t via = node.attrs.get_int("via", 0, node.label());
  if (via != static_cast<int64_t>(DType::F16) && via != static_cast<int64_t>(DType::BF16))
    fail_node(node, concat("via must be the code of f16 (2) or bf16 (3), got ", via));
  if (target_of(node) != DType::F32) fail_node(node, concat("via needs to = f32, got ", dtype_name(target_of(node))));
  return static_cast<DType>(via);
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  if (!in[0].present()) fail_node(node, "the input is required");
  if (!cast_type_of(in[0].dtype))
    fail_node(node, concat("cannot cast from ", dtype_name(in[0].dtype), " (vigil casts ", kCastable, ")"));
  via_of(node);
  out[0] = {target_of(node), in[0].shape};
}

// The reference path converts with the scalar reference; the others use F16C / AVX-512 for f32 <-> f16 (bit-
// identical, kernels/float16/float16_fast.h) and the reference for everything else.
class CastKernel final : public OpKernel {
 public:
  CastKernel(kernels::ElemType from, kernels::ElemType to, DType via, bool threaded,
             std::optional<kernels::KernelIsa> isa)
      : from_(from), to_(to), via_(via), threaded_(threaded), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    using kernels::ElemType;
    const int64_t n = out[0].numel();
    auto range = [&](int64_t begin, int64_t end) {
      float* y = static_cast<float*>(out[0].data) + begin;
      if (isa_ && from_ == ElemType::F32 && to_ == ElemType::F16)
        return kernels::f32_to_f16_fast(*isa_, static_cast<const float*>(in[0].data) + begin,
                                        static_cast<uint16_t*>(out[0].data) + begin, end - begin);
      if (isa_ && from_ == ElemType::F16 && to_ == ElemType::F32)
        return kernels::f16_to_f32_fast(*isa_, static_cast<const uint16_t*>(in[0].data) + begin, y, end - begin);
      kernels::cast_reference(from_, to_, in[0].data, out[0].data, begin, end);
      if (via_ == DType::F16) {
        if (isa_)
          kernels::round_to_f16_fast(*isa_, y, end - begin);
        else
          kernels::round_to_f16_inplace(y, end - begin);
      }
      if (via_ == DType::BF16) kernels::round_to_bf16_inplace(y, end - begin);
    };
    if (!threaded_) return range(0, n);
    parallel_elements(*rc.pool, n, range);
  }

 private:
  kernels::ElemType from_, to_;
  DType via_;
  bool threaded_;
  std::optional<kernels::KernelIsa> isa_;  // none: the reference conversions
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  std::optional<kernels::KernelIsa> isa = kernel_isa(ctx.path);
  if (isa == kernels::KernelIsa::Avx2 && !cpu_features().f16c) isa = kernels::KernelIsa::Scalar;
  return std::make_unique<CastKernel>(*cast_type_of(ctx.inputs[0].dtype), *cast_type_of(target_of(ctx.node)),
                                      via_of(ctx.node), ctx.path != KernelPath::Reference, isa);
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kCastOp{OpType::Cast, infer, bind, flops};

}  // namespace vigil::ops
