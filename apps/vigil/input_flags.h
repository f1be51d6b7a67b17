// The --input flags every model-running command takes: NAME=FILE.npy, or FILE.npy for a model with a
// single input.
#pragma once

#include <map>
#include <string>

#include "apps/vigil/args.h"
#include "engine/executor.h"

namespace vigil::cli {

// Reads every --input into name -> tensor. Unknown names, an input given twice, and a missing NAME= on a
// multi-input model are errors. The tensors are not yet checked against the inputs' dtypes and shapes.
std::map<std::string, Tensor> read_input_flags(const ParsedArgs& args, const Graph& g);

// `t` as a tensor of an input of dtype `dtype`: f32 values become bf16 (rounded to nearest even: NumPy has
// no bfloat16) or f64 (read_npy reads <f8 files as f32); any other tensor is returned as it is.
Tensor in_input_dtype(const Tensor& t, DType dtype);

// Copies the tensors into the context's inputs, checking each one's dtype and shape (after
// in_input_dtype). With `require_all`, an input that was not given is an error.
void feed_inputs(const std::map<std::string, Tensor>& inputs, const Engine& engine, ExecutionContext& ctx,
                 bool require_all);

}  // namespace vigil::cli
