#include "loaders/darknet/cfg_keys.h"

#include <algorithm>
#include <initializer_list>

namespace vigil::darknet {

namespace {

bool contains(std::initializer_list<std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

}  // namespace

bool is_training_only_layer_key(std::string_view key) {
  // Read by darknet's layer loop for every layer: gradient clipping, freezing and per-layer learning rate.
  return contains(
      {"clip", "onlyforward", "dont_update", "burnin_update", "stopbackward", "train_only_bn", "learning_rate"}, key);
}

bool is_training_only_key(std::string_view section, std::string_view key) {
  if (section == "net") {
    return contains(
        {// batching and the optimiser
         "batch", "subdivisions", "momentum", "decay", "learning_rate", "learning_rate_min", "burn_in", "max_batches",
         "policy", "steps", "scales", "seq_scales", "step", "scale", "gamma", "power", "sgdr_cycle", "sgdr_mult",
         "adam", "B1", "B2", "eps", "loss_scale", "try_fix_nan", "dynamic_minibatch", "time_steps",
         "sequential_subdivisions", "ema_alpha", "weights_reject_freq", "equidistant_point",
         "badlabels_rejection_percentage", "num_sigmas_reject_badlabels", "label_smooth_eps", "adversarial_lr",
         "max_chart_loss", "attention", "track", "augment_speed",
         // data augmentation
         "angle", "saturation", "exposure", "hue", "aspect", "flip", "blur", "gaussian_noise", "mosaic", "mosaic_bound",
         "cutmix", "mixup", "max_crop", "min_crop", "resize_step", "contrastive", "contrastive_jit_flip",
         "contrastive_color", "unsupervised",
         // GPU memory and diagnostics
         "use_cuda_graph", "optimized_memory", "workspace_size_limit_MB", "show_receptive_field"},
        key);
  }
  if (section == "convolutional") {
    // dot: a training penalty; angle/grad_centr: training of deformable variants; assisted_excitation:
    // a training-time attention trick; stream/wait_stream: CUDA streams.
    return contains({"dot", "angle", "grad_centr", "assisted_excitation", "stream", "wait_stream"}, key);
  }
  if (section == "route") return contains({"stream", "wait_stream"}, key);
  if (section == "dropout") {
    return contains({"probability", "dropblock", "dropblock_size_rel", "dropblock_size_abs"}, key);
  }
  if (section == "Gaussian_yolo") {
    // Gaussian YOLOv3's loss and label assignment (uc_normalizer weighs its uncertainty loss).
    return contains(
        {"jitter", "ignore_thresh", "truth_thresh", "random", "resize", "iou_thresh", "iou_thresh_kind",
         "cls_normalizer", "iou_normalizer", "obj_normalizer", "delta_normalizer", "uc_normalizer", "iou_loss",
         "max_delta", "counters_per_class", "label_smooth_eps", "objectness_smooth", "max", "map"},
        key);
  }
  if (section == "yolo") {
    // Loss, label assignment, training-time resizing and tracking: none of them touches the forward pass.
    return contains({"jitter",
                     "ignore_thresh",
                     "truth_thresh",
                     "random",
                     "resize",
                     "iou_thresh",
                     "iou_thresh_kind",
                     "cls_normalizer",
                     "iou_normalizer",
                     "obj_normalizer",
                     "delta_normalizer",
                     "iou_loss",
                     "max_delta",
                     "counters_per_class",
                     "label_smooth_eps",
                     "objectness_smooth",
                     "focal_loss",
                     "max",
                     "show_details",
                     "track_history_size",
                     "sim_thresh",
                     "dets_for_track",
                     "dets_for_show",
                     "track_ciou_norm",
                     "embedding_layer",
                     "map"},
                    key);
  }
  if (section == "region") {
    // YOLOv2's loss and label assignment: thresh is the IoU above which a prediction is not penalised for
    // objectness during training (OpenCV reuses it as its score cut; vigil's threshold is the importer's).
    return contains({"jitter", "rescore", "object_scale", "noobject_scale", "class_scale", "coord_scale", "mask_scale",
                     "absolute", "random", "thresh", "bias_match", "max", "focal_loss"},
                    key);
  }
  if (section == "softmax") return contains({"noloss"}, key);
  if (section == "cost") return contains({"type", "scale", "ratio", "noobject_scale", "thresh"}, key);
  return false;
}

}  // namespace vigil::darknet
