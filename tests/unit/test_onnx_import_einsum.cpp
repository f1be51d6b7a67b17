// ONNX Einsum lowered at import (loaders/onnx/map_einsum.cpp) onto Transpose / Reshape / ReduceSum / MatMul:
// the equations exported models use, run through the engine and compared with a float64 einsum written here
// as one loop over every assignment of the letters; which nodes the lowering emits; and the equations it
// cannot lower, whose errors name the node and the reason.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/onnx/onnx_import.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using Ints = std::vector<int64_t>;
using V = std::vector<float>;

V ramp(size_t n, float phase) {
  V v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * static_cast<float>(i) + phase);
  return v;
}

int64_t numel(const Ints& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

// out[o] = sum over all letter assignments of prod_inputs x[i][...], with the letters' sizes taken from the
// terms and shapes; written as one odometer over every letter.
std::vector<double> reference_einsum(const std::vector<std::string>& terms, const std::string& out,
                                     const std::vector<Ints>& shapes, const std::vector<V>& xs, Ints& out_dims) {
  std::map<char, int64_t> size;
  for (size_t i = 0; i < terms.size(); ++i)
    for (size_t k = 0; k < terms[i].size(); ++k) size[terms[i][k]] = shapes[i][k];
  std::string letters;
  for (const auto& [c, s] : size) letters += c;
  out_dims.clear();
  for (char c : out) out_dims.push_back(size[c]);
  std::vector<double> y(static_cast<size_t>(numel(out_dims)), 0.0);
  std::map<char, int64_t> at;
  for (char c : letters) at[c] = 0;
  auto offset = [&](const std::string& term, const Ints& dims) {
    int64_t o = 0;
    for (size_t k = 0; k < term.size(); ++k) o = o * dims[k] + at[term[k]];
    return o;
  };
  for (;;) {
    double prod = 1.0;
    for (size_t i = 0; i < terms.size(); ++i) prod *= xs[i][static_cast<size_t>(offset(terms[i], shapes[i]))];
    y[static_cast<size_t>(offset(out, out_dims))] += prod;
    size_t k = 0;
    for (; k < letters.size(); ++k) {
      if (++at[letters[k]] < size[letters[k]]) break;
      at[letters[k]] = 0;
    }
    if (k == letters.size()) break;
  }
  return y;
}

// Builds the Einsum model (inputs as graph inputs), runs it on ramp values and compares with the loop above.
Graph check(const std::string& equation, const std::vector<Ints>& shapes, const std::vector<std::string>& terms,
            const std::string& out) {
  CAPTURE(equation);
  GraphSpec g;
  std::vector<std::string> names;
  std::vector<V> xs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    names.push_back("x" + std::to_string(i));
    g.inputs.push_back(value_info(names.back(), kFloat, shapes[i]));
    xs.push_back(ramp(static_cast<size_t>(numel(shapes[i])), 0.5f * static_cast<float>(i)));
  }
  Ints out_dims;
  const std::vector<double> want = reference_einsum(terms, out, shapes, xs, out_dims);
  g.outputs.push_back(value_info("y", kFloat, out_dims));
  g.nodes.push_back(node("Einsum", names, {"y"}, "my_einsum", {attr_s("equation", equation)}));
  Graph graph = import(g, 12);
  Graph copy = graph;
  Engine engine(std::move(graph));
  ExecutionContext ctx(engine);
  for (size_t i = 0; i < xs.size(); ++i) std::copy(xs[i].begin(), xs[i].end(), ctx.input(i).f32());
  ctx.run();
  TensorView y = ctx.output(0);
  CHECK(y.shape == Shape::from(out_dims));
  REQUIRE(y.numel() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) CHECK(y.f32()[i] == doctest::Approx(want[i]).epsilon(1e-5));
  return copy;
}

int count(const Graph& g, OpType op) {
  int c = 0;
  for (const Node& n : g.nodes) c += n.op == op;
  return c;
}

}  // namespace

TEST_CASE("onnx import: Einsum batched matmuls, attention scores, transposes and sums match float64") {
  Graph bmm = check("bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}, {"bij", "bjk"}, "bik");
  CHECK(count(bmm, OpType::MatMul) == 1);
  CHECK(count(bmm, OpType::Transpose) == 0);  // already [batch, free, contracted] x [batch, contracted, free]
  Graph attention = check("bhqd, bhkd -> bhqk", {{2, 3, 4, 5}, {2, 3, 6, 5}}, {"bhqd", "bhkd"}, "bhqk");
  CHECK(count(attention, OpType::MatMul) == 1);
  CHECK(count(attention, OpType::Transpose) == 1);  // B to [bh, d, k]
  check("bhqk,bhkd->bhqd", {{2, 3, 4, 6}, {2, 3, 6, 5}}, {"bhqk", "bhkd"}, "bhqd");
  check("ij,jk->ki", {{3, 4}, {4, 5}}, {"ij", "jk"}, "ki");  // a transposed output
  check("ij,kj", {{3, 4}, {5, 4}}, {"ij", "kj"}, "ik");      // implicit output: letters once, alphabetical
  check("nchw,kc->nkhw", {{2, 3, 4, 5}, {6, 3}}, {"nchw", "kc"}, "nkhw");  // a 1x1 conv as einsum
  check("ij,j->i", {{3, 4}, {4}}, {"ij", "j"}, "i");
  check("i,j->ij", {{3}, {4}}, {"i", "j"}, "ij");                        // outer product: K = 1
  check("bij,bkl->bjl", {{2, 3, 4}, {2, 5, 6}}, {"bij", "bkl"}, "bjl");  // i and k summed first
  Graph t = check("ij->ji", {{3, 4}}, {"ij"}, "ji");
  CHECK(count(t, OpType::Transpose) == 1);
  Graph s = check("ijk->ki", {{3, 4, 5}}, {"ijk"}, "ki");
  CHECK(count(s, OpType::ReduceSum) == 1);
}

TEST_CASE("onnx import: Einsum equations that cannot be lowered name the node and the reason") {
  auto error = [](const std::string& equation, std::vector<Ints> shapes) {
    GraphSpec g;
    std::vector<std::string> names;
    for (size_t i = 0; i < shapes.size(); ++i) {
      names.push_back("x" + std::to_string(i));
      g.inputs.push_back(value_info(names.back(), kFloat, shapes[i]));
    }
    g.outputs.push_back(value_info("y", kFloat, {}));
    g.nodes.push_back(node("Einsum", names, {"y"}, "my_einsum", {attr_s("equation", equation)}));
    const std::string e = import_error(g, 12);
    CHECK(contains(e, "my_einsum"));
    return e;
  };
  CHECK(contains(error("...ii->...i", {{2, 3, 3}}), "'...' (broadcast dims) is not supported"));
  CHECK(contains(error("ii->i", {{3, 3}}), "letter 'i' repeats in term 'ii' (diagonals are not supported)"));
  CHECK(contains(error("i,i", {{3}, {3}}), "scalar output"));
  CHECK(contains(error("ij,jk->ik", {{3, 4}, {5, 6}}), "letter 'j' has sizes 4 and 5"));
  CHECK(contains(error("ij->ik", {{3, 4}}), "output letter 'k' is in no operand"));
  CHECK(contains(error("ij,jk->ik", {{3, 4}}), "has 2 operand terms but the node has 1 inputs"));
  CHECK(contains(error("ijk->ik", {{3, 4}}), "term 'ijk' has 3 letters but input 0 has shape [3,4]"));
  CHECK(contains(error("i1->i", {{3}}), "'1' is not a letter"));
}
