#include "loaders/vgl/metadata_keys.h"

#include <cmath>

#include "engine/error.h"

namespace vigil::meta {

namespace {

template <typename T>
const T& expect(std::string_view key, const AttrValue& v, AttrKind want) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  fail("metadata key '", key, "': is ", attr_kind_name(attr_kind(v)), ", expected ", attr_kind_name(want));
}

[[noreturn]] void bad(std::string_view key, const std::string& why) { fail("metadata key '", key, "': ", why); }

const AttrValue* find_key(const Metadata& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? nullptr : &it->second;
}

// The keys an action model needs together: the streaming detector cannot run with any one missing.
constexpr std::string_view kRequiredActionKeys[] = {kActionLabels,      kActionImageInput, kActionEmbedding,
                                                    kActionWindowInput, kActionScores,     kTemporalWindow};

bool contains(const std::vector<int>& ids, int id) {
  for (int x : ids)
    if (x == id) return true;
  return false;
}

// The value a string key names, which must be a graph input (or output) of the given rank.
int named_value(const Graph& g, std::string_view key, bool want_input, int rank) {
  const std::string& name = std::get<std::string>(*find_key(g.metadata, key));
  const int id = g.find_value(name);
  const char* role = want_input ? "graph input" : "graph output";
  if (id < 0) bad(key, concat("names '", name, "', which is not a value of the graph"));
  if (!contains(want_input ? g.inputs : g.outputs, id)) bad(key, concat("names '", name, "', which is not a ", role));
  const Shape& s = g.values[static_cast<size_t>(id)].shape;
  if (s.rank != rank) bad(key, concat("names ", role, " '", name, "' of shape ", s.str(), ", expected rank ", rank));
  return id;
}
}  // namespace

std::optional<AttrKind> known_kind(std::string_view key) {
  static constexpr std::pair<std::string_view, AttrKind> kKinds[] = {
      {kInputSize, AttrKind::Ints},
      {kChannelOrder, AttrKind::String},
      {kMean, AttrKind::Floats},
      {kStd, AttrKind::Floats},
      {kClassNames, AttrKind::Strings},
      {kYoloAnchors, AttrKind::Floats},
      {kYoloMasks, AttrKind::Ints},
      {kYoloAnchorsPerHead, AttrKind::Ints},
      {kTemporalWindow, AttrKind::Int},
      {kSourceFormat, AttrKind::String},
      {kProducer, AttrKind::String},
      {kYoloHeads, AttrKind::Strings},
      {kYoloNumClasses, AttrKind::Int},
      {kYoloScaleXY, AttrKind::Floats},
      {kYoloScoreThreshold, AttrKind::Float},
      {kYoloNmsThreshold, AttrKind::Float},
      {kYoloMaxDetections, AttrKind::Int},
      {kYoloDecode, AttrKind::String},
      {kBoxesFormat, AttrKind::String},
      {kBoxesOutput, AttrKind::String},
      {kBoxesMultiLabel, AttrKind::Int},
      {kYoloNms, AttrKind::String},
      {kYoloDiouBeta, AttrKind::Float},
      {kLetterbox, AttrKind::Int},
      {kLetterboxFill, AttrKind::Float},
      {kActionLabels, AttrKind::Strings},
      {kActionBackground, AttrKind::Int},
      {kActionImageInput, AttrKind::String},
      {kActionEmbedding, AttrKind::String},
      {kActionWindowInput, AttrKind::String},
      {kActionScores, AttrKind::String},
      {kStateInputs, AttrKind::Strings},
      {kStateOutputs, AttrKind::Strings},
  };
  for (const auto& [name, kind] : kKinds)
    if (name == key) return kind;
  return std::nullopt;
}

void check_metadata_entry(std::string_view key, const AttrValue& v) {
  if (key.empty()) fail("metadata: a key is empty");
  if (key == kInputSize) {
    const auto& s = expect<std::vector<int64_t>>(key, v, AttrKind::Ints);
    if (s.size() != 2) bad(key, concat("has ", s.size(), " values, expected 2 (W, H)"));
    if (s[0] < 1 || s[1] < 1) bad(key, concat("W and H must be >= 1, got ", s[0], "x", s[1]));
  } else if (key == kChannelOrder) {
    const auto& s = expect<std::string>(key, v, AttrKind::String);
    if (s != "RGB" && s != "BGR") bad(key, concat("is '", s, "', expected \"RGB\" or \"BGR\""));
  } else if (key == kMean || key == kStd) {
    const auto& f = expect<std::vector<float>>(key, v, AttrKind::Floats);
    if (f.empty()) bad(key, "is empty");
    for (size_t i = 0; i < f.size(); ++i) {
      if (!std::isfinite(f[i])) bad(key, concat("value ", i, " is not finite"));
      if (key == kStd && !(f[i] > 0.0f)) bad(key, concat("value ", i, " is ", f[i], ", must be > 0"));
    }
  } else if (key == kClassNames) {
    expect<std::vector<std::string>>(key, v, AttrKind::Strings);
  } else if (key == kYoloAnchors) {
    const auto& f = expect<std::vector<float>>(key, v, AttrKind::Floats);
    if (f.size() % 2 != 0) bad(key, concat("has ", f.size(), " values, expected (w, h) pairs"));
    for (size_t i = 0; i < f.size(); ++i)
      if (!(f[i] > 0.0f) || !std::isfinite(f[i])) bad(key, concat("value ", i, " is ", f[i], ", must be > 0"));
  } else if (key == kYoloMasks) {
    for (int64_t m : expect<std::vector<int64_t>>(key, v, AttrKind::Ints))
      if (m < 0) bad(key, concat("anchor index ", m, " is negative"));
  } else if (key == kYoloAnchorsPerHead) {
    for (int64_t n : expect<std::vector<int64_t>>(key, v, AttrKind::Ints))
      if (n < 1) bad(key, concat("a head has ", n, " anchors, must be >= 1"));
  } else if (key == kTemporalWindow) {
    const int64_t t = expect<int64_t>(key, v, AttrKind::Int);
    if (t < 1) bad(key, concat("is ", t, ", must be >= 1"));
  } else if (key == kSourceFormat || key == kProducer) {
    expect<std::string>(key, v, AttrKind::String);
  } else if (key == kYoloHeads) {
    const auto& names = expect<std::vector<std::string>>(key, v, AttrKind::Strings);
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i].empty()) bad(key, concat("name ", i, " is empty"));
  } else if (key == kYoloNumClasses) {
    const int64_t c = expect<int64_t>(key, v, AttrKind::Int);
    if (c < 1) bad(key, concat("is ", c, ", must be >= 1"));
  } else if (key == kYoloScaleXY) {
    const auto& f = expect<std::vector<float>>(key, v, AttrKind::Floats);
    for (size_t i = 0; i < f.size(); ++i)
      if (!(f[i] > 0.0f) || !std::isfinite(f[i])) bad(key, concat("value ", i, " is ", f[i], ", must be > 0"));
  } else if (key == kYoloScoreThreshold || key == kYoloNmsThreshold) {
    const float t = expect<float>(key, v, AttrKind::Float);
    if (!(t >= 0.0f && t <= 1.0f)) bad(key, concat("is ", t, ", must be in [0, 1]"));
  } else if (key == kYoloMaxDetections) {
    const int64_t n = expect<int64_t>(key, v, AttrKind::Int);
    if (n < 1 || n > (int64_t{1} << 24)) bad(key, concat("is ", n, ", must be in 1..2^24"));
  } else if (key == kYoloDecode) {
    const auto& s = expect<std::string>(key, v, AttrKind::String);
    if (s != "yolo" && s != "region" && s != "new_coords" && s != "gaussian")
      bad(key, concat("is '", s, "', expected \"yolo\", \"region\", \"new_coords\" or \"gaussian\""));
  } else if (key == kYoloNms) {
    const auto& s = expect<std::string>(key, v, AttrKind::String);
    if (s != "iou" && s != "diou") bad(key, concat("is '", s, "', expected \"iou\" or \"diou\""));
  } else if (key == kYoloDiouBeta) {
    const float b = expect<float>(key, v, AttrKind::Float);
    if (!(b > 0.0f) || !std::isfinite(b)) bad(key, concat("is ", b, ", must be finite and > 0"));
  } else if (key == kLetterboxFill) {
    const float f = expect<float>(key, v, AttrKind::Float);
    if (!(f >= 0.0f && f <= 1.0f)) bad(key, concat("is ", f, ", must be in [0, 1] (a gray level, pixel / 255)"));
  } else if (key == kBoxesFormat) {
    const auto& s = expect<std::string>(key, v, AttrKind::String);
    if (s != "yolov5" && s != "yolov8") bad(key, concat("is '", s, "', expected \"yolov5\" or \"yolov8\""));
  } else if (key == kBoxesOutput) {
    if (expect<std::string>(key, v, AttrKind::String).empty()) bad(key, "is empty");
  } else if (key == kLetterbox || key == kBoxesMultiLabel) {
    const int64_t b = expect<int64_t>(key, v, AttrKind::Int);
    if (b != 0 && b != 1) bad(key, concat("is ", b, ", must be 0 or 1"));
  } else if (key == kActionLabels) {
    const auto& labels = expect<std::vector<std::string>>(key, v, AttrKind::Strings);
    if (labels.empty()) bad(key, "is empty, expected at least one action name");
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i].empty()) bad(key, concat("name ", i, " is empty"));
  } else if (key == kActionBackground) {
    const int64_t b = expect<int64_t>(key, v, AttrKind::Int);
    if (b < 0) bad(key, concat("is ", b, ", must be >= 0 (an index into action_labels)"));
  } else if (key == kStateInputs || key == kStateOutputs) {
    const auto& names = expect<std::vector<std::string>>(key, v, AttrKind::Strings);
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].empty()) bad(key, concat("name ", i, " is empty"));
      for (size_t j = 0; j < i; ++j)
        if (names[j] == names[i]) bad(key, concat("names '", names[i], "' twice"));
    }
  } else if (key == kActionImageInput || key == kActionEmbedding || key == kActionWindowInput || key == kActionScores) {
    if (expect<std::string>(key, v, AttrKind::String).empty()) bad(key, "is empty, expected a graph value name");
  }
}

bool is_action_model(const Metadata& m) {
  return find_key(m, kActionLabels) || find_key(m, kActionBackground) || find_key(m, kActionImageInput) ||
         find_key(m, kActionEmbedding) || find_key(m, kActionWindowInput) || find_key(m, kActionScores);
}

void check_metadata(const Metadata& m) {
  for (const auto& [key, value] : m) check_metadata_entry(key, value);
  auto find = [&](std::string_view key) { return find_key(m, key); };
  if (is_action_model(m)) {
    for (std::string_view key : kRequiredActionKeys)
      if (!find(key)) bad(key, "is missing: an action model (it has action_* keys) needs it");
    const size_t k = std::get<std::vector<std::string>>(*find(kActionLabels)).size();
    if (const AttrValue* b = find(kActionBackground); b && static_cast<uint64_t>(std::get<int64_t>(*b)) >= k)
      bad(kActionBackground, concat("is ", std::get<int64_t>(*b), ", out of range for the ", k, " action_labels"));
  }
  const AttrValue* state_in = find(kStateInputs);
  const AttrValue* state_out = find(kStateOutputs);
  if (!state_in != !state_out)
    bad(state_in ? kStateOutputs : kStateInputs,
        concat("is missing: '", state_in ? kStateInputs : kStateOutputs, "' needs it (state comes in pairs)"));
  if (state_in && std::get<std::vector<std::string>>(*state_in).size() !=
                      std::get<std::vector<std::string>>(*state_out).size())
    fail("metadata keys 'state_inputs' and 'state_outputs': ", std::get<std::vector<std::string>>(*state_in).size(),
         " and ", std::get<std::vector<std::string>>(*state_out).size(), " names; expected one output per input");
  const AttrValue* mean = find(kMean);
  const AttrValue* stdev = find(kStd);
  if (mean && stdev) {
    const size_t a = std::get<std::vector<float>>(*mean).size(), b = std::get<std::vector<float>>(*stdev).size();
    if (a != b && a != 1 && b != 1)
      fail("metadata keys 'mean' and 'std': ", a, " and ", b, " values; expected one per channel each (or 1 for all)");
  }
  const AttrValue* anchors = find(kYoloAnchors);
  const AttrValue* masks = find(kYoloMasks);
  const AttrValue* per_head = find(kYoloAnchorsPerHead);
  if (anchors && masks) {
    const size_t pairs = std::get<std::vector<float>>(*anchors).size() / 2;
    for (int64_t i : std::get<std::vector<int64_t>>(*masks))
      if (static_cast<uint64_t>(i) >= pairs)
        fail("metadata key 'yolo_masks': anchor index ", i, " is out of range (", pairs, " anchors)");
  }
  if (per_head) {  // the per-head lists have one entry per head
    const size_t heads = std::get<std::vector<int64_t>>(*per_head).size();
    if (const AttrValue* s = find(kYoloScaleXY); s && std::get<std::vector<float>>(*s).size() != heads)
      fail("metadata keys 'yolo_scale_x_y' and 'yolo_anchors_per_head': ", std::get<std::vector<float>>(*s).size(),
           " and ", heads, " values; expected one per head each");
    if (const AttrValue* h = find(kYoloHeads); h && std::get<std::vector<std::string>>(*h).size() != heads)
      fail("metadata keys 'yolo_heads' and 'yolo_anchors_per_head': ", std::get<std::vector<std::string>>(*h).size(),
           " and ", heads, " values; expected one per head each");
  }
  if (masks && per_head) {
    const auto n_masks = static_cast<int64_t>(std::get<std::vector<int64_t>>(*masks).size());
    int64_t sum = 0;  // each count is >= 1 (checked above); stop before it could overflow
    for (int64_t n : std::get<std::vector<int64_t>>(*per_head)) {
      if (n > n_masks - sum) {
        sum = n_masks + 1;
        break;
      }
      sum += n;
    }
    if (sum != n_masks)
      fail("metadata keys 'yolo_anchors_per_head' and 'yolo_masks': the heads' anchor counts do not add up to the ",
           n_masks, " masks given");
  }
}

ActionModelInfo action_model_info(const Graph& g) {
  if (!is_action_model(g.metadata)) fail("metadata: not an action model (no action_* keys)");
  check_metadata(g.metadata);  // all keys present, kinds right
  ActionModelInfo info;
  info.window = std::get<int64_t>(*find_key(g.metadata, kTemporalWindow));
  info.labels = std::get<std::vector<std::string>>(*find_key(g.metadata, kActionLabels));
  if (const AttrValue* b = find_key(g.metadata, kActionBackground)) info.background = std::get<int64_t>(*b);
  const auto k = static_cast<int64_t>(info.labels.size());

  info.image_input = named_value(g, kActionImageInput, true, 4);
  const Shape& image = g.values[static_cast<size_t>(info.image_input)].shape;
  if (image[0] != 1) bad(kActionImageInput, concat("input shape ", image.str(), ": expected batch 1 ([1,C,H,W])"));
  if (const AttrValue* size = find_key(g.metadata, kInputSize)) {
    const auto& wh = std::get<std::vector<int64_t>>(*size);
    if (image[3] != wh[0] || image[2] != wh[1])
      bad(kActionImageInput,
          concat("input shape ", image.str(), " does not match input_size ", wh[0], "x", wh[1], " (W x H)"));
  }

  info.embedding = named_value(g, kActionEmbedding, false, 2);
  const Shape& emb = g.values[static_cast<size_t>(info.embedding)].shape;
  if (emb[0] != 1) bad(kActionEmbedding, concat("output shape ", emb.str(), ": expected [1,E]"));
  info.embedding_size = emb[1];

  info.window_input = named_value(g, kActionWindowInput, true, 3);
  const Shape& win = g.values[static_cast<size_t>(info.window_input)].shape;
  if (win[0] != info.window || win[1] != 1 || win[2] != info.embedding_size)
    bad(kActionWindowInput, concat("input shape ", win.str(), ", expected [", info.window, ",1,", info.embedding_size,
                                   "] (temporal_window, 1, the embedding size of '",
                                   g.values[static_cast<size_t>(info.embedding)].name, "')"));

  info.scores = named_value(g, kActionScores, false, 3);
  const Shape& sc = g.values[static_cast<size_t>(info.scores)].shape;
  if (sc[0] != info.window || sc[1] != 1 || sc[2] != k)
    bad(kActionScores, concat("output shape ", sc.str(), ", expected [", info.window, ",1,", k,
                              "] (temporal_window, 1, ", k, " action_labels)"));
  return info;
}

std::vector<std::pair<int, int>> state_pairs(const Graph& g) {
  const AttrValue* ins = find_key(g.metadata, kStateInputs);
  const AttrValue* outs = find_key(g.metadata, kStateOutputs);
  if (!ins && !outs) return {};
  check_metadata(g.metadata);  // both present, one output per input
  const auto& in_names = std::get<std::vector<std::string>>(*ins);
  const auto& out_names = std::get<std::vector<std::string>>(*outs);
  auto resolve = [&](std::string_view key, const std::string& name, bool want_input) {
    const int id = g.find_value(name);
    if (id < 0) bad(key, concat("names '", name, "', which is not a value of the graph"));
    if (!contains(want_input ? g.inputs : g.outputs, id))
      bad(key, concat("names '", name, "', which is not a graph ", want_input ? "input" : "output"));
    return id;
  };
  std::vector<std::pair<int, int>> pairs;
  for (size_t i = 0; i < in_names.size(); ++i) {
    const int in = resolve(kStateInputs, in_names[i], true), out = resolve(kStateOutputs, out_names[i], false);
    const Value& a = g.values[static_cast<size_t>(in)];
    const Value& b = g.values[static_cast<size_t>(out)];
    if (a.dtype != DType::F32 || b.dtype != DType::F32 || !(a.shape == b.shape))
      fail("metadata keys 'state_inputs' and 'state_outputs': pair ", i, " has input '", a.name, "' ",
           dtype_name(a.dtype), a.shape.str(), " and output '", b.name, "' ", dtype_name(b.dtype), b.shape.str(),
           "; a state must keep its type (float32) and shape");
    pairs.emplace_back(in, out);
  }
  return pairs;
}

void check_metadata_against_graph(const Graph& g) {
  if (is_action_model(g.metadata)) action_model_info(g);
  state_pairs(g);
}

}  // namespace vigil::meta
