// Einsum with one or two operands, lowered at import onto Transpose, Reshape, ReduceSum and MatMul: the
// contractions exported models use (batched matmuls such as "bij,bjk->bik" and attention's
// "bhqd,bhkd->bhqk", transposes "ij->ji", sums "ij->i"). Two operands: each operand's letters are sorted
// into batch (in both and the output), free (in one operand and the output) and contracted (in both, not
// the output) groups; A is transposed to [batch, free_a, contracted] and reshaped to [B, M, K], B to
// [batch, contracted, free_b] -> [B, K, N]; one MatMul; the result reshaped to the batch and free dims and
// transposed to the output's order. A letter in one operand only and not in the output is summed first
// (ReduceSum). Not lowered, with an error naming the node and the reason: '...', a letter repeated within
// one operand (diagonals), three or more operands, a letter whose sizes differ between the operands
// (broadcasting), an output letter in no operand, a scalar output.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

using Ints = std::vector<int64_t>;

namespace {

struct Operand {
  std::string letters;
  Ints dims;
  int value;
};

// The letters of `term`, checked: letters only, none repeated.
std::string parse_term(const NodeInfo& n, const std::string& term, const std::string& equation) {
  if (term.find('.') != std::string::npos)
    n.fail(concat("equation '", equation, "': '...' (broadcast dims) is not supported"));
  for (char c : term) {
    if (!std::isalpha(static_cast<unsigned char>(c)))
      n.fail(concat("equation '", equation, "': '", std::string(1, c), "' is not a letter"));
    if (std::count(term.begin(), term.end(), c) > 1)
      n.fail(concat("equation '", equation, "': letter '", std::string(1, c), "' repeats in term '", term,
                    "' (diagonals are not supported)"));
  }
  return term;
}

// Emits a Transpose unless `perm` is the identity; updates the operand.
void transpose(Importer& im, const NodeInfo& n, Operand& op, const Ints& perm, const std::string& what) {
  bool identity = true;
  for (size_t k = 0; k < perm.size(); ++k) identity = identity && perm[k] == static_cast<int64_t>(k);
  if (identity) return;
  Attributes a;
  a.set("perm", perm);
  op.value = im.emit1(n, OpType::Transpose, n.name() + "/" + what, {op.value}, im.fresh_name(n.output(0), what), a);
  std::string letters;
  Ints dims;
  for (int64_t p : perm) letters += op.letters[static_cast<size_t>(p)], dims.push_back(op.dims[static_cast<size_t>(p)]);
  op.letters = letters, op.dims = dims;
}

int reshape(Importer& im, const NodeInfo& n, int value, const Ints& shape, const std::string& what,
            const std::string& out = "") {
  Attributes a;
  a.set("shape", shape);
  return im.emit1(n, OpType::Reshape, n.name() + "/" + what, {value},
                  out.empty() ? im.fresh_name(n.output(0), what) : out, a);
}

// Sums the operand over its letters that `keep` does not contain.
void sum_unused(Importer& im, const NodeInfo& n, Operand& op, const std::string& keep, const std::string& what) {
  Ints axes;
  std::string letters;
  Ints dims;
  for (size_t k = 0; k < op.letters.size(); ++k) {
    if (keep.find(op.letters[k]) == std::string::npos)
      axes.push_back(static_cast<int64_t>(k));
    else
      letters += op.letters[k], dims.push_back(op.dims[k]);
  }
  if (axes.empty()) return;
  if (letters.empty()) n.fail(concat("operand '", op.letters, "' would be summed to a scalar, which is not supported"));
  Attributes a;
  a.set("axes", axes);
  a.set("keepdims", int64_t{0});
  op.value = im.emit1(n, OpType::ReduceSum, n.name() + "/" + what, {op.value}, im.fresh_name(n.output(0), what), a);
  op.letters = letters, op.dims = dims;
}

Ints perm_to(const Operand& op, const std::string& order) {
  Ints perm;
  for (char c : order) perm.push_back(static_cast<int64_t>(op.letters.find(c)));
  return perm;
}

int64_t product(const Ints& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= d;
  return p;
}

}  // namespace

void map_einsum(Importer& im, const NodeInfo& n) {
  n.check_attributes({"equation"});
  n.expect_inputs(1, 2);
  std::string equation;
  for (char c : n.get_string("equation", "")) {
    if (!std::isspace(static_cast<unsigned char>(c))) equation += c;
  }
  if (equation.empty()) n.fail("attribute 'equation' is required");
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(terms.size()) != n.num_inputs())
    n.fail(concat("equation '", equation, "' has ", terms.size(), " operand terms but the node has ", n.num_inputs(),
                  " inputs"));
  std::vector<Operand> ops;
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape s = im.shape_of(n, static_cast<int>(i));
    Operand op{parse_term(n, terms[i], equation), Ints(s.dims.begin(), s.dims.begin() + s.rank),
               im.value(n, static_cast<int>(i))};
    if (static_cast<int>(op.letters.size()) != s.rank)
      n.fail(concat("equation '", equation, "': term '", op.letters, "' has ", op.letters.size(), " letters but input ",
                    i, " has shape ", s.str()));
    ops.push_back(op);
  }
  // The output: explicit, or (implicit form) the letters that appear once, in alphabetical order.
  std::string out;
  if (arrow != std::string::npos) {
    out = parse_term(n, equation.substr(arrow + 2), equation);
  } else {
    std::string all = lhs;
    std::sort(all.begin(), all.end());
    for (char c : all)
      if (c != ',' && std::count(lhs.begin(), lhs.end(), c) == 1) out += c;
  }
  if (out.empty()) n.fail(concat("equation '", equation, "' has a scalar output, which is not supported"));
  std::array<int64_t, 128> size{};
  for (const Operand& op : ops)
    for (size_t k = 0; k < op.letters.size(); ++k) {
      int64_t& s = size[static_cast<unsigned char>(op.letters[k])];
      if (s != 0 && s != op.dims[k])
        n.fail(concat("equation '", equation, "': letter '", std::string(1, op.letters[k]), "' has sizes ", s, " and ",
                      op.dims[k], " (broadcasting is not supported)"));
      s = op.dims[k];
    }
  for (char c : out)
    if (size[static_cast<unsigned char>(c)] == 0)
      n.fail(concat("equation '", equation, "': output letter '", std::string(1, c), "' is in no operand"));

  if (ops.size() == 1) {
    Operand& a = ops[0];
    sum_unused(im, n, a, out, "sum");
    Attributes t;
    t.set("perm", perm_to(a, out));
    im.emit1(n, OpType::Transpose, n.name(), {a.value}, n.output(0), t);
    return;
  }
  Operand& a = ops[0];
  Operand& b = ops[1];
  sum_unused(im, n, a, out + b.letters, "sum_a");
  sum_unused(im, n, b, out + a.letters, "sum_b");
  std::string batch, free_a, free_b, contracted;
  for (char c : a.letters) {
    const bool in_b = b.letters.find(c) != std::string::npos, in_out = out.find(c) != std::string::npos;
    (in_b ? (in_out ? batch : contracted) : free_a) += c;
  }
  for (char c : b.letters)
    if (a.letters.find(c) == std::string::npos) free_b += c;
  auto dims_of = [&](const std::string& letters) {
    Ints d;
    for (char c : letters) d.push_back(size[static_cast<unsigned char>(c)]);
    return d;
  };
  transpose(im, n, a, perm_to(a, batch + free_a + contracted), "a_transposed");
  transpose(im, n, b, perm_to(b, batch + contracted + free_b), "b_transposed");
  const int64_t B = product(dims_of(batch)), M = product(dims_of(free_a)), K = product(dims_of(contracted)),
                N = product(dims_of(free_b));
  const int a3 = reshape(im, n, a.value, {B, M, K}, "a_3d");
  const int b3 = reshape(im, n, b.value, {B, K, N}, "b_3d");
  const int y3 = im.emit1(n, OpType::MatMul, n.name() + "/matmul", {a3, b3}, im.fresh_name(n.output(0), "matmul"));
  Operand y{batch + free_a + free_b, dims_of(batch + free_a + free_b), 0};
  const Ints y_perm = perm_to(y, out);
  bool identity = true;
  for (size_t k = 0; k < y_perm.size(); ++k) identity = identity && y_perm[k] == static_cast<int64_t>(k);
  if (identity) {
    reshape(im, n, y3, y.dims, "restore", n.output(0));
    return;
  }
  y.value = reshape(im, n, y3, y.dims, "restore");
  Attributes t;
  t.set("perm", y_perm);
  im.emit1(n, OpType::Transpose, n.name(), {y.value}, n.output(0), t);
}

}  // namespace vigil::onnx
