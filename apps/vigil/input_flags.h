// The --input flags every model-running command takes: NAME=FILE.npy, or FILE.npy for a model with a
// single input.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "apps/vigil/args.h"
#include "engine/executor.h"

namespace vigil::cli {

// --input-shape NAME=1x3x256x256 (repeatable): fixes a dynamic ONNX input's shape.
inline const FlagSpec kInputShapeFlag{"--input-shape", "NAME=1x3x256x256",
                                      "fix a dynamic ONNX input's shape (else its --input file's)", true};

// One --input flag read from its file; `name` is empty for the FILE.npy form (the model's only input).
struct InputFile {
  std::string name;
  Tensor tensor;
};

// Reads every --input file, in order. The model is not needed yet: an ONNX model with dynamic input dims takes
// them from these tensors (load_model).
std::vector<InputFile> read_input_files(const ParsedArgs& args);

// name -> tensor. An input given twice and the FILE.npy form on a multi-input model are errors; unknown names
// are reported when fed. The tensors are not yet checked against the inputs' dtypes and shapes.
std::map<std::string, Tensor> bind_input_files(std::vector<InputFile> files, const Graph& g);

// Every --input-shape flag as (name, shape).
std::vector<std::pair<std::string, Shape>> read_input_shape_flags(const ParsedArgs& args);

// `t` as a tensor of an input of dtype `dtype`: f32 values become bf16 (rounded to nearest even: NumPy has
// no bfloat16) or f64 (read_npy reads <f8 files as f32); any other tensor is returned as it is.
Tensor in_input_dtype(const Tensor& t, DType dtype);

// Copies the tensors into the context's inputs, checking each one's dtype and shape (after
// in_input_dtype). With `require_all`, an input that was not given is an error.
void feed_inputs(const std::map<std::string, Tensor>& inputs, const Engine& engine, ExecutionContext& ctx,
                 bool require_all);

}  // namespace vigil::cli
