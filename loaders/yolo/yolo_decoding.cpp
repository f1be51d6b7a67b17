#include "loaders/yolo/yolo_decoding.h"

#include "engine/error.h"
#include "loaders/vgl/metadata_keys.h"

namespace vigil {

namespace {

template <typename T>
const T* get(const Metadata& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? nullptr : std::get_if<T>(&it->second);
}

template <typename T>
const T& require(const Metadata& m, std::string_view key) {
  const T* v = get<T>(m, key);
  if (!v) fail("YOLO decoding needs metadata key '", key, "' (give it in the --metadata file)");
  return *v;
}

// yolo_num_classes, else the number of class_names; both, when given, must agree.
int64_t class_count(const Metadata& m) {
  int64_t count = 0;
  if (const auto* c = get<int64_t>(m, meta::kYoloNumClasses)) {
    count = *c;
  } else if (const auto* names = get<std::vector<std::string>>(m, meta::kClassNames)) {
    count = static_cast<int64_t>(names->size());
  } else {
    fail("box decoding needs metadata key 'yolo_num_classes' or 'class_names' (give it in the --metadata file)");
  }
  if (const auto* names = get<std::vector<std::string>>(m, meta::kClassNames);
      names && static_cast<int64_t>(names->size()) != count)
    fail("metadata keys 'class_names' and 'yolo_num_classes': ", names->size(), " names for ", count, " classes");
  return count;
}

}  // namespace

void record_yolo_metadata(Metadata& m, const std::vector<std::string>& head_names, const YoloDecoding& d) {
  m[std::string(meta::kYoloHeads)] = head_names;
  m[std::string(meta::kYoloNumClasses)] = d.num_classes;
  m[std::string(meta::kYoloAnchors)] = d.anchors;
  m[std::string(meta::kYoloMasks)] = d.masks;
  m[std::string(meta::kYoloAnchorsPerHead)] = d.anchors_per_head;
  m[std::string(meta::kYoloScaleXY)] = d.scale_x_y;
  if (d.decode != "yolo") m[std::string(meta::kYoloDecode)] = d.decode;
  if (d.nms != "iou") {
    m[std::string(meta::kYoloNms)] = d.nms;
    m[std::string(meta::kYoloDiouBeta)] = d.diou_beta;
  }
}

void append_yolo_detect(Graph& g, const std::vector<int>& heads, const YoloDecoding& d) {
  Attributes attrs;
  if (d.decode != "yolo") attrs.set("decode", d.decode);
  attrs.set("num_classes", d.num_classes);
  attrs.set("anchors", d.anchors);
  attrs.set("masks", d.masks);
  attrs.set("anchors_per_head", d.anchors_per_head);
  attrs.set("input_width", d.input_width);
  attrs.set("input_height", d.input_height);
  attrs.set("scale_x_y", d.scale_x_y);
  attrs.set("score_threshold", d.score_threshold);
  attrs.set("nms_threshold", d.nms_threshold);
  attrs.set("max_detections", d.max_detections);
  if (d.nms != "iou") {
    attrs.set("nms", d.nms);
    attrs.set("diou_beta", d.diou_beta);
  }
  g.nodes.push_back(Node{OpType::YoloDetect, "yolo_detect", heads, add_detection_outputs(g), std::move(attrs)});
}

std::vector<int> add_detection_outputs(Graph& g) {
  std::vector<int> outputs;
  for (const char* name : {"detections", "detection_count"})
    if (g.find_value(name) >= 0) fail("cannot add box decoding: the model already has a value named '", name, "'");
  for (const char* name : {"detections", "detection_count"}) {
    Value v;
    v.name = name;
    g.values.push_back(std::move(v));
    outputs.push_back(static_cast<int>(g.values.size() - 1));
    g.outputs.push_back(outputs.back());
  }
  return outputs;
}

YoloDecoding yolo_decoding_from_metadata(const Metadata& m, size_t num_heads) {
  YoloDecoding d;
  d.anchors = require<std::vector<float>>(m, meta::kYoloAnchors);
  d.masks = require<std::vector<int64_t>>(m, meta::kYoloMasks);
  d.anchors_per_head = require<std::vector<int64_t>>(m, meta::kYoloAnchorsPerHead);
  if (d.anchors_per_head.size() != num_heads)
    fail("metadata key 'yolo_anchors_per_head' has ", d.anchors_per_head.size(), " entries for ", num_heads,
         " YOLO heads");
  const auto& size = require<std::vector<int64_t>>(m, meta::kInputSize);
  d.input_width = size.at(0);
  d.input_height = size.at(1);
  d.num_classes = class_count(m);
  d.scale_x_y.assign(num_heads, 1.0f);
  if (const auto* s = get<std::vector<float>>(m, meta::kYoloScaleXY)) {
    if (s->size() != num_heads)
      fail("metadata key 'yolo_scale_x_y' has ", s->size(), " values for ", num_heads, " YOLO heads");
    d.scale_x_y = *s;
  }
  if (const auto* t = get<float>(m, meta::kYoloScoreThreshold)) d.score_threshold = *t;
  if (const auto* t = get<float>(m, meta::kYoloNmsThreshold)) d.nms_threshold = *t;
  if (const auto* n = get<int64_t>(m, meta::kYoloMaxDetections)) d.max_detections = *n;
  if (const auto* s = get<std::string>(m, meta::kYoloDecode)) d.decode = *s;
  if (const auto* s = get<std::string>(m, meta::kYoloNms)) d.nms = *s;
  if (const auto* b = get<float>(m, meta::kYoloDiouBeta)) d.diou_beta = *b;
  return d;
}

BoxNmsDecoding box_nms_decoding_from_metadata(const Metadata& m) {
  BoxNmsDecoding d;
  d.format = require<std::string>(m, meta::kBoxesFormat);
  require<std::vector<int64_t>>(m, meta::kInputSize);  // `vigil detect` maps the boxes to the frame with it
  if (d.format == "yolov8") {
    d.nms_threshold = 0.7f;
    d.max_detections = 300;
  } else if (d.format != "yolov5") {
    fail("metadata key 'boxes_format' is '", d.format, "', expected \"yolov5\" or \"yolov8\"");
  }
  d.num_classes = class_count(m);
  if (const auto* b = get<int64_t>(m, meta::kBoxesMultiLabel)) d.multi_label = *b != 0;
  if (const auto* t = get<float>(m, meta::kYoloScoreThreshold)) d.score_threshold = *t;
  if (const auto* t = get<float>(m, meta::kYoloNmsThreshold)) d.nms_threshold = *t;
  if (const auto* n = get<int64_t>(m, meta::kYoloMaxDetections)) d.max_detections = *n;
  return d;
}

void append_box_nms(Graph& g, int predictions, const BoxNmsDecoding& d) {
  const bool v5 = d.format == "yolov5";
  Attributes attrs;
  attrs.set("num_classes", d.num_classes);
  attrs.set("layout", std::string(v5 ? "rows" : "columns"));
  attrs.set("objectness", int64_t{v5 ? 1 : 0});
  attrs.set("box_format", std::string("cxcywh"));
  attrs.set("multi_label", int64_t{d.multi_label ? 1 : 0});
  attrs.set("score_threshold", d.score_threshold);
  attrs.set("nms_threshold", d.nms_threshold);
  attrs.set("max_detections", d.max_detections);
  g.metadata[std::string(meta::kBoxesOutput)] = g.values.at(static_cast<size_t>(predictions)).name;
  g.metadata[std::string(meta::kBoxesFormat)] = d.format;
  g.metadata[std::string(meta::kYoloNumClasses)] = d.num_classes;
  // A FLOAT16 / DOUBLE model's predictions output is a Cast of the f32 values vigil computed (docs/ONNX.md,
  // "Element types"): NMS reads those f32 values.
  int boxes = predictions;
  if (const Value& p = g.values.at(static_cast<size_t>(predictions));
      (p.dtype == DType::F16 || p.dtype == DType::BF16 || p.dtype == DType::F64) && p.producer >= 0) {
    const Node& cast = g.nodes[static_cast<size_t>(p.producer)];
    if (cast.op == OpType::Cast && !cast.attrs.has("via") && cast.inputs.size() == 1 &&
        g.values[static_cast<size_t>(cast.inputs[0])].dtype == DType::F32)
      boxes = cast.inputs[0];
  }
  g.nodes.push_back(Node{OpType::BoxNms, "box_nms", {boxes}, add_detection_outputs(g), std::move(attrs)});
}

}  // namespace vigil
