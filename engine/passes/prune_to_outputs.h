// Cutting a graph down to the part that some of its outputs need (dead-code elimination), so that one
// loaded model can be run in independent pieces: an action model's per-frame part (image -> detections and
// embedding) and its per-window part (embeddings -> action scores) become two engines over one file.
#pragma once

#include <span>
#include <string>

#include "engine/graph.h"

namespace vigil {

// Keeps only the nodes that the graph outputs named in `outputs` depend on, makes those the graph's
// outputs (in the order given), and drops the graph inputs, constants and values nothing kept refers to.
// Each name must be a graph output, given once; an empty list leaves the graph unchanged. Throws Error
// naming the value otherwise. A kept node keeps all of its outputs, even ones nothing reads. Metadata is
// kept as it is (it may name values of the part that was cut away). Ends with validate_and_infer(g).
void prune_to_outputs(Graph& g, std::span<const std::string> outputs);

}  // namespace vigil
