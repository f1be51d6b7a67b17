// The metadata keys vigil understands (docs/FORMAT.md, "METADATA section"), and their checks. Importers
// set them; the CLI reads them to preprocess images and name classes. Unknown keys are kept and ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// How raw YOLO heads are decoded (written by the darknet importer; read by `vigil convert --yolo-heads`).
inline constexpr std::string_view kYoloHeads = "yolo_heads";                     // strings, head output names
inline constexpr std::string_view kYoloNumClasses = "yolo_num_classes";          // int C >= 1
inline constexpr std::string_view kYoloScaleXY = "yolo_scale_x_y";               // floats, one per head, > 0
inline constexpr std::string_view kYoloScoreThreshold = "yolo_score_threshold";  // float in [0, 1]
inline constexpr std::string_view kYoloNmsThreshold = "yolo_nms_threshold";      // float in [0, 1]
inline constexpr std::string_view kYoloMaxDetections = "yolo_max_detections";    // int in 1..2^24
inline constexpr std::string_view kYoloDecode = "yolo_decode";  // string "yolo" | "region" | "new_coords"
inline constexpr std::string_view kYoloNms = "yolo_nms";                         // string "iou" | "diou"
inline constexpr std::string_view kYoloDiouBeta = "yolo_diou_beta";              // float > 0
inline constexpr std::string_view kLetterbox = "letterbox";                      // int 0 | 1
inline constexpr std::string_view kLetterboxFill = "letterbox_fill";             // float in [0, 1]

// Boxes the model decodes itself (read by `vigil convert --decoded-boxes`; the yolo_* thresholds, class
// count and max detections above apply to them too).
inline constexpr std::string_view kBoxesFormat = "boxes_format";           // string "yolov5" | "yolov8"
inline constexpr std::string_view kBoxesOutput = "boxes_output";           // string, the predictions output
inline constexpr std::string_view kBoxesMultiLabel = "boxes_multi_label";  // int 0 | 1

// An action model (docs/FORMAT.md, "Action models"): one graph with a per-frame part (image -> detector
// heads + embedding) and a per-window part (T embeddings -> per-frame action probabilities).
inline constexpr std::string_view kActionLabels = "action_labels";             // strings, K action names
inline constexpr std::string_view kActionBackground = "action_background";     // int, 0..K-1 (optional)
inline constexpr std::string_view kActionImageInput = "action_image_input";    // string, input [1,3,H,W]
inline constexpr std::string_view kActionEmbedding = "action_embedding";       // string, output [1,E]
inline constexpr std::string_view kActionWindowInput = "action_window_input";  // string, input [T,1,E]
inline constexpr std::string_view kActionScores = "action_scores";             // string, output [T,1,K]

// Recurrent state carried from one run to the next (a darknet [conv_lstm], or any model whose state is an
// input/output pair): after each frame, `vigil detect` copies state output i into state input i; both start at
// zero. Pairs have the same dtype (f32) and shape.
inline constexpr std::string_view kStateInputs = "state_inputs";    // strings, graph input names
inline constexpr std::string_view kStateOutputs = "state_outputs";  // strings, graph output names

// The documented kind of a key vigil understands, or nullopt for an unknown key (readers of untyped
// sources such as JSON use it to store 16 as a float where a float is expected).
std::optional<AttrKind> known_kind(std::string_view key);

// Checks one entry: a known key must have its documented kind and constraints; unknown keys pass.
// Throws Error "metadata key '<key>': <reason>".
void check_metadata_entry(std::string_view key, const AttrValue& value);

// Checks every entry and the constraints between keys (mean/std lengths, masks vs anchors and heads,
// the action keys as a complete set, action_background within action_labels).
void check_metadata(const Metadata& m);

// Checks the keys that name graph values against the graph, whose shapes must be inferred: the action
// inputs/outputs exist as graph inputs/outputs with the documented ranks, and T, E and K agree with
// temporal_window, each other and action_labels (and H, W with input_size). Throws Error
// "metadata key '<key>': <reason>". read_vgl runs it after shape inference.
void check_metadata_against_graph(const Graph& g);

// The action-model contract resolved against a graph (check_metadata_against_graph has passed).
struct ActionModelInfo {
  int image_input = -1, embedding = -1, window_input = -1, scores = -1;  // value ids
  int64_t window = 0;                                                    // T
  int64_t embedding_size = 0;                                            // E
  std::vector<std::string> labels;                                       // K names
  int64_t background = -1;                                               // -1: none
};

// The state pairs of a checked graph as (input, output) value ids, in metadata order; empty without state keys.
// Throws Error naming the key if a name is not a graph input/output or a pair's types or shapes differ.
std::vector<std::pair<int, int>> state_pairs(const Graph& g);

// True if the metadata declares an action model (any action_* key is present).
bool is_action_model(const Metadata& m);

// Resolves the action keys of a checked graph; throws Error naming the key if the model is not an
// action model or does not satisfy the contract.
ActionModelInfo action_model_info(const Graph& g);

}  // namespace vigil::meta
