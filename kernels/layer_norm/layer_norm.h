// Layer normalisation (ONNX LayerNormalization, opset 17): every row of `row_len` consecutive values (the
// dims from the normalised axis on) is shifted to mean 0 and scaled to variance 1, then scaled and shifted
// per position in the row:
//   y[r, j] = (x[r, j] - mean_r) / sqrt(var_r + epsilon) * scale[j] + bias[j]
// with the biased variance var_r = mean_j (x[r, j] - mean_r)^2 (what PyTorch's nn.LayerNorm and ONNX use).
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct LayerNormParams {
  int64_t rows = 1, row_len = 1;
  float epsilon = 1e-5f;
  bool scale_shared = false;  // scale holds one value for every position (else row_len values)
  bool bias_shared = false;   // likewise for bias
};

// Mean, variance and the normalised value in double, each output rounded once. bias may be null (0).
// mean and inv_std (may be null) receive each row's mean and 1 / sqrt(var + epsilon). A row holding a NaN
// or an infinity gives NaN throughout. y may alias x.
void layer_norm_reference(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          float* mean = nullptr, float* inv_std = nullptr);

}  // namespace vigil::kernels
