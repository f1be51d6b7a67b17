// ONNX external data: initializers whose bytes live in files beside the .onnx file (data_location =
// EXTERNAL), as torch.onnx and onnx.save_model(save_as_external_data=True) write them for large models.
#pragma once

#include <filesystem>

#include "loaders/onnx/onnx_proto.h"

namespace vigil::onnx {

// Reads the bytes of every external tensor of the model (initializers and tensor attributes) from files
// under `model_folder` into the tensors' `decoded` bytes. A location must be a relative path that stays
// inside the folder; the file must hold the tensor's bytes at `offset` (and `length`, when given, must be
// exactly their size). Throws Error naming the tensor, the file and the reason.
void resolve_external_data(ModelProto& model, const std::filesystem::path& model_folder);

}  // namespace vigil::onnx
