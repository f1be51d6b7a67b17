// Pass for callers that feed and read f32 only (vigil detect: images in, boxes and scores out): a model whose
// graph inputs or outputs are f16, bf16 or f64 (an ONNX FLOAT16 / DOUBLE model, converted to and from f32 at
// its boundary by Casts, docs/ONNX.md "Element types") gets f32 inputs and outputs instead.
#pragma once

#include "engine/graph.h"

namespace vigil {

// - Every f16 / bf16 / f64 graph input becomes f32; a Cast(to f32, no `via`) reading it is removed and its
//   readers read the input itself. The caller's f32 values are then used as they are, not first rounded to
//   the input's declared type.
// - Every graph output written by a Cast from f32 to f16 / bf16 / f64 is replaced by the Cast's input, which
//   takes the output's name (the Cast is removed): the f32 value before the rounding to the declared type.
// An input read by anything else than such a Cast simply becomes f32 for its readers to accept or refuse
// (validation names them). Ends with validate_and_infer(g).
void use_f32_boundaries(Graph& g);

}  // namespace vigil
