// YoloDetect: darknet YOLO decode + per-class NMS over 1..8 raw head tensors [1, A*(5+C), H, W]
// (see kernels/yolo_detect/yolo_detect.h for the formulas). Attributes: num_classes, anchors (w,h pairs
// in network-input pixels), masks (anchor indices of each head, concatenated in head order),
// anchors_per_head (mask entries per head), input_width, input_height, scale_x_y (one per head, def 1),
// score_threshold (def 0.25), nms_threshold (def 0.45), max_detections (def 100), decode ("yolo", def,
// "region": darknet's YOLOv2 [region] decoding, anchors in grid cells and softmax class probabilities, or
// "new_coords": darknet's [yolo] new_coords=1, heads holding already activated values, or "gaussian":
// darknet's [Gaussian_yolo], 9 + C channels per anchor), nms ("iou", def, or
// "diou": darknet's DIoU-NMS) and diou_beta (def 0.6; nms "diou" only).
// Outputs: detections [max_detections, 6] (x1, y1, x2, y2, score, class) and count [1].
#include "kernels/yolo_detect/yolo_detect.h"

#include <cmath>
#include <limits>

#include "engine/error.h"
#include "engine/ops/detection_limits.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

kernels::YoloDetectParams plan_yolo(const Node& node, std::span<const TensorInfo> in) {
  const std::string who = node.label();
  const Attributes& a = node.attrs;
  kernels::YoloDetectParams p;
  const int64_t num_heads = static_cast<int64_t>(in.size());
  expect_f32(node, in);  // heads are read as floats; an i64 or bool value (now possible at run time) is an error

  if (!a.has("num_classes")) fail_node(node, "attribute 'num_classes' is required");
  p.num_classes = a.get_int("num_classes", 0, who);
  if (p.num_classes < 1 || p.num_classes > std::numeric_limits<int32_t>::max())
    fail_node(node, concat("num_classes must be >= 1, got ", p.num_classes));

  const std::string decode = a.get_string("decode", "yolo", who);
  if (decode == "region")
    p.mode = kernels::YoloDecodeMode::Region;
  else if (decode == "new_coords")
    p.mode = kernels::YoloDecodeMode::NewCoords;
  else if (decode == "gaussian")
    p.mode = kernels::YoloDecodeMode::Gaussian;
  else if (decode != "yolo")
    fail_node(node,
              concat("decode must be \"yolo\", \"region\", \"new_coords\" or \"gaussian\", got \"", decode, "\""));

  const std::string nms = a.get_string("nms", "iou", who);
  if (nms == "diou")
    p.nms_kind = kernels::YoloNmsKind::Diou;
  else if (nms != "iou")
    fail_node(node, concat("nms must be \"iou\" or \"diou\", got \"", nms, "\""));
  if (a.has("diou_beta") && p.nms_kind != kernels::YoloNmsKind::Diou)
    fail_node(node, "diou_beta is only meaningful with nms \"diou\"");
  p.diou_beta = a.get_float("diou_beta", 0.6f, who);
  if (!(p.diou_beta > 0.0f) || !std::isfinite(p.diou_beta))
    fail_node(node, concat("diou_beta must be finite and > 0, got ", p.diou_beta));

  const std::vector<float> anchors = a.get_floats("anchors", {}, who);
  if (anchors.empty() || anchors.size() % 2 != 0)
    fail_node(node, concat("anchors must be a non-empty list of (w, h) pairs, got ", anchors.size(), " values"));
  for (float v : anchors)
    if (!(v > 0.0f) || !std::isfinite(v)) fail_node(node, concat("anchor sizes must be finite and > 0, got ", v));
  const int64_t num_anchors = static_cast<int64_t>(anchors.size() / 2);

  const std::vector<int64_t> masks = a.get_ints("masks", {}, who);
  if (masks.empty()) fail_node(node, "attribute 'masks' is required (anchor indices of each head)");
  const std::vector<int64_t> per_head = a.get_ints("anchors_per_head", {}, who);
  if (static_cast<int64_t>(per_head.size()) != num_heads)
    fail_node(node, concat("anchors_per_head must have one entry per head (", num_heads, "), got ", per_head.size()));
  int64_t mask_total = 0;
  for (int64_t n : per_head) {
    if (n < 1) fail_node(node, concat("anchors_per_head entries must be >= 1, got ", n));
    mask_total += n;
  }
  if (mask_total != static_cast<int64_t>(masks.size()))
    fail_node(node, concat("anchors_per_head sums to ", mask_total, " but masks has ", masks.size(), " entries"));
  for (int64_t m : masks)
    if (m < 0 || m >= num_anchors)
      fail_node(node, concat("mask index ", m, " is out of range: there are ", num_anchors, " anchors"));

  p.input_width = a.get_int("input_width", 0, who);
  p.input_height = a.get_int("input_height", 0, who);
  if (p.input_width < 1 || p.input_height < 1)
    fail_node(node, concat("input_width and input_height must be >= 1, got ", p.input_width, "x", p.input_height));

  std::vector<float> scales = a.get_floats("scale_x_y", std::vector<float>(static_cast<size_t>(num_heads), 1.0f), who);
  if (static_cast<int64_t>(scales.size()) != num_heads)
    fail_node(node, concat("scale_x_y must have one entry per head (", num_heads, "), got ", scales.size()));
  for (float s : scales)
    if (!(s > 0.0f) || !std::isfinite(s)) fail_node(node, concat("scale_x_y entries must be finite and > 0, got ", s));
  if (p.mode == kernels::YoloDecodeMode::Region)
    for (float s : scales)
      if (s != 1.0f) fail_node(node, concat("scale_x_y must be 1 with decode \"region\", got ", s));

  const DetectionLimits limits = detection_limits(node);
  p.score_threshold = limits.score_threshold;
  p.nms_threshold = limits.nms_threshold;
  p.max_detections = limits.max_detections;

  size_t next_mask = 0;
  for (int64_t h = 0; h < num_heads; ++h) {
    const TensorInfo& t = in[static_cast<size_t>(h)];
    if (t.dtype != DType::F32) fail_node(node, concat("head ", h, " is ", dtype_name(t.dtype), ", expected f32"));
    if (t.shape.rank != 4 || t.shape[0] != 1)
      fail_node(node, concat("head ", h, " must have shape [1, A*(5+C), H, W], got ", t.shape.str()));
    kernels::YoloHeadParams head;
    for (int64_t k = 0; k < per_head[static_cast<size_t>(h)]; ++k) {
      const auto m = static_cast<size_t>(masks[next_mask++]);
      head.anchors.push_back(anchors[2 * m]);
      head.anchors.push_back(anchors[2 * m + 1]);
    }
    const int64_t want = head.num_anchors() * kernels::yolo_entries_per_anchor(p);
    if (t.shape[1] != want)
      fail_node(node, concat("head ", h, " has shape ", t.shape.str(), ": expected ", want,
                             " channels = ", head.num_anchors(), " anchors * (",
                             kernels::yolo_entries_per_anchor(p) - p.num_classes, " + ", p.num_classes, " classes)"));
    head.height = t.shape[2];
    head.width = t.shape[3];
    head.scale_x_y = scales[static_cast<size_t>(h)];
    p.heads.push_back(std::move(head));
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::YoloDetectParams p = plan_yolo(node, in);
  out[0] = {DType::F32, Shape{p.max_detections, 6}};
  out[1] = {DType::F32, Shape{1}};
}

class YoloDetectKernel final : public OpKernel {
 public:
  YoloDetectKernel(kernels::YoloDetectParams p, bool fast) : p_(std::move(p)), fast_(fast) {}
  size_t workspace_bytes() const override { return kernels::yolo_detect_workspace_bytes(p_); }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    void* workspace = rc.workspace;
    const float* heads[8] = {};
    for (size_t h = 0; h < in.size() && h < 8; ++h) heads[h] = in[h].f32();
    if (fast_)
      kernels::yolo_detect_fast(p_, heads, out[0].f32(), out[1].f32(), workspace);
    else
      kernels::yolo_detect_reference(p_, heads, out[0].f32(), out[1].f32(), workspace);
  }

 private:
  kernels::YoloDetectParams p_;
  bool fast_;  // yolo_detect_fast (same bits) on every path but the reference one
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<YoloDetectKernel>(plan_yolo(ctx.node, ctx.inputs), ctx.path != KernelPath::Reference);
}

double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  // Roughly one transcendental per input element; NMS depends on the data and is not counted.
  double n = 0;
  for (const TensorInfo& t : in) n += static_cast<double>(t.shape.numel());
  return n;
}

}  // namespace

const OpDef kYoloDetectOp{OpType::YoloDetect, infer, bind, flops};

}  // namespace vigil::ops
