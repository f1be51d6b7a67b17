// BoxNms: per-class NMS over boxes the model decoded itself (kernels/box_nms/box_nms.h), for detectors
// whose export ends in decoded predictions instead of raw YOLO heads. Input: predictions [1, N, 4+K]
// (layout "rows") or [1, 4+K, N] (layout "columns"), K = objectness + num_classes. Attributes:
// num_classes, layout, objectness (0/1), box_format ("cxcywh" or "xyxy"), multi_label (0/1, def 0),
// score_threshold (def 0.25), nms_threshold (def 0.45), max_detections (def 100). Outputs as YoloDetect's:
// detections [max_detections, 6] (x1, y1, x2, y2, score, class) and count [1].
#include "kernels/box_nms/box_nms.h"

#include <limits>

#include "engine/error.h"
#include "engine/ops/detection_limits.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

kernels::BoxNmsParams plan_box_nms(const Node& node, std::span<const TensorInfo> in) {
  const std::string who = node.label();
  const Attributes& a = node.attrs;
  kernels::BoxNmsParams p;
  if (!a.has("num_classes")) fail_node(node, "attribute 'num_classes' is required");
  p.num_classes = a.get_int("num_classes", 0, who);
  if (p.num_classes < 1 || p.num_classes > std::numeric_limits<int32_t>::max())
    fail_node(node, concat("num_classes must be >= 1, got ", p.num_classes));
  const std::string layout = a.get_string("layout", "", who);
  if (layout != "rows" && layout != "columns")
    fail_node(node, concat("layout must be \"rows\" ([1, N, 4+K]) or \"columns\" ([1, 4+K, N]), got \"", layout, "\""));
  p.columns = layout == "columns";
  p.objectness = flag_attr(node, "objectness", 0);
  const std::string format = a.get_string("box_format", "cxcywh", who);
  if (format != "cxcywh" && format != "xyxy")
    fail_node(node, concat("box_format must be \"cxcywh\" or \"xyxy\", got \"", format, "\""));
  p.corners = format == "xyxy";
  p.multi_label = flag_attr(node, "multi_label", 0);
  const DetectionLimits limits = detection_limits(node);
  p.score_threshold = limits.score_threshold;
  p.nms_threshold = limits.nms_threshold;
  p.max_detections = limits.max_detections;

  const TensorInfo& t = in[0];
  if (t.dtype != DType::F32) fail_node(node, concat("predictions are ", dtype_name(t.dtype), ", expected f32"));
  const char* want = p.columns ? "[1, 4+K, N]" : "[1, N, 4+K]";
  if (t.shape.rank != 3 || t.shape[0] != 1)
    fail_node(node, concat("predictions must have shape ", want, ", got ", t.shape.str()));
  const int64_t values = p.columns ? t.shape[1] : t.shape[2];
  if (values != p.values_per_box())
    fail_node(node,
              concat("predictions ", t.shape.str(), " hold ", values, " values per box; ", p.num_classes, " classes",
                     p.objectness ? " with an objectness" : "", " need ", p.values_per_box(), " (layout ", want, ")"));
  p.num_boxes = p.columns ? t.shape[2] : t.shape[1];
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::BoxNmsParams p = plan_box_nms(node, in);
  out[0] = {DType::F32, Shape{p.max_detections, 6}};
  out[1] = {DType::F32, Shape{1}};
}

class BoxNmsKernel final : public OpKernel {
 public:
  explicit BoxNmsKernel(kernels::BoxNmsParams p) : p_(p) {}
  size_t workspace_bytes() const override { return kernels::box_nms_workspace_bytes(p_); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    kernels::box_nms_reference(p_, in[0].f32(), out[0].f32(), out[1].f32(), rc.workspace);
  }

 private:
  kernels::BoxNmsParams p_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<BoxNmsKernel>(plan_box_nms(ctx.node, ctx.inputs));
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  // One multiply-compare per score; NMS depends on the data and is not counted.
  return static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kBoxNmsOp{OpType::BoxNms, infer, bind, flops};

}  // namespace vigil::ops
