// Turning a decoded RGB image into a model's input tensor, as the model's metadata prescribes.
#pragma once

#include "engine/graph.h"
#include "engine/tensor.h"
#include "loaders/image/image.h"

namespace vigil::cli {

struct Preprocessing {
  int width = 0, height = 0;  // the model input's spatial size
  bool bgr = false;           // channel_order "BGR"
  float mean[3] = {0, 0, 0};  // value = (pixel / 255 - mean[c]) / std[c]
  float std[3] = {1, 1, 1};
  bool letterbox = false;      // metadata letterbox = 1 (darknet's letter_box=1)
  float letterbox_fill = 0.5f;  // metadata letterbox_fill: the border's gray, pixel / 255 (darknet: 0.5)
};

// From metadata (channel_order, mean, std, letterbox, letterbox_fill) and the input's shape [1,3,H,W]; throws if the input
// is not an image-shaped f32 tensor.
Preprocessing preprocessing_for(const Graph& g, int input_value);

// The rectangle of the model input a frame is resized into: the whole input for a plain resize, or with
// letterboxing darknet's letterbox_image placement: the frame scaled by the smaller of input_w / frame_w and
// input_h / frame_h (the scaled size rounded down, in darknet's integer arithmetic), centred (offsets rounded
// down), the rest of the input gray.
struct InputPlacement {
  int x = 0, y = 0, width = 0, height = 0;
};
InputPlacement letterbox_placement(int frame_w, int frame_h, int input_w, int input_h);
InputPlacement input_placement(const Preprocessing& p, int frame_w, int frame_h);

// Bilinear resize (pixel centres aligned, like OpenCV's INTER_LINEAR without its fixed-point rounding) of the
// frame into input_placement(p, ...) of the NCHW float input; with p.letterbox the pixels outside it get
// the gray p.letterbox_fill (normalised: (fill - mean[c]) / std[c]; darknet's 0.5, Ultralytics' 114/255).
// No letterbox: darknet's default.
void preprocess(const Image& image, const Preprocessing& p, float* nchw);

// A point of the model input (e.g. a box corner in input pixels) in frame pixels: the inverse of the
// placement's scaling and offset, per axis.
float input_to_frame_x(const InputPlacement& place, float x, int frame_w);
float input_to_frame_y(const InputPlacement& place, float y, int frame_h);

}  // namespace vigil::cli
