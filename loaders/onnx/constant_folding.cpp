#include "loaders/onnx/constant_folding.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "engine/error.h"
#include "kernels/float16/float16.h"

namespace vigil::onnx {

const std::vector<std::string>& foldable_ops() {
  // clang-format off
  static const std::vector<std::string> ops = {
      "Abs", "Add", "And", "Cast", "Ceil", "Concat", "Constant", "ConstantOfShape", "Div", "Equal", "Exp", "Expand",
      "Flatten", "Floor", "Gather", "Greater", "GreaterOrEqual", "Identity", "Less", "LessOrEqual", "Log", "Max", "Min",
      "Mod", "Mul", "Neg", "Not", "Or", "Range", "Reciprocal", "Reshape", "ScatterND", "Shape", "Sign", "Size",
      "Slice", "Split", "Sqrt", "Squeeze", "Sub", "Tile", "Transpose", "Unsqueeze", "Where", "Xor"};
  // clang-format on
  return ops;
}

bool is_foldable(std::string_view op_type) {
  const auto& ops = foldable_ops();
  return std::find(ops.begin(), ops.end(), op_type) != ops.end();
}

namespace {

using Dims = std::vector<int64_t>;

int64_t count_of(const NodeInfo& n, const Dims& dims) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) n.fail(concat("folding produced a negative dimension in ", dims_str(dims)));
    if (d > 0 && count > kMaxFoldedElements / d)
      count = kMaxFoldedElements + 1;
    else
      count *= d;
  }
  if (count > kMaxFoldedElements)
    n.fail(concat("folding it at load time would create a tensor of shape ", dims_str(dims), ", more than ",
                  kMaxFoldedElements, " elements"));
  return count;
}

Dims strides_of(const Dims& dims) {
  Dims s(dims.size(), 1);
  for (int k = static_cast<int>(dims.size()) - 2; k >= 0; --k)
    s[static_cast<size_t>(k)] = s[static_cast<size_t>(k) + 1] * dims[static_cast<size_t>(k) + 1];
  return s;
}

// Calls f(index) for every multi-index of `dims` in row-major order.
void for_each_index(const Dims& dims, const std::function<void(const Dims&)>& f) {
  for (int64_t d : dims)
    if (d == 0) return;
  Dims idx(dims.size(), 0);
  while (true) {
    f(idx);
    int k = static_cast<int>(dims.size()) - 1;
    for (; k >= 0; --k) {
      if (++idx[static_cast<size_t>(k)] < dims[static_cast<size_t>(k)]) break;
      idx[static_cast<size_t>(k)] = 0;
    }
    if (k < 0) return;
  }
}

// The elements of `src` at flat positions `from`, shaped as `dims`.
ConstTensor take(const ConstTensor& src, Dims dims, const std::vector<int64_t>& from) {
  ConstTensor out;
  out.type = src.type;
  out.dims = std::move(dims);
  if (src.is_float()) {
    out.f.reserve(from.size());
    for (int64_t k : from) out.f.push_back(src.f[static_cast<size_t>(k)]);
  } else {
    out.i.reserve(from.size());
    for (int64_t k : from) out.i.push_back(src.i[static_cast<size_t>(k)]);
  }
  return out;
}

// Flat source positions of every output element when `src_dims` is broadcast to `out_dims`.
std::vector<int64_t> broadcast_positions(const Dims& src_dims, const Dims& out_dims) {
  const size_t offset = out_dims.size() - src_dims.size();
  const Dims src_strides = strides_of(src_dims);
  std::vector<int64_t> pos;
  for_each_index(out_dims, [&](const Dims& idx) {
    int64_t p = 0;
    for (size_t k = 0; k < src_dims.size(); ++k)
      if (src_dims[k] != 1) p += idx[k + offset] * src_strides[k];
    pos.push_back(p);
  });
  return pos;
}

const ConstTensor& need(const NodeInfo& n, std::span<const ConstTensor* const> in, int i) {
  if (i >= static_cast<int>(in.size()) || in[static_cast<size_t>(i)] == nullptr)
    n.fail(concat("required input ", i, " is missing"));
  return *in[static_cast<size_t>(i)];
}

Dims ints_of(const NodeInfo& n, const ConstTensor& c, const char* what) {
  if (c.is_float()) n.fail(concat("the ", what, " must be an integer tensor, got ", data_type_name(c.type)));
  return c.i;
}

int64_t scalar_int(const NodeInfo& n, const ConstTensor& c, const char* what) {
  if (c.numel() != 1) n.fail(concat("the ", what, " must hold one value, got shape ", dims_str(c.dims)));
  return c.as_int(0);
}

// Axes from the opset-13 input (index `input`) or the older attribute.
std::optional<Dims> axes_of(const NodeInfo& n, std::span<const ConstTensor* const> in, int input, int64_t since) {
  if (n.opset() >= since) {
    if (input < static_cast<int>(in.size()) && in[static_cast<size_t>(input)])
      return ints_of(n, *in[static_cast<size_t>(input)], "axes");
    return std::nullopt;
  }
  return n.get_ints("axes");
}

ConstTensor fold_constant(const NodeInfo& n) {
  n.check_attributes({"value", "value_float", "value_floats", "value_int", "value_ints", "value_string",
                      "value_strings", "sparse_value"});
  if (n.proto().attributes.size() != 1) n.fail("a Constant needs exactly one value attribute");
  const AttributeProto& a = n.proto().attributes[0];
  if (a.name == "value") {
    if (!a.t) n.fail("attribute 'value' holds no tensor");
    return const_from_proto(*a.t, n.label());
  }
  if (a.name == "value_float") return ConstTensor::floats({}, {n.get_float("value_float", 0)});
  if (a.name == "value_floats") {
    auto v = *n.get_floats("value_floats");
    return ConstTensor::floats({static_cast<int64_t>(v.size())}, v);
  }
  if (a.name == "value_int") return ConstTensor::ints({}, {n.get_int("value_int", 0)});
  if (a.name == "value_ints") {
    auto v = *n.get_ints("value_ints");
    return ConstTensor::ints({static_cast<int64_t>(v.size())}, v);
  }
  n.fail(concat("attribute '", a.name, "' (strings, sparse tensors) is not supported"));
}

ConstTensor fold_gather(const NodeInfo& n, const ConstTensor& data, const ConstTensor& indices) {
  n.check_attributes({"axis"});
  const int r = data.rank();
  if (r == 0) n.fail("cannot gather from a scalar");
  const int axis = normalize_axis(n, n.get_int("axis", 0), r, "axis");
  Dims idx = ints_of(n, indices, "indices");
  const int64_t d = data.dims[static_cast<size_t>(axis)];
  for (int64_t& k : idx) {
    if (k < -d || k >= d) n.fail(concat("index ", k, " is out of range for axis ", axis, " of size ", d));
    if (k < 0) k += d;
  }
  Dims out_dims(data.dims.begin(), data.dims.begin() + axis);
  out_dims.insert(out_dims.end(), indices.dims.begin(), indices.dims.end());
  out_dims.insert(out_dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  count_of(n, out_dims);
  const Dims ds = strides_of(data.dims);
  const int q = indices.rank();
  std::vector<int64_t> pos;
  for_each_index(out_dims, [&](const Dims& o) {
    int64_t flat_idx = 0, istride = 1;
    for (int k = q - 1; k >= 0; --k) {
      flat_idx += o[static_cast<size_t>(axis + k)] * istride;
      istride *= indices.dims[static_cast<size_t>(k)];
    }
    int64_t p = idx[static_cast<size_t>(flat_idx)] * ds[static_cast<size_t>(axis)];
    for (int k = 0; k < axis; ++k) p += o[static_cast<size_t>(k)] * ds[static_cast<size_t>(k)];
    for (int k = axis + 1; k < r; ++k) p += o[static_cast<size_t>(k - 1 + q)] * ds[static_cast<size_t>(k)];
    pos.push_back(p);
  });
  return take(data, out_dims, pos);
}

ConstTensor fold_concat(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  n.check_attributes({"axis"});
  if (!n.has_attr("axis")) n.fail("attribute 'axis' is required");
  std::vector<const ConstTensor*> parts;
  for (const ConstTensor* c : in)
    if (c) parts.push_back(c);
  if (parts.empty()) n.fail("has no inputs");
  const ConstTensor& first = *parts[0];
  const int r = first.rank();
  if (r == 0) n.fail("cannot concatenate scalars");
  const int axis = normalize_axis(n, n.get_int("axis", 0), r, "axis");
  Dims out_dims = first.dims;
  out_dims[static_cast<size_t>(axis)] = 0;
  for (const ConstTensor* c : parts) {
    if (c->rank() != r || c->is_float() != first.is_float())
      n.fail(concat("inputs disagree in rank or type: ", dims_str(first.dims), " ", data_type_name(first.type), " vs ",
                    dims_str(c->dims), " ", data_type_name(c->type)));
    for (int k = 0; k < r; ++k)
      if (k != axis && c->dims[static_cast<size_t>(k)] != first.dims[static_cast<size_t>(k)])
        n.fail(concat("input shapes ", dims_str(first.dims), " and ", dims_str(c->dims), " differ off axis ", axis));
    out_dims[static_cast<size_t>(axis)] += c->dims[static_cast<size_t>(axis)];
  }
  count_of(n, out_dims);
  ConstTensor out;
  out.type = first.type;
  out.dims = out_dims;
  const int64_t outer = [&] {
    int64_t o = 1;
    for (int k = 0; k < axis; ++k) o *= first.dims[static_cast<size_t>(k)];
    return o;
  }();
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor* c : parts) {
      const int64_t chunk = outer == 0 ? 0 : c->numel() / outer;
      if (first.is_float())
        out.f.insert(out.f.end(), c->f.begin() + o * chunk, c->f.begin() + (o + 1) * chunk);
      else
        out.i.insert(out.i.end(), c->i.begin() + o * chunk, c->i.begin() + (o + 1) * chunk);
    }
  return out;
}

ConstTensor fold_unsqueeze(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  n.check_attributes(n.opset() >= 13 ? std::initializer_list<std::string_view>{}
                                     : std::initializer_list<std::string_view>{"axes"});
  const ConstTensor& data = need(n, in, 0);
  auto axes = axes_of(n, in, 1, 13);
  if (!axes) n.fail("axes are required");
  const int out_rank = data.rank() + static_cast<int>(axes->size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : *axes) {
    int k = normalize_axis(n, a, out_rank, "axis");
    if (inserted[static_cast<size_t>(k)]) n.fail(concat("axis ", a, " is repeated"));
    inserted[static_cast<size_t>(k)] = true;
  }
  ConstTensor out = data;
  out.dims.clear();
  size_t src = 0;
  for (int k = 0; k < out_rank; ++k) out.dims.push_back(inserted[static_cast<size_t>(k)] ? 1 : data.dims[src++]);
  return out;
}

ConstTensor fold_squeeze(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  n.check_attributes(n.opset() >= 13 ? std::initializer_list<std::string_view>{}
                                     : std::initializer_list<std::string_view>{"axes"});
  const ConstTensor& data = need(n, in, 0);
  auto axes = axes_of(n, in, 1, 13);
  std::vector<bool> drop(data.dims.size(), false);
  if (axes) {
    for (int64_t a : *axes) {
      int k = normalize_axis(n, a, data.rank(), "axis");
      if (data.dims[static_cast<size_t>(k)] != 1)
        n.fail(concat("cannot squeeze axis ", a, " of size ", data.dims[static_cast<size_t>(k)]));
      drop[static_cast<size_t>(k)] = true;
    }
  } else {
    for (size_t k = 0; k < drop.size(); ++k) drop[k] = data.dims[k] == 1;
  }
  ConstTensor out = data;
  out.dims.clear();
  for (size_t k = 0; k < drop.size(); ++k)
    if (!drop[k]) out.dims.push_back(data.dims[k]);
  return out;
}

ConstTensor fold_slice(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  const ConstTensor& data = need(n, in, 0);
  Dims starts, ends, axes, steps;
  if (n.opset() < 10) {
    n.check_attributes({"starts", "ends", "axes"});
    starts = n.get_ints("starts").value_or(Dims{});
    ends = n.get_ints("ends").value_or(Dims{});
    axes = n.get_ints("axes").value_or(Dims{});
  } else {
    n.check_attributes({});
    starts = ints_of(n, need(n, in, 1), "starts");
    ends = ints_of(n, need(n, in, 2), "ends");
    if (in.size() > 3 && in[3]) axes = ints_of(n, *in[3], "axes");
    if (in.size() > 4 && in[4]) steps = ints_of(n, *in[4], "steps");
  }
  const int r = data.rank();
  if (starts.size() != ends.size()) n.fail("starts and ends differ in length");
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    n.fail("starts, ends, axes and steps differ in length");
  Dims begin(static_cast<size_t>(r), 0), step(static_cast<size_t>(r), 1), out_dims = data.dims;
  std::vector<bool> seen(static_cast<size_t>(r), false);
  for (size_t k = 0; k < axes.size(); ++k) {
    const int a = normalize_axis(n, axes[k], r, "axis");
    if (seen[static_cast<size_t>(a)]) n.fail(concat("axis ", axes[k], " is repeated"));
    seen[static_cast<size_t>(a)] = true;
    const int64_t d = data.dims[static_cast<size_t>(a)], s = steps[k];
    if (s == 0) n.fail("a step of 0 is invalid");
    int64_t b = starts[k], e = ends[k];
    if (b < 0) b = b < -d ? 0 : b + d;  // careful with INT64_MIN: compare before adding
    if (e < 0) e = e < -d ? -1 : e + d;
    int64_t count;
    if (s > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      count = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      count = b > e ? (b - e + (-s) - 1) / (-s) : 0;
    }
    begin[static_cast<size_t>(a)] = b;
    step[static_cast<size_t>(a)] = s;
    out_dims[static_cast<size_t>(a)] = count;
  }
  count_of(n, out_dims);
  const Dims ds = strides_of(data.dims);
  std::vector<int64_t> pos;
  for_each_index(out_dims, [&](const Dims& o) {
    int64_t p = 0;
    for (int k = 0; k < r; ++k)
      p += (begin[static_cast<size_t>(k)] + o[static_cast<size_t>(k)] * step[static_cast<size_t>(k)]) *
           ds[static_cast<size_t>(k)];
    pos.push_back(p);
  });
  return take(data, out_dims, pos);
}

}  // namespace

SplitPlan split_plan(const NodeInfo& n, const std::vector<int64_t>& dims, const std::vector<int64_t>* given) {
  n.check_attributes(n.opset() >= 18   ? std::initializer_list<std::string_view>{"axis", "num_outputs"}
                     : n.opset() >= 13 ? std::initializer_list<std::string_view>{"axis"}
                                       : std::initializer_list<std::string_view>{"axis", "split"});
  if (dims.empty()) n.fail("cannot split a scalar");
  SplitPlan plan;
  plan.axis = normalize_axis(n, n.get_int("axis", 0), static_cast<int>(dims.size()), "axis");
  const int64_t dim = dims[static_cast<size_t>(plan.axis)];
  const auto outputs = static_cast<int64_t>(n.num_outputs());
  if (outputs < 1) n.fail("has no outputs");
  Dims& split = plan.sizes;
  if (n.opset() >= 13 && given)
    split = *given;
  else if (n.opset() < 13 && n.has_attr("split"))
    split = *n.get_ints("split");
  if (!split.empty()) {
    if (static_cast<int64_t>(split.size()) != outputs)
      n.fail(concat("split ", dims_str(split), " has ", split.size(), " sizes for ", outputs, " outputs"));
  } else if (n.has_attr("num_outputs")) {
    // Opset 18: ceil-sized chunks, the last one smaller.
    const int64_t parts = n.get_int("num_outputs", 0);
    if (parts != outputs) n.fail(concat("num_outputs ", parts, " but the node has ", outputs, " outputs"));
    const int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t k = 0; k < parts; ++k) split.push_back(std::min(chunk, dim - k * chunk));
  } else {
    if (dim % outputs != 0)
      n.fail(concat("axis ", plan.axis, " of size ", dim, " does not split into ", outputs, " equal parts"));
    split.assign(static_cast<size_t>(outputs), dim / outputs);
  }
  int64_t total = 0;
  for (int64_t part : split) {
    if (part <= 0) n.fail(concat("split ", dims_str(split), " has an empty or negative part"));
    total += part;
  }
  if (total != dim)
    n.fail(concat("split ", dims_str(split), " sums to ", total, " but axis ", plan.axis, " has ", dim));
  return plan;
}

namespace {

// Split of a constant (exporters split shape vectors this way, e.g. repeat_interleave's repeats): one constant
// per output.
std::vector<ConstTensor> fold_split(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  const ConstTensor& data = need(n, in, 0);
  Dims given;
  if (in.size() > 1 && in[1]) given = ints_of(n, *in[1], "split");
  const SplitPlan plan = split_plan(n, data.dims, in.size() > 1 && in[1] ? &given : nullptr);
  const int r = data.rank(), axis = plan.axis;
  const Dims ds = strides_of(data.dims);
  std::vector<ConstTensor> out;
  int64_t offset = 0;
  for (int64_t part : plan.sizes) {
    Dims dims = data.dims;
    dims[static_cast<size_t>(axis)] = part;
    std::vector<int64_t> pos;
    for_each_index(dims, [&](const Dims& o) {
      int64_t p = 0;
      for (int k = 0; k < r; ++k)
        p += (o[static_cast<size_t>(k)] + (k == axis ? offset : 0)) * ds[static_cast<size_t>(k)];
      pos.push_back(p);
    });
    out.push_back(take(data, dims, pos));
    offset += part;
  }
  return out;
}

ConstTensor fold_constant_of_shape(const NodeInfo& n, const ConstTensor& shape) {
  n.check_attributes({"value"});
  Dims dims = ints_of(n, shape, "shape");
  if (shape.rank() != 1) n.fail(concat("the shape input must be 1-D, got ", dims_str(shape.dims)));
  count_of(n, dims);
  ConstTensor value = ConstTensor::floats({1}, {0.0f});
  if (const TensorProto* t = n.get_tensor("value")) value = const_from_proto(*t, n.label());
  if (value.numel() != 1) n.fail(concat("attribute 'value' must hold one element, got ", dims_str(value.dims)));
  return take(value, dims, std::vector<int64_t>(static_cast<size_t>(count_of(n, dims)), 0));
}

ConstTensor fold_expand(const NodeInfo& n, const ConstTensor& data, const ConstTensor& shape) {
  n.check_attributes({});
  Dims target = ints_of(n, shape, "shape");
  Dims out_dims = broadcast_dims(n, {data.dims, target});
  count_of(n, out_dims);
  return take(data, out_dims, broadcast_positions(data.dims, out_dims));
}

ConstTensor fold_tile(const NodeInfo& n, const ConstTensor& data, const ConstTensor& repeats_t) {
  n.check_attributes({});
  Dims repeats = ints_of(n, repeats_t, "repeats");
  if (static_cast<int>(repeats.size()) != data.rank())
    n.fail(concat("repeats has ", repeats.size(), " values for an input of rank ", data.rank()));
  Dims out_dims = data.dims;
  for (size_t k = 0; k < repeats.size(); ++k) {
    if (repeats[k] < 0) n.fail(concat("negative repeat ", repeats[k]));
    out_dims[k] *= repeats[k];
  }
  count_of(n, out_dims);
  const Dims ds = strides_of(data.dims);
  std::vector<int64_t> pos;
  for_each_index(out_dims, [&](const Dims& o) {
    int64_t p = 0;
    for (size_t k = 0; k < o.size(); ++k) p += (o[k] % data.dims[k]) * ds[k];
    pos.push_back(p);
  });
  return take(data, out_dims, pos);
}

ConstTensor cast_to(const NodeInfo& n, const ConstTensor& x, int32_t to) {
  if (loadable_element_size(to) == 0) n.fail(concat("cast to ", data_type_name(to), " is not supported"));
  ConstTensor out;
  out.type = to;
  out.dims = x.dims;
  const auto count = static_cast<size_t>(x.numel());
  auto wrap = [&](int64_t v) -> int64_t {  // integer conversions wrap like C's (as numpy's astype does)
    switch (static_cast<DataType>(to)) {
      case DataType::Uint8:
        return static_cast<uint8_t>(v);
      case DataType::Int8:
        return static_cast<int8_t>(v);
      case DataType::Uint16:
        return static_cast<uint16_t>(v);
      case DataType::Int16:
        return static_cast<int16_t>(v);
      case DataType::Int32:
        return static_cast<int32_t>(v);
      case DataType::Uint32:
        return static_cast<uint32_t>(v);
      case DataType::Bool:
        return v != 0;
      default:
        return v;
    }
  };
  if (out.is_float()) {
    // Held as f32 (DOUBLE too); FLOAT16 and BFLOAT16 round to their precision, as the run-time Cast does.
    for (size_t k = 0; k < count; ++k) {
      const auto v = static_cast<float>(x.as_double(k));
      out.f.push_back(to == static_cast<int32_t>(DataType::Float16)    ? kernels::round_to_f16(v)
                      : to == static_cast<int32_t>(DataType::BFloat16) ? kernels::round_to_bf16(v)
                                                                       : v);
    }
  } else if (x.is_float()) {
    for (size_t k = 0; k < count; ++k) {
      const float v = x.f[k];
      if (to == static_cast<int32_t>(DataType::Bool)) {
        out.i.push_back(v != 0.0f);
        continue;
      }
      if (!std::isfinite(v) || std::fabs(v) >= 9.2e18f)
        n.fail(concat("cannot cast ", v, " to ", data_type_name(to), " (out of range)"));
      out.i.push_back(wrap(static_cast<int64_t>(v)));  // truncation toward zero
    }
  } else {
    for (size_t k = 0; k < count; ++k) out.i.push_back(wrap(x.i[k]));
  }
  return out;
}

ConstTensor fold_range(const NodeInfo& n, const ConstTensor& start, const ConstTensor& limit,
                       const ConstTensor& delta) {
  n.check_attributes({});
  if (start.is_float() != limit.is_float() || start.is_float() != delta.is_float())
    n.fail("start, limit and delta must have one type");
  if (start.is_float()) {
    const double s = start.as_double(0), l = limit.as_double(0), d = delta.as_double(0);
    if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1)
      n.fail("start, limit and delta must be scalars");
    if (d == 0) n.fail("delta is 0");
    const double steps = std::ceil((l - s) / d);
    const int64_t count = steps > 0 ? static_cast<int64_t>(std::min(steps, 1e18)) : 0;
    count_of(n, {count});
    ConstTensor out = ConstTensor::zeros(start.type, {count});
    for (int64_t k = 0; k < count; ++k)
      out.f[static_cast<size_t>(k)] = static_cast<float>(s + static_cast<double>(k) * d);
    return out;
  }
  const int64_t s = scalar_int(n, start, "start"), l = scalar_int(n, limit, "limit"), d = scalar_int(n, delta, "delta");
  if (d == 0) n.fail("delta is 0");
  const __int128 span = static_cast<__int128>(l) - s;
  __int128 count128 = d > 0 ? (span + d - 1) / d : (span + d + 1) / d;
  if (count128 < 0) count128 = 0;
  if (count128 > kMaxFoldedElements) count128 = kMaxFoldedElements + 1;
  const auto count = static_cast<int64_t>(count128);
  count_of(n, {count});
  ConstTensor out = ConstTensor::zeros(start.type, {count});
  for (int64_t k = 0; k < count; ++k) out.i[static_cast<size_t>(k)] = s + k * d;
  return out;
}

ConstTensor fold_reshape(const NodeInfo& n, const ConstTensor& data, const ConstTensor& shape_t) {
  n.check_attributes({"allowzero"});
  Dims shape = ints_of(n, shape_t, "shape");
  const bool allowzero = n.get_int("allowzero", 0) != 0;
  int infer_at = -1;
  int64_t known = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0 && !allowzero) {
      if (k >= data.dims.size()) n.fail(concat("shape ", dims_str(shape), " copies dim ", k, " the input lacks"));
      shape[k] = data.dims[k];
    }
    if (shape[k] == -1) {
      if (infer_at >= 0) n.fail(concat("shape ", dims_str(shape), " has more than one -1"));
      infer_at = static_cast<int>(k);
    } else if (shape[k] < 0) {
      n.fail(concat("shape ", dims_str(shape), " has a negative dim"));
    } else {
      known *= shape[k];
    }
  }
  if (infer_at >= 0) {
    if (known == 0 || data.numel() % known != 0)
      n.fail(concat("cannot reshape ", dims_str(data.dims), " to ", dims_str(shape)));
    shape[static_cast<size_t>(infer_at)] = data.numel() / known;
  }
  if (count_of(n, shape) != data.numel())
    n.fail(concat("cannot reshape ", dims_str(data.dims), " to ", dims_str(shape)));
  ConstTensor out = data;
  out.dims = shape;
  return out;
}

ConstTensor fold_flatten(const NodeInfo& n, const ConstTensor& data) {
  n.check_attributes({"axis"});
  const int r = data.rank();
  int64_t axis = n.get_int("axis", 1);
  if (axis < -r || axis > r) n.fail(concat("axis ", axis, " is out of range for rank ", r));
  if (axis < 0) axis += r;
  int64_t outer = 1;
  for (int k = 0; k < axis; ++k) outer *= data.dims[static_cast<size_t>(k)];
  ConstTensor out = data;
  out.dims = {outer, outer == 0 ? 0 : data.numel() / outer};
  return out;
}

ConstTensor fold_transpose(const NodeInfo& n, const ConstTensor& data) {
  n.check_attributes({"perm"});
  const int r = data.rank();
  Dims perm;
  if (auto p = n.get_ints("perm"))
    perm = *p;
  else
    for (int k = r - 1; k >= 0; --k) perm.push_back(k);
  if (static_cast<int>(perm.size()) != r) n.fail(concat("perm ", dims_str(perm), " does not match rank ", r));
  std::vector<bool> used(static_cast<size_t>(r), false);
  Dims out_dims;
  for (int64_t p : perm) {
    if (p < 0 || p >= r || used[static_cast<size_t>(p)])
      n.fail(concat("perm ", dims_str(perm), " is not a permutation"));
    used[static_cast<size_t>(p)] = true;
    out_dims.push_back(data.dims[static_cast<size_t>(p)]);
  }
  const Dims ds = strides_of(data.dims);
  std::vector<int64_t> pos;
  for_each_index(out_dims, [&](const Dims& o) {
    int64_t p = 0;
    for (int k = 0; k < r; ++k) p += o[static_cast<size_t>(k)] * ds[static_cast<size_t>(perm[static_cast<size_t>(k)])];
    pos.push_back(p);
  });
  return take(data, out_dims, pos);
}

// Elementwise ops with numpy broadcasting over any number of inputs.
ConstTensor fold_elementwise(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  n.check_attributes({});
  const std::string& op = n.op_type();
  std::vector<const ConstTensor*> xs;
  for (const ConstTensor* c : in)
    if (c) xs.push_back(c);
  if (xs.empty()) n.fail("has no inputs");
  // Where's condition is bool; its value inputs decide the type.
  const size_t first_value = op == "Where" ? 1 : 0;
  if (op == "Where" && xs.size() != 3) n.fail("needs 3 inputs");
  for (size_t k = first_value + 1; k < xs.size(); ++k)
    if (xs[k]->type != xs[first_value]->type)
      n.fail(concat("inputs have different types ", data_type_name(xs[first_value]->type), " and ",
                    data_type_name(xs[k]->type)));
  std::vector<Dims> shapes;
  for (const ConstTensor* c : xs) shapes.push_back(c->dims);
  const Dims out_dims = broadcast_dims(n, shapes);
  const auto count = static_cast<size_t>(count_of(n, out_dims));
  std::vector<std::vector<int64_t>> pos;
  for (const ConstTensor* c : xs) pos.push_back(broadcast_positions(c->dims, out_dims));
  const ConstTensor& a = *xs[first_value];
  const bool comparison =
      op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual";
  const bool logic = op == "Not" || op == "And" || op == "Or" || op == "Xor";
  if (logic && a.type != static_cast<int32_t>(DataType::Bool))
    n.fail(concat("takes BOOL inputs, got ", data_type_name(a.type)));
  ConstTensor out;
  out.type = comparison ? static_cast<int32_t>(DataType::Bool) : a.type;
  out.dims = out_dims;
  for (size_t k = 0; k < count; ++k) {
    auto at = [&](size_t input) { return static_cast<size_t>(pos[input][k]); };
    if (op == "Where") {
      const bool cond = xs[0]->as_double(at(0)) != 0;
      const ConstTensor& src = cond ? *xs[1] : *xs[2];
      if (a.is_float())
        out.f.push_back(src.f[at(cond ? 1 : 2)]);
      else
        out.i.push_back(src.i[at(cond ? 1 : 2)]);
      continue;
    }
    if (op == "Not") {
      out.i.push_back(a.i[at(0)] == 0);
      continue;
    }
    if (op == "Neg" || op == "Sqrt") {
      if (a.is_float())
        out.f.push_back(op == "Neg" ? -a.f[at(0)] : std::sqrt(a.f[at(0)]));
      else if (op == "Neg")
        out.i.push_back(-a.i[at(0)]);
      else
        n.fail("Sqrt of integers is not defined");
      continue;
    }
    // Unary math on constants (T5's relative-position buckets: Abs of integers, Log of floats, from Range): floats
    // as the run-time reference computes them, in double rounded once; Abs of integers wraps like numpy.
    if (op == "Abs" || op == "Log" || op == "Exp" || op == "Floor" || op == "Ceil" || op == "Reciprocal" ||
        op == "Sign") {
      if (!a.is_float()) {
        if (op != "Abs" && op != "Sign") n.fail(concat(op, " of integers is not defined"));
        const int64_t v = a.i[at(0)];
        out.i.push_back(op == "Sign" ? (v > 0) - (v < 0)
                                     : static_cast<int64_t>(v < 0 ? 0 - static_cast<uint64_t>(v) : v));
        continue;
      }
      const double v = a.f[at(0)];
      double r = v;
      if (op == "Abs") r = std::fabs(v);
      if (op == "Log") r = std::log(v);
      if (op == "Exp") r = std::exp(v);
      if (op == "Floor") r = std::floor(v);
      if (op == "Ceil") r = std::ceil(v);
      if (op == "Reciprocal") r = 1.0 / v;
      if (op == "Sign") r = v > 0 ? 1.0 : v < 0 ? -1.0 : v;  // 0, -0 and NaN stay
      out.f.push_back(static_cast<float>(r));
      continue;
    }
    if (xs.size() < 2) n.fail("needs at least 2 inputs");
    if (a.is_float()) {
      // Min/Max fold all inputs; the binary ops use exactly two.
      float v = a.f[at(0)];
      for (size_t j = 1; j < xs.size(); ++j) {
        const float b = xs[j]->f[at(j)];
        if (op == "Add")
          v = v + b;
        else if (op == "Sub")
          v = v - b;
        else if (op == "Mul")
          v = v * b;
        else if (op == "Div")
          v = v / b;
        // As the run-time Max/Min (kernels/binary): NaN propagates, of equal values the second.
        else if (op == "Min")
          v = std::isnan(v) || std::isnan(b) ? v + b : v < b ? v : b;
        else if (op == "Max")
          v = std::isnan(v) || std::isnan(b) ? v + b : v > b ? v : b;
        else if (op == "Equal")
          v = v == b;
        else if (op == "Less")
          v = v < b;
        else if (op == "Greater")
          v = v > b;
        else if (op == "LessOrEqual")
          v = v <= b;
        else if (op == "GreaterOrEqual")
          v = v >= b;
      }
      if (comparison)
        out.i.push_back(v != 0.0f);
      else
        out.f.push_back(v);
    } else {
      int64_t v = a.i[at(0)];
      for (size_t j = 1; j < xs.size(); ++j) {
        const int64_t b = xs[j]->i[at(j)];
        if (op == "Add")
          v = static_cast<int64_t>(static_cast<uint64_t>(v) + static_cast<uint64_t>(b));
        else if (op == "Sub")
          v = static_cast<int64_t>(static_cast<uint64_t>(v) - static_cast<uint64_t>(b));
        else if (op == "Mul")
          v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(b));
        else if (op == "Div") {
          if (b == 0) n.fail("integer division by zero");
          if (v == std::numeric_limits<int64_t>::min() && b == -1) n.fail("integer division overflows");
          v = v / b;  // truncation, as onnxruntime does for integers
        } else if (op == "Min")
          v = std::min(v, b);
        else if (op == "Max")
          v = std::max(v, b);
        else if (op == "Equal")
          v = v == b;
        else if (op == "Less")
          v = v < b;
        else if (op == "Greater")
          v = v > b;
        else if (op == "LessOrEqual")
          v = v <= b;
        else if (op == "GreaterOrEqual")
          v = v >= b;
        else if (op == "And")
          v = v != 0 && b != 0;
        else if (op == "Or")
          v = v != 0 || b != 0;
        else if (op == "Xor")
          v = (v != 0) != (b != 0);
      }
      out.i.push_back(v);
    }
  }
  return out;
}

// Mod: fmod = 0 takes the divisor's sign (Python's %: shape arithmetic such as Swin's window padding,
// (w - W % w) % w); fmod = 1 the dividend's (C's fmod). Floats with fmod = 0 (allowed from opset 28, computed at
// any opset) follow numpy's % as the run-time op does (kernels/mod/mod.h).
ConstTensor fold_mod(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  n.check_attributes({"fmod"});
  const int64_t fmod = n.get_int("fmod", 0);
  if (fmod != 0 && fmod != 1) n.fail(concat("fmod must be 0 or 1, got ", fmod));
  if (in.size() != 2 || !in[0] || !in[1]) n.fail("needs 2 inputs");
  const ConstTensor& a = *in[0];
  const ConstTensor& b = *in[1];
  if (a.type != b.type)
    n.fail(concat("inputs have different types ", data_type_name(a.type), " and ", data_type_name(b.type)));
  const Dims out_dims = broadcast_dims(n, {a.dims, b.dims});
  const std::vector<int64_t> pa = broadcast_positions(a.dims, out_dims), pb = broadcast_positions(b.dims, out_dims);
  ConstTensor out;
  out.type = a.type;
  out.dims = out_dims;
  for (size_t k = 0; k < pa.size(); ++k) {
    const auto ia = static_cast<size_t>(pa[k]), ib = static_cast<size_t>(pb[k]);
    if (a.is_float()) {
      const auto divisor = b.f[ib];
      auto r = std::fmod(a.f[ia], divisor);
      if (fmod == 0 && r != 0 && ((r < 0) != (divisor < 0))) r += divisor;
      if (fmod == 0 && r == 0) r = std::copysign(decltype(r){0}, divisor);
      out.f.push_back(r);
      continue;
    }
    const int64_t x = a.i[ia], y = b.i[ib];
    if (y == 0) n.fail("integer modulo by zero");
    if (y == -1) {  // x % -1 is 0, and INT64_MIN % -1 would overflow in C++
      out.i.push_back(0);
      continue;
    }
    int64_t r = x % y;  // C++: the dividend's sign
    if (fmod == 0 && r != 0 && ((r < 0) != (y < 0))) r += y;
    out.i.push_back(r);
  }
  return out;
}

// ScatterND: a copy of data with the slices that indices [..., k] address replaced by (or, with `reduction`,
// combined with) updates, in order (repeated indices: the later update wins, or each one is combined).
// PyTorch's in-place slice assignments on constants (Swin's shifted-window mask) export as this.
ConstTensor fold_scatter_nd(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  n.check_attributes({"reduction"});
  const std::string reduction = n.get_string("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" && reduction != "min")
    n.fail(concat("reduction '", reduction, "' is not one of none, add, mul, max, min"));
  if (in.size() != 3 || !in[0] || !in[1] || !in[2]) n.fail("needs 3 inputs (data, indices, updates)");
  const ConstTensor& data = *in[0];
  const ConstTensor& indices = *in[1];
  const ConstTensor& updates = *in[2];
  if (indices.is_float()) n.fail("indices must be integers");
  if (updates.type != data.type)
    n.fail(concat("updates are ", data_type_name(updates.type), " but data is ", data_type_name(data.type)));
  const int r = data.rank(), q = indices.rank();
  if (q < 1) n.fail("indices must have rank >= 1");
  const int64_t k = indices.dims.back();
  if (k < 1 || k > r) n.fail(concat("indices' last dim is ", k, "; it must be in 1..", r, " (data rank)"));
  // updates: indices.dims[:-1] + data.dims[k:]
  Dims want(indices.dims.begin(), indices.dims.end() - 1);
  want.insert(want.end(), data.dims.begin() + k, data.dims.end());
  if (updates.dims != want)
    n.fail(concat("updates have shape ", dims_str(updates.dims), "; data ", dims_str(data.dims), " and indices ",
                  dims_str(indices.dims), " need ", dims_str(want)));
  const Dims ds = strides_of(data.dims);
  const int64_t slice = k < r ? ds[static_cast<size_t>(k - 1)] : 1;
  const int64_t slices = indices.numel() / k;
  ConstTensor out = data;
  for (int64_t s = 0; s < slices; ++s) {
    int64_t offset = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t i = indices.i[static_cast<size_t>(s * k + j)];
      const int64_t d = data.dims[static_cast<size_t>(j)];
      if (i < -d || i >= d) n.fail(concat("index ", i, " is out of range for dim ", j, " of size ", d));
      if (i < 0) i += d;
      offset += i * ds[static_cast<size_t>(j)];
    }
    for (int64_t e = 0; e < slice; ++e) {
      const auto at = static_cast<size_t>(offset + e), from = static_cast<size_t>(s * slice + e);
      auto combine = [&](auto& dst, auto u) {
        if (reduction == "none")
          dst = u;
        else if (reduction == "add")
          dst = dst + u;
        else if (reduction == "mul")
          dst = dst * u;
        else if (reduction == "max")
          dst = std::max(dst, u);
        else
          dst = std::min(dst, u);
      };
      if (data.is_float())
        combine(out.f[at], updates.f[from]);
      else
        combine(out.i[at], updates.i[from]);
    }
  }
  return out;
}

}  // namespace

ConstTensor fold_cast(const NodeInfo& n, const ConstTensor& x, int32_t to) { return cast_to(n, x, to); }

std::vector<int64_t> broadcast_dims(const NodeInfo& n, const std::vector<std::vector<int64_t>>& shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Dims out(rank, 1);
  for (const auto& s : shapes)
    for (size_t k = 0; k < s.size(); ++k) {
      int64_t& o = out[rank - s.size() + k];
      const int64_t d = s[k];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::string list;
      for (const auto& x : shapes) list += (list.empty() ? "" : " and ") + dims_str(x);
      n.fail(concat("shapes ", list, " do not broadcast"));
    }
  return out;
}

ConstTensor fold_shape(const NodeInfo& n, const std::vector<int64_t>& dims) {
  n.check_attributes({"start", "end"});
  const auto r = static_cast<int64_t>(dims.size());
  int64_t start = n.get_int("start", 0), end = n.get_int("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  Dims out;
  for (int64_t k = start; k < end; ++k) out.push_back(dims[static_cast<size_t>(k)]);
  return ConstTensor::ints({static_cast<int64_t>(out.size())}, out);
}

ConstTensor fold_size(const NodeInfo& n, const std::vector<int64_t>& dims) {
  n.check_attributes({});
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  return ConstTensor::ints({}, {count});
}

std::vector<ConstTensor> fold_node(const NodeInfo& n, std::span<const ConstTensor* const> in) {
  const std::string& op = n.op_type();
  auto one = [](ConstTensor c) { return std::vector<ConstTensor>{std::move(c)}; };
  if (op == "Constant") return one(fold_constant(n));
  if (op == "Identity") {
    n.check_attributes({});
    return one(need(n, in, 0));
  }
  if (op == "Shape") return one(fold_shape(n, need(n, in, 0).dims));
  if (op == "Size") return one(fold_size(n, need(n, in, 0).dims));
  if (op == "Gather") return one(fold_gather(n, need(n, in, 0), need(n, in, 1)));
  if (op == "Concat") return one(fold_concat(n, in));
  if (op == "Unsqueeze") return one(fold_unsqueeze(n, in));
  if (op == "Squeeze") return one(fold_squeeze(n, in));
  if (op == "Slice") return one(fold_slice(n, in));
  if (op == "Split") return fold_split(n, in);
  if (op == "ConstantOfShape") return one(fold_constant_of_shape(n, need(n, in, 0)));
  if (op == "Expand") return one(fold_expand(n, need(n, in, 0), need(n, in, 1)));
  if (op == "Tile") return one(fold_tile(n, need(n, in, 0), need(n, in, 1)));
  if (op == "Cast") {
    n.check_attributes({"to", "saturate"});
    if (!n.has_attr("to")) n.fail("attribute 'to' is required");
    return one(cast_to(n, need(n, in, 0), static_cast<int32_t>(n.get_int("to", 0))));
  }
  if (op == "Range") return one(fold_range(n, need(n, in, 0), need(n, in, 1), need(n, in, 2)));
  if (op == "Reshape") return one(fold_reshape(n, need(n, in, 0), need(n, in, 1)));
  if (op == "Flatten") return one(fold_flatten(n, need(n, in, 0)));
  if (op == "Transpose") return one(fold_transpose(n, need(n, in, 0)));
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal" || op == "Less" || op == "Greater" ||
      op == "LessOrEqual" || op == "GreaterOrEqual" || op == "Not" || op == "And" || op == "Or" || op == "Xor" ||
      op == "Where" || op == "Neg" || op == "Sqrt" || op == "Min" || op == "Max" || op == "Abs" || op == "Log" ||
      op == "Exp" || op == "Floor" || op == "Ceil" || op == "Reciprocal" || op == "Sign")
    return one(fold_elementwise(n, in));
  if (op == "Mod") return one(fold_mod(n, in));
  if (op == "ScatterND") return one(fold_scatter_nd(n, in));
  n.fail(concat("op ", op, " cannot be evaluated at load time"));
}

}  // namespace vigil::onnx
