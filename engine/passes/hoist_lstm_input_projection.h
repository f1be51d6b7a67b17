// Moving the first LSTM layer's input projection out of a windowed temporal head. A streaming action
// detector runs the window part on the last T frames' embeddings every few frames, so each frame's
// W x + Wb + Rb would be recomputed in up to T windows. After this pass the frame part computes it once
// per frame (a Gemm appended after the embedding) and the window part's LSTM reads the projections
// directly (its attribute input_projected = 1, kernels/lstm/lstm.h). Same results up to float rounding:
// the projection is summed in float by the Gemm instead of inside the LSTM.
#pragma once

#include <string>
#include <string_view>

#include "engine/graph.h"

namespace vigil {

struct HoistedProjection {
  std::string projection_output;  // the new graph output: the embedding's projection [N, D*4H]
  std::string projected_input;    // the graph input replacing the window: [T, B, D*4H]
};

// `window_input` must be a graph input [T, B, E] read by exactly one node: an LSTM (layout 0, not yet
// input_projected) as its X, with constant f32 W and constant or absent B. `embedding_output` must be a
// graph output [N, E]. The window input is replaced, in place in the input list, by
// "<window_input>/lstm_input_projection"; "<embedding_output>/lstm_input_projection" is appended to the
// outputs; the LSTM loses W and B. Throws Error saying which condition fails. Ends with
// validate_and_infer(g). Metadata that names the two values is the caller's to update.
HoistedProjection hoist_lstm_input_projection(Graph& g, std::string_view window_input,
                                              std::string_view embedding_output);

}  // namespace vigil
