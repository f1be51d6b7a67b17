// ArgMax / ArgMin and TopK (kernels/arg_reduce, kernels/topk): the NaN and tie orders onnxruntime gives (observed
// with onnxruntime's CPU provider on the same lines, quoted in each case); random tensors with many ties on every
// path and thread count against independent computations (a scan from the end for select_last_index; a stable
// sort of (value, index) pairs for TopK); shapes and the load errors naming the node.
#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <random>

#include "engine/error.h"
#include "engine/graph_builder.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"

using namespace h2test;
using vigil::test::contains;

namespace {

std::vector<int64_t> ints_of(const Tensor& t) {
  const auto* p = static_cast<const int64_t*>(t.data());
  return {p, p + t.numel()};
}

Attributes arg_attrs(int64_t axis, int64_t keepdims, int64_t last) {
  return attrs({{"axis", axis}, {"keepdims", keepdims}, {"select_last_index", last}});
}

// Values from {-1, 0, 0.5, 1, NaN}: ties everywhere, some NaN.
Tensor tied_tensor(const Shape& s, std::mt19937& rng, bool with_nan) {
  Tensor t(DType::F32, s);
  const float pool[] = {-1.0f, 0.0f, 0.5f, 1.0f, -0.0f, NAN};
  for (int64_t i = 0; i < s.numel(); ++i) t.mutable_f32()[i] = pool[rng() % (with_nan ? 6 : 5)];
  return t;
}

std::string build_error(OpType op, const Shape& s, const Attributes& a, int outputs = 1, DType dtype = DType::F32) {
  GraphBuilder b;
  const int x = b.input("x", dtype, s);
  for (int v : b.node_n(op, "sel", {x}, outputs, a)) b.output(v);
  try {
    Engine e(b.build());
  } catch (const vigil::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("argmax/argmin: NaN and ties as onnxruntime") {
  auto line = [](std::vector<float> v, OpType op, int64_t last) {
    const Tensor x = Tensor::from_f32(Shape{1, static_cast<int64_t>(v.size())}, v);
    return ints_of(run_node(op, {x}, arg_attrs(1, 1, last)).outputs[0])[0];
  };
  // onnxruntime: [nan,1,2] -> argmax 0, argmin 0; [1,nan,2] -> 2, 0; [3,nan,2] -> 0, 2; [1,2,nan] -> 1, 0;
  // the same with select_last_index; [1,3,3,1,2] -> argmax 1, last 2.
  CHECK(line({NAN, 1, 2}, OpType::ArgMax, 0) == 0);
  CHECK(line({NAN, 1, 2}, OpType::ArgMax, 1) == 0);
  CHECK(line({NAN, 1, 2}, OpType::ArgMin, 0) == 0);
  CHECK(line({1, NAN, 2}, OpType::ArgMax, 0) == 2);
  CHECK(line({1, NAN, 2}, OpType::ArgMin, 1) == 0);
  CHECK(line({3, NAN, 2}, OpType::ArgMax, 0) == 0);
  CHECK(line({3, NAN, 2}, OpType::ArgMin, 0) == 2);
  CHECK(line({1, 2, NAN}, OpType::ArgMax, 1) == 1);
  CHECK(line({1, 3, 3, 1, 2}, OpType::ArgMax, 0) == 1);
  CHECK(line({1, 3, 3, 1, 2}, OpType::ArgMax, 1) == 2);
  CHECK(line({1, 3, 3, 1, 2}, OpType::ArgMin, 0) == 0);
  CHECK(line({1, 3, 3, 1, 2}, OpType::ArgMin, 1) == 3);
  CHECK(line({0.0f, -0.0f}, OpType::ArgMax, 1) == 1);  // -0 == 0: a tie
}

TEST_CASE("argmax/argmin: random tied tensors, every axis and keepdims, against a scan from either end") {
  std::mt19937 rng(41);
  const std::vector<Shape> shapes = {{7}, {3, 5}, {2, 3, 4}, {2, 1, 3, 5}, {4, 60, 90}};
  for (const Shape& s : shapes) {
    const Tensor x = tied_tensor(s, rng, true);
    for (int axis = -s.rank; axis < s.rank; ++axis) {
      const int a = axis < 0 ? axis + s.rank : axis;
      for (OpType op : {OpType::ArgMax, OpType::ArgMin})
        for (int64_t last : {0, 1})
          for (int64_t keep : {0, 1}) {
            Shape out;
            for (int d = 0; d < s.rank; ++d)
              if (d != a)
                out[out.rank++] = s[d];
              else if (keep)
                out[out.rank++] = 1;
            // Independent: walk the line from the end chosen by select_last_index, keeping the first extreme met;
            // a NaN at position 0 wins the line (onnxruntime), any other NaN is skipped.
            std::vector<int64_t> want;
            for (int64_t i = 0; i < s.numel(); ++i) {
              auto c = unravel(i, s);
              if (c[static_cast<size_t>(a)] != 0) continue;
              std::vector<float> v;
              for (int64_t k = 0; k < s[a]; ++k) {
                c[static_cast<size_t>(a)] = k;
                v.push_back(x.f32()[ravel(c, s)]);
              }
              int64_t best = 0;
              if (!std::isnan(v[0])) {
                float extreme = v[0];
                for (float f : v)
                  if (!std::isnan(f)) extreme = op == OpType::ArgMax ? std::max(extreme, f) : std::min(extreme, f);
                const int64_t n = static_cast<int64_t>(v.size());
                for (int64_t j = 0; j < n; ++j) {
                  const int64_t k = last ? n - 1 - j : j;
                  if (v[static_cast<size_t>(k)] == extreme) {
                    best = k;
                    break;
                  }
                }
              }
              want.push_back(best);
            }
            for (KernelPath path : supported_kernel_paths())
              for (int threads : {1, 2}) {
                CAPTURE(s.str());
                CAPTURE(axis);
                CAPTURE(op_name(op));
                CAPTURE(last);
                CAPTURE(kernel_path_name(path));
                auto r = run_node(op, {x}, arg_attrs(axis, keep, last), 1, threads, path);
                REQUIRE(r.outputs[0].dtype() == DType::I64);
                CHECK(r.outputs[0].shape() == out);
                CHECK(ints_of(r.outputs[0]) == want);
                CHECK(r.run_allocations == 0);
              }
          }
    }
  }
}

TEST_CASE("topk: NaN, -0 and ties as onnxruntime") {
  auto top = [](std::vector<float> v, int64_t k, int64_t largest) {
    const Tensor x = Tensor::from_f32(Shape{1, static_cast<int64_t>(v.size())}, v);
    auto r = run_node(OpType::TopK, {x}, attrs({{"k", k}, {"axis", int64_t{1}}, {"largest", largest}}), 2);
    return std::make_pair(values_of(r.outputs[0]), ints_of(r.outputs[1]));
  };
  // onnxruntime: [1,nan,2] largest 2 -> [nan,2] at [1,2], smallest -> [1,2] at [0,2]; [nan,nan,1] largest ->
  // [0,1], smallest -> [2,0]; [1,3,3,1,2] k=3 -> [1,2,4] / smallest [0,3,4]; [0,-0,-0,0] largest 2 -> [0,1].
  auto r = top({1, NAN, 2}, 2, 1);
  CHECK(std::isnan(r.first[0]));
  CHECK(r.first[1] == 2.0f);
  CHECK(r.second == std::vector<int64_t>{1, 2});
  CHECK(top({1, NAN, 2}, 2, 0).second == std::vector<int64_t>{0, 2});
  CHECK(top({NAN, NAN, 1}, 2, 1).second == std::vector<int64_t>{0, 1});
  CHECK(top({NAN, NAN, 1}, 2, 0).second == std::vector<int64_t>{2, 0});
  CHECK(top({1, 3, 3, 1, 2}, 3, 1).second == std::vector<int64_t>{1, 2, 4});
  CHECK(top({1, 3, 3, 1, 2}, 3, 1).first == std::vector<float>{3, 3, 2});
  CHECK(top({1, 3, 3, 1, 2}, 3, 0).second == std::vector<int64_t>{0, 3, 4});
  const auto z = top({0.0f, -0.0f, -0.0f, 0.0f}, 2, 1);
  CHECK(z.second == std::vector<int64_t>{0, 1});
  CHECK(!std::signbit(z.first[0]));
  CHECK(std::signbit(z.first[1]));  // the value is copied, sign included
}

TEST_CASE("topk: random tied tensors on every axis against a stable sort of (value, index) pairs") {
  std::mt19937 rng(43);
  const std::vector<Shape> shapes = {{9}, {3, 8}, {2, 5, 4}, {2, 3, 1, 6}};
  for (const Shape& s : shapes) {
    const Tensor x = tied_tensor(s, rng, true);
    for (int a = 0; a < s.rank; ++a)
      for (int64_t k : {int64_t{1}, (s[a] + 1) / 2, s[a]})
        for (int64_t largest : {0, 1}) {
          Shape out = s;
          out[a] = k;
          std::vector<float> want_v(static_cast<size_t>(out.numel()));
          std::vector<int64_t> want_i(want_v.size());
          for (int64_t i = 0; i < s.numel(); ++i) {
            auto c = unravel(i, s);
            if (c[static_cast<size_t>(a)] != 0) continue;
            std::vector<std::pair<float, int64_t>> line;
            for (int64_t j = 0; j < s[a]; ++j) {
              c[static_cast<size_t>(a)] = j;
              line.emplace_back(x.f32()[ravel(c, s)], j);
            }
            // NaN is the greatest value: the key is (is NaN, value), NaN keys all equal.
            auto key = [](float f) { return std::make_pair(std::isnan(f) ? 1 : 0, std::isnan(f) ? 0.0 : double{f}); };
            std::stable_sort(line.begin(), line.end(), [&](const auto& p, const auto& q) {
              return largest ? key(p.first) > key(q.first) : key(p.first) < key(q.first);
            });
            for (int64_t j = 0; j < k; ++j) {
              c[static_cast<size_t>(a)] = j;
              want_v[static_cast<size_t>(ravel(c, out))] = line[static_cast<size_t>(j)].first;
              want_i[static_cast<size_t>(ravel(c, out))] = line[static_cast<size_t>(j)].second;
            }
          }
          for (KernelPath path : supported_kernel_paths()) {
            CAPTURE(s.str());
            CAPTURE(a);
            CAPTURE(k);
            CAPTURE(largest);
            auto r =
                run_node(OpType::TopK, {x}, attrs({{"k", k}, {"axis", int64_t{a}}, {"largest", largest}}), 2, 2, path);
            REQUIRE(r.outputs[0].shape() == out);
            REQUIRE(r.outputs[1].dtype() == DType::I64);
            CHECK(ints_of(r.outputs[1]) == want_i);
            CHECK(std::memcmp(r.outputs[0].data(), want_v.data(), want_v.size() * 4) == 0);
            CHECK(r.run_allocations == 0);
          }
        }
  }
}

TEST_CASE("argmax/argmin/topk: integer tensors give what the same values as f32 give") {
  // The f32 path is checked against independent loops above; small integers are exact in f32, so an integer
  // tensor must give the same indices, and TopK the same values in its own dtype. Extremes of each type included.
  std::mt19937 rng(47);
  const Shape s{3, 9, 4};
  for (DType t : {DType::I64, DType::I32, DType::I8, DType::U8}) {
    Tensor xi(t, s);
    std::vector<float> xf(static_cast<size_t>(s.numel()));
    for (int64_t i = 0; i < s.numel(); ++i) {
      const int v = static_cast<int>(rng() % 5);  // 0..4: many ties
      const int64_t lo = t == DType::U8 ? 0 : t == DType::I8 ? -128 : t == DType::I32 ? INT32_MIN : INT64_MIN;
      const int64_t value = v == 4 ? lo : v * 40;  // the type's minimum, or 0, 40, 80, 120
      xf[static_cast<size_t>(i)] = static_cast<float>(value);
      switch (t) {
        case DType::I64:
          static_cast<int64_t*>(xi.mutable_data())[i] = value;
          break;
        case DType::I32:
          static_cast<int32_t*>(xi.mutable_data())[i] = static_cast<int32_t>(value);
          break;
        case DType::I8:
          static_cast<int8_t*>(xi.mutable_data())[i] = static_cast<int8_t>(value);
          break;
        default:
          static_cast<uint8_t*>(xi.mutable_data())[i] = static_cast<uint8_t>(value);
      }
    }
    const Tensor x = Tensor::from_f32(s, xf);
    for (int64_t axis : {0, 1, 2}) {
      CAPTURE(dtype_name(t));
      CAPTURE(axis);
      for (OpType op : {OpType::ArgMax, OpType::ArgMin})
        for (int64_t last : {0, 1})
          CHECK(ints_of(run_node(op, {xi}, arg_attrs(axis, 1, last), 1, 2).outputs[0]) ==
                ints_of(run_node(op, {x}, arg_attrs(axis, 1, last)).outputs[0]));
      for (int64_t largest : {0, 1}) {
        const Attributes a = attrs({{"k", int64_t{2}}, {"axis", axis}, {"largest", largest}});
        auto ri = run_node(OpType::TopK, {xi}, a, 2);
        auto rf = run_node(OpType::TopK, {x}, a, 2);
        REQUIRE(ri.outputs[0].dtype() == t);
        CHECK(ints_of(ri.outputs[1]) == ints_of(rf.outputs[1]));
        // The values are the input's elements at those indices.
        bool same = true;
        for (int64_t i = 0; i < ri.outputs[0].numel(); ++i) {
          const float want = rf.outputs[0].f32()[i];
          double got = 0;
          switch (t) {
            case DType::I64:
              got = static_cast<double>(static_cast<const int64_t*>(ri.outputs[0].data())[i]);
              break;
            case DType::I32:
              got = static_cast<const int32_t*>(ri.outputs[0].data())[i];
              break;
            case DType::I8:
              got = static_cast<const int8_t*>(ri.outputs[0].data())[i];
              break;
            default:
              got = static_cast<const uint8_t*>(ri.outputs[0].data())[i];
          }
          same &= got == static_cast<double>(want);
        }
        CHECK(same);
      }
    }
  }
}

TEST_CASE("argmax/argmin/topk: load errors name the node") {
  CHECK(contains(build_error(OpType::ArgMax, Shape{2, 3}, attrs({{"axis", int64_t{2}}})),
                 "'sel': axis 2 is out of range for input shape [2,3]"));
  CHECK(contains(build_error(OpType::ArgMin, Shape{2, 3}, attrs({{"axis", int64_t{-3}}})), "axis -3 is out of range"));
  CHECK(contains(build_error(OpType::ArgMax, Shape{2, 3}, attrs({{"keepdims", int64_t{2}}})),
                 "'sel': keepdims must be 0 or 1, got 2"));
  CHECK(contains(build_error(OpType::ArgMax, Shape{2, 3}, {}, 1, DType::Bool),
                 "'sel': input 0 is bool, expected f32, i64, i32, i8 or u8"));
  CHECK(contains(build_error(OpType::ArgMin, Shape{2, 3}, {}, 1, DType::F16), "'sel': input 0 is f16, expected"));
  CHECK(contains(build_error(OpType::ArgMax, Shape{}, {}), "'sel': the input must have rank >= 1"));
  CHECK(contains(build_error(OpType::TopK, Shape{2, 3}, attrs({{"k", int64_t{4}}}), 2),
                 "'sel': k = 4 must lie in [1, 3]"));
  CHECK(contains(build_error(OpType::TopK, Shape{2, 3}, attrs({{"k", int64_t{0}}}), 2), "k = 0 must lie in [1, 3]"));
  CHECK(contains(build_error(OpType::TopK, Shape{2, 3}, attrs({{"k", int64_t{1}}, {"axis", int64_t{2}}}), 2),
                 "axis 2 is out of range"));
  CHECK(contains(build_error(OpType::TopK, Shape{2, 3}, attrs({{"k", int64_t{1}}, {"largest", int64_t{5}}}), 2),
                 "largest must be 0 or 1, got 5"));
  CHECK(contains(build_error(OpType::TopK, Shape{2, 3}, attrs({{"k", int64_t{1}}}), 2, DType::Bool),
                 "input 0 is bool, expected f32, i64, i32, i8 or u8"));
}
