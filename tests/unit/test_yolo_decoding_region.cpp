// The "region" decoding in the shared YOLO decoding helpers (loaders/yolo/yolo_decoding.h): the metadata key
// yolo_decode is written only for region models (so [yolo] models keep exactly their keys), read back by
// `vigil convert --yolo-heads`, checked by the .vgl metadata rules, and turned into YoloDetect's decode.
#include <doctest/doctest.h>

#include <string>

#include "engine/error.h"
#include "engine/graph.h"
#include "error_of.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/yolo/yolo_decoding.h"

using namespace vigil;
using vigil::test::error_of;

namespace {

YoloDecoding region_decoding() {
  YoloDecoding d;
  d.decode = "region";
  d.num_classes = 3;
  d.anchors = {1.5f, 2.5f, 3.0f, 1.0f};
  d.masks = {0, 1};
  d.anchors_per_head = {2};
  d.input_width = 160;
  d.input_height = 128;
  d.scale_x_y = {1.0f};
  return d;
}

}  // namespace

TEST_CASE("YOLO decoding metadata: yolo_decode is written for region models only and read back") {
  Metadata m;
  record_yolo_metadata(m, {"conv_7"}, region_decoding());
  REQUIRE(m.count("yolo_decode") == 1);
  CHECK(std::get<std::string>(m.at("yolo_decode")) == "region");
  m["input_size"] = std::vector<int64_t>{160, 128};
  CHECK_NOTHROW(meta::check_metadata(m));
  const YoloDecoding back = yolo_decoding_from_metadata(m, 1);
  CHECK(back.decode == "region");
  CHECK(back.anchors == region_decoding().anchors);

  YoloDecoding yolo = region_decoding();
  yolo.decode = "yolo";
  Metadata plain;
  record_yolo_metadata(plain, {"conv_7"}, yolo);
  CHECK(plain.count("yolo_decode") == 0);
  plain["input_size"] = std::vector<int64_t>{160, 128};
  CHECK(yolo_decoding_from_metadata(plain, 1).decode == "yolo");

  CHECK(error_of([] { meta::check_metadata_entry("yolo_decode", std::string("regoin")); }) ==
        "metadata key 'yolo_decode': is 'regoin', expected \"yolo\", \"region\", \"new_coords\" or \"gaussian\"");
}

TEST_CASE("YOLO decoding: append_yolo_detect gives YoloDetect decode \"region\" only for region models") {
  for (const std::string decode : {"region", "yolo"}) {
    CAPTURE(decode);
    Graph g;
    Value head;
    head.name = "conv_7";
    g.values.push_back(head);
    YoloDecoding d = region_decoding();
    d.decode = decode;
    append_yolo_detect(g, {0}, d);
    REQUIRE(g.nodes.size() == 1);
    CHECK(g.nodes[0].op == OpType::YoloDetect);
    CHECK(g.nodes[0].attrs.has("decode") == (decode == "region"));
    CHECK(g.nodes[0].attrs.get_string("decode", "yolo", "") == decode);
  }
}
