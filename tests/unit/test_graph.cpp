// Graph validation: every structural defect is a clean vigil::Error naming what is wrong.
#include <doctest/doctest.h>

#include <string>

#include "engine/error.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {
std::string error_of(Graph g) {
  try {
    validate_and_infer(g);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Graph two_relus() {
  GraphBuilder b;
  int x = b.input("x", DType::F32, {1, 4});
  int a = b.node(OpType::Relu, "a", {x});
  int c = b.node(OpType::Relu, "c", {a});
  b.output(c);
  return std::move(b.graph());
}
}  // namespace

TEST_CASE("graph: a valid graph passes and gets shapes") {
  Graph g = two_relus();
  validate_and_infer(g);
  CHECK(g.values[static_cast<size_t>(g.find_value("c"))].shape == Shape{1, 4});
}

TEST_CASE("graph: nodes out of order are sorted topologically") {
  Graph g = two_relus();
  std::swap(g.nodes[0], g.nodes[1]);
  validate_and_infer(g);
  CHECK(g.nodes[0].name == "a");
  CHECK(g.nodes[1].name == "c");
}

TEST_CASE("graph: a cycle is rejected naming a node on it") {
  Graph g = two_relus();
  g.nodes[0].inputs[0] = g.find_value("c");  // a reads c, c reads a
  CHECK(error_of(std::move(g)).find("cycle") != std::string::npos);
}

TEST_CASE("graph: a value written by two nodes is rejected") {
  Graph g = two_relus();
  g.nodes[1].outputs[0] = g.find_value("a");
  CHECK(error_of(std::move(g)).find("written by two nodes") != std::string::npos);
}

TEST_CASE("graph: out-of-range references are rejected") {
  Graph g1 = two_relus();
  g1.nodes[0].inputs[0] = 99;
  CHECK(error_of(std::move(g1)).find("out of range") != std::string::npos);
  Graph g2 = two_relus();
  g2.outputs.push_back(-5);
  CHECK(error_of(std::move(g2)).find("graph output") != std::string::npos);
}

TEST_CASE("graph: wrong input count names the node and the expected range") {
  Graph g = two_relus();
  g.nodes[0].inputs.push_back(g.find_value("x"));
  std::string e = error_of(std::move(g));
  CHECK(e.find("Relu 'a'") != std::string::npos);
  CHECK(e.find("expected 1..1") != std::string::npos);
}

TEST_CASE("graph: an input nobody provides is rejected") {
  Graph g = two_relus();
  g.inputs.clear();
  CHECK(error_of(std::move(g)).find("neither a graph input") != std::string::npos);
}

TEST_CASE("graph: zero-length, negative and absurd input dims are rejected") {
  for (Shape bad : {Shape{1, 0}, Shape{1, -3}, Shape{1 << 20, 1 << 20, 1 << 10}}) {
    Graph g = two_relus();
    g.values[static_cast<size_t>(g.find_value("x"))].shape = bad;
    CHECK(error_of(std::move(g)).find("graph input 'x'") != std::string::npos);
  }
}

TEST_CASE("graph: duplicate value names are rejected") {
  Graph g = two_relus();
  g.values[static_cast<size_t>(g.find_value("c"))].name = g.values[static_cast<size_t>(g.find_value("a"))].name;
  CHECK(error_of(std::move(g)).find("two values are named 'a'") != std::string::npos);
}

TEST_CASE("graph: a wrongly typed attribute names the node and the attribute") {
  GraphBuilder b;
  int x = b.input("x", DType::F32, {3});
  b.output(b.node(OpType::LeakyRelu, "lr", {x}, {{"alpha", std::string("big")}}));
  try {
    b.build();
    FAIL("expected an error");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("LeakyRelu 'lr'") != std::string::npos);
    CHECK(m.find("'alpha'") != std::string::npos);
  }
}
