// The metadata keys vigil understands (docs/FORMAT.md, "METADATA section"), and their checks. Importers
// set them; the CLI reads them to preprocess images and name classes. Unknown keys are kept and ignored.
#pragma once

#include <string_view>

#include "engine/graph.h"

namespace vigil::meta {

inline constexpr std::string_view kInputSize = "input_size";                      // ints [W, H]
inline constexpr std::string_view kChannelOrder = "channel_order";                // string "RGB" | "BGR"
inline constexpr std::string_view kMean = "mean";                                 // floats, per channel or 1 for all
inline constexpr std::string_view kStd = "std";                                   // floats, per channel or 1 for all
inline constexpr std::string_view kClassNames = "class_names";                    // strings
inline constexpr std::string_view kYoloAnchors = "yolo_anchors";                  // floats w0,h0,w1,h1,...
inline constexpr std::string_view kYoloMasks = "yolo_masks";                      // ints, per head, concatenated
inline constexpr std::string_view kYoloAnchorsPerHead = "yolo_anchors_per_head";  // ints
inline constexpr std::string_view kTemporalWindow = "temporal_window";            // int T
inline constexpr std::string_view kSourceFormat = "source_format";  // string "onnx" | "darknet" | "builder"
inline constexpr std::string_view kProducer = "producer";           // string

// Checks one entry: a known key must have its documented kind and constraints; unknown keys pass.
// Throws Error "metadata key '<key>': <reason>".
void check_metadata_entry(std::string_view key, const AttrValue& value);

// Checks every entry and the constraints between keys (mean/std lengths, masks vs anchors and heads).
void check_metadata(const Metadata& m);

}  // namespace vigil::meta
