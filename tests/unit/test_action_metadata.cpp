// The action-model metadata keys: their kinds, their completeness as a set, and their agreement with the
// graph they name values of (checked by read_vgl after shape inference).
#include <doctest/doctest.h>

#include "engine/graph_builder.h"
#include "error_of.h"
#include "loaders/vgl/metadata_keys.h"
#include "loaders/vgl/vgl.h"
#include "test_vgl_support.h"

using namespace vigil;
using vgl_test::f32_tensor;
using vgl_test::temp_path;
using vigil::test::error_of;

namespace {

// A miniature action model: image [1,3,4,4] -> embedding [1,5]; window [3,1,5] -> scores [3,1,2].
Graph tiny_action_graph() {
  GraphBuilder b;
  const int image = b.input("image", DType::F32, {1, 3, 4, 4});
  const int window = b.input("window", DType::F32, {3, 1, 5});
  const int flat = b.node(OpType::Flatten, "flat", {image}, {{"axis", int64_t{1}}});
  const int emb = b.node(OpType::MatMul, "embedding", {flat, b.constant("w_emb", f32_tensor({48, 5}, -1, 0.04f))});
  const int logits = b.node(OpType::MatMul, "logits", {window, b.constant("w_act", f32_tensor({5, 2}, -1, 0.2f))});
  const int scores = b.node(OpType::Softmax, "scores", {logits}, {{"axis", int64_t{-1}}});
  b.output(emb);
  b.output(scores);
  b.metadata("temporal_window", int64_t{3});
  b.metadata("action_labels", std::vector<std::string>{"none", "wave"});
  b.metadata("action_background", int64_t{0});
  b.metadata("action_image_input", std::string("image"));
  b.metadata("action_embedding", std::string("embedding"));
  b.metadata("action_window_input", std::string("window"));
  b.metadata("action_scores", std::string("scores"));
  b.metadata("input_size", std::vector<int64_t>{4, 4});
  return b.build();
}

}  // namespace

TEST_CASE("a complete action model passes, round trips, and resolves its values") {
  Graph g = tiny_action_graph();
  CHECK(meta::is_action_model(g.metadata));
  meta::check_metadata_against_graph(g);
  write_vgl(g, temp_path("action.vgl"));
  const Graph r = read_vgl(temp_path("action.vgl"));
  const meta::ActionModelInfo info = meta::action_model_info(r);
  CHECK(r.values[static_cast<size_t>(info.image_input)].name == "image");
  CHECK(r.values[static_cast<size_t>(info.embedding)].name == "embedding");
  CHECK(r.values[static_cast<size_t>(info.window_input)].name == "window");
  CHECK(r.values[static_cast<size_t>(info.scores)].name == "scores");
  CHECK(info.window == 3);
  CHECK(info.embedding_size == 5);
  CHECK(info.labels == std::vector<std::string>{"none", "wave"});
  CHECK(info.background == 0);
  CHECK_FALSE(meta::is_action_model(Metadata{{"temporal_window", int64_t{3}}}));
}

TEST_CASE("action keys: kinds and values are checked per key") {
  struct Case {
    const char* key;
    AttrValue value;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"action_labels", std::vector<std::string>{}, "is empty"},
      {"action_labels", std::vector<std::string>{"a", ""}, "name 1 is empty"},
      {"action_labels", std::string("a"), "is string, expected strings"},
      {"action_background", int64_t{-1}, "must be >= 0"},
      {"action_background", int64_t{2}, "out of range for the 2 action_labels"},
      {"action_image_input", std::string(""), "is empty"},
      {"action_scores", int64_t{3}, "is int, expected string"},
  };
  for (const Case& c : cases) {
    Graph g = tiny_action_graph();
    g.metadata[c.key] = c.value;
    CAPTURE(c.key);
    const std::string msg = error_of([&] { meta::check_metadata(g.metadata); });
    CHECK(msg.find(std::string("metadata key '") + c.key + "'") != std::string::npos);
    CHECK(msg.find(c.why) != std::string::npos);
  }
}

TEST_CASE("action keys come as a set: any action key requires the others and temporal_window") {
  for (const char* key : {"action_labels", "action_image_input", "action_embedding", "action_window_input",
                          "action_scores", "temporal_window"}) {
    Graph g = tiny_action_graph();
    g.metadata.erase(key);
    CAPTURE(key);
    const std::string msg = error_of([&] { meta::check_metadata(g.metadata); });
    CHECK(msg.find(std::string("metadata key '") + key + "': is missing") != std::string::npos);
  }
  Graph g = tiny_action_graph();
  g.metadata.erase("action_background");  // optional
  meta::check_metadata(g.metadata);
}

TEST_CASE("action keys are checked against the graph, on write-then-read and directly") {
  struct Case {
    const char* key;
    AttrValue value;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"action_image_input", std::string("nope"), "'nope', which is not a value of the graph"},
      {"action_image_input", std::string("flat"), "'flat', which is not a graph input"},
      {"action_image_input", std::string("window"), "expected rank 4"},
      {"action_embedding", std::string("image"), "not a graph output"},
      {"action_embedding", std::string("scores"), "expected rank 2"},
      {"action_window_input", std::string("image"), "expected rank 3"},
      {"action_scores", std::string("embedding"), "expected rank 3"},
      {"temporal_window", int64_t{4}, "expected [4,1,5]"},
      {"action_labels", std::vector<std::string>{"a", "b", "c"}, "expected [3,1,3]"},
      {"input_size", std::vector<int64_t>{8, 4}, "does not match input_size 8x4"},
  };
  for (const Case& c : cases) {
    Graph g = tiny_action_graph();
    g.metadata[c.key] = c.value;
    CAPTURE(c.key);
    const std::string msg = error_of([&] { meta::check_metadata_against_graph(g); });
    CHECK(msg.find(c.why) != std::string::npos);
    CHECK(msg.find("metadata key '") != std::string::npos);
    // The writer checks keys alone; the reader also checks them against the inferred graph.
    write_vgl(g, temp_path("action-bad.vgl"));
    const std::string read_msg = error_of([&] { read_vgl(temp_path("action-bad.vgl")); });
    CHECK(read_msg.find("METADATA section") != std::string::npos);
    CHECK(read_msg.find(c.why) != std::string::npos);
  }
  CHECK(error_of([] { meta::action_model_info(Graph{}); }).find("not an action model") != std::string::npos);
}
