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
  std::vector<int> outputs;
  for (const char* name : {"detections", "detection_count"}) {
    if (g.find_value(name) >= 0) fail("cannot add YOLO decoding: the model already has a value named '", name, "'");
    Value v;
    v.name = name;
    g.values.push_back(std::move(v));
    outputs.push_back(static_cast<int>(g.values.size() - 1));
  }
  g.nodes.push_back(Node{OpType::YoloDetect, "yolo_detect", heads, outputs, std::move(attrs)});
  for (int v : outputs) g.outputs.push_back(v);
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
  if (const auto* c = get<int64_t>(m, meta::kYoloNumClasses)) {
    d.num_classes = *c;
  } else if (const auto* names = get<std::vector<std::string>>(m, meta::kClassNames)) {
    d.num_classes = static_cast<int64_t>(names->size());
  } else {
    fail("YOLO decoding needs metadata key 'yolo_num_classes' or 'class_names' (give it in the --metadata file)");
  }
  if (const auto* names = get<std::vector<std::string>>(m, meta::kClassNames);
      names && static_cast<int64_t>(names->size()) != d.num_classes)
    fail("metadata keys 'class_names' and 'yolo_num_classes': ", names->size(), " names for ", d.num_classes,
         " classes");
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

}  // namespace vigil
