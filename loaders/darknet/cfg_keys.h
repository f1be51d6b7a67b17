// Which keys a darknet cfg section may carry. Darknet cfgs are training files too: besides the keys that
// define the network they hold the learning schedule, augmentation and loss settings. Those are listed
// here and accepted only because they cannot change what inference computes. Every key that is neither
// read by the importer nor on these lists is an error, so a typo or an unsupported feature is never
// silently ignored.
#pragma once

#include <string_view>

namespace vigil::darknet {

// Keys every layer section may carry (darknet reads them for all layers): all training-only.
bool is_training_only_layer_key(std::string_view key);

// Training-only keys of one section type (canonical name: "net", "convolutional", "yolo", ...).
bool is_training_only_key(std::string_view section, std::string_view key);

}  // namespace vigil::darknet
