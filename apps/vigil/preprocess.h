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
};

// From metadata (channel_order, mean, std) and the input's shape [1,3,H,W]; throws if the input is not
// an image-shaped f32 tensor.
Preprocessing preprocessing_for(const Graph& g, int input_value);

// Bilinear resize (pixel centres aligned, like OpenCV's INTER_LINEAR without its fixed-point rounding)
// straight into the NCHW float input. No letterbox: darknet's default.
void preprocess(const Image& image, const Preprocessing& p, float* nchw);

}  // namespace vigil::cli
