// Boxes from a detection node's outputs (YoloDetect, BoxNms), in the frame's own pixels.
#pragma once

#include <string>
#include <vector>

#include "apps/vigil/preprocess.h"
#include "engine/tensor.h"

namespace vigil::cli {

struct Box {
  float x1, y1, x2, y2, score;
  int cls;
};

// rows: the detection node's [max, 6] table, count: its [1] count. The model saw the frame resized into `place`
// of its input (the whole input, or darknet's letterbox rectangle), so boxes map back through it per axis
// (apps/vigil/preprocess.h) and are clipped to the frame. Rows scoring below min_score are left out.
std::vector<Box> read_boxes(const TensorView& rows, const TensorView& count, const InputPlacement& place, int frame_w,
                            int frame_h, float min_score);

// The class's name from class_names, else "class<N>".
std::string class_label(const std::vector<std::string>& names, int cls);

}  // namespace vigil::cli
