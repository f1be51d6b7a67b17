#include "engine/passes/fold_pad_into_conv.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "engine/passes/drop_unreferenced.h"
#include "engine/passes/value_uses.h"

namespace vigil {

namespace {

// The spatial pads [top, left, bottom, right] a Pad node adds, if it is a foldable zero Pad (see the header).
std::optional<std::vector<int64_t>> zero_spatial_pads(const Graph& g, const Node& pad) {
  if (pad.op != OpType::Pad || pad.inputs.size() != 1 || pad.outputs.size() != 1) return std::nullopt;
  const Value& x = g.values[static_cast<size_t>(pad.inputs[0])];
  if (x.dtype != DType::F32 || x.shape.rank != 4) return std::nullopt;
  if (pad.attrs.get_string("mode", "constant", pad.label()) != "constant") return std::nullopt;
  // -0.0 would be a different padded value (it can survive as the sign of an all-zero sum).
  const float value = pad.attrs.get_float("value", 0.0f, pad.label());
  if (value != 0.0f || std::signbit(value)) return std::nullopt;
  const std::vector<int64_t> p = pad.attrs.get_ints("pads", {}, pad.label());
  if (p.size() != 8) return std::nullopt;
  for (int64_t v : p)
    if (v < 0) return std::nullopt;
  if (p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0) return std::nullopt;  // batch or channel padding
  return std::vector<int64_t>{p[2], p[3], p[6], p[7]};
}

// Whether `consumer`, reading the padded value as its input 0, may take the spatial pads `add` instead.
bool takes_pads(const Node& consumer, const std::vector<int64_t>& add) {
  if (consumer.attrs.get_string("auto_pad", "NOTSET", consumer.label()) != "NOTSET") return false;
  if (consumer.op == OpType::Conv2d) return true;
  if (consumer.op != OpType::AveragePool) return false;
  if (consumer.attrs.get_int("count_include_pad", 0, consumer.label()) != 1) return false;
  const bool adds_end_pads = add[2] != 0 || add[3] != 0;
  return consumer.attrs.get_int("ceil_mode", 0, consumer.label()) == 0 || !adds_end_pads;
}

}  // namespace

void fold_pad_into_conv(Graph& g) {
  auto [producer, readers, is_output] = value_uses(g);

  std::vector<bool> drop(g.nodes.size(), false);
  for (Node& consumer : g.nodes) {
    if (consumer.op != OpType::Conv2d && consumer.op != OpType::AveragePool) continue;
    // A chain Pad -> Pad -> consumer folds from the consumer outwards. The Pad's input keeps its single
    // reader count: the consumer reads it in the Pad's place.
    while (!consumer.inputs.empty() && consumer.inputs[0] != kNoValue) {
      const size_t v = static_cast<size_t>(consumer.inputs[0]);
      if (producer[v] < 0 || readers[v] != 1 || is_output[v]) break;
      const Node& pad = g.nodes[static_cast<size_t>(producer[v])];
      const std::optional<std::vector<int64_t>> add = zero_spatial_pads(g, pad);
      if (!add || !takes_pads(consumer, *add)) break;
      std::vector<int64_t> pads = consumer.attrs.get_ints("pads", {0, 0, 0, 0}, consumer.label());
      if (pads.size() != 4) break;  // malformed: let validation report it on the untouched node
      for (size_t k = 0; k < 4; ++k) pads[k] += (*add)[k];
      consumer.attrs.set("pads", std::move(pads));
      std::vector<std::string> fused = consumer.attrs.get_strings("fused_values", consumer.label());
      fused.push_back(g.values[v].name);
      consumer.attrs.set("fused_values", std::move(fused));
      consumer.inputs[0] = pad.inputs[0];
      drop[static_cast<size_t>(producer[v])] = true;
    }
  }
  drop_nodes(g, drop);
  validate_and_infer(g);
}

}  // namespace vigil
