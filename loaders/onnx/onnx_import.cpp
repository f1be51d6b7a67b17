// The ONNX importer's driver: decode, resolve inputs, walk the live nodes in order folding what is known
// at load time and mapping the rest onto vigil ops, then name the outputs and record metadata.
#include "loaders/onnx/onnx_import.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/error.h"
#include "kernels/cast/cast.h"
#include "loaders/onnx/constant_folding.h"
#include "loaders/onnx/external_data.h"
#include "loaders/onnx/import_context.h"
#include "loaders/onnx/map_quantize.h"
#include "loaders/onnx/onnx_proto.h"
#include "loaders/onnx/op_mapping.h"

#if __has_include("engine/passes/fold_batch_norm.h")
#include "engine/passes/fold_batch_norm.h"
#include "engine/passes/fold_pad_into_conv.h"
#include "engine/passes/fuse_gelu.h"
#include "engine/passes/fuse_layer_norm.h"
#include "engine/passes/fuse_silu.h"
#define VIGIL_ONNX_HAS_PASSES 1
#endif

namespace vigil {

std::vector<std::string> onnx_mapped_ops() { return onnx::mapped_ops(); }
std::vector<std::string> onnx_folded_ops() { return onnx::foldable_ops(); }

namespace onnx {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

[[noreturn]] void unsupported_op(const NodeInfo& n) {
  const std::string& domain = n.proto().domain;
  std::string why = (domain.empty() || domain == "ai.onnx")
                        ? concat("unsupported op type '", n.op_type(), "'")
                        : concat("op '", n.op_type(), "' of domain '", domain,
                                 "' is not supported (vigil reads the default ONNX domain only)");
  n.fail(concat(why, ". vigil maps these ONNX ops: ", join(mapped_ops()),
                "; and evaluates these at load time when their inputs are constants: ", join(foldable_ops())));
}

ConstTensor const_from_vigil(const Tensor& t, const std::string& name) {
  const auto span = t.shape().span();
  std::vector<int64_t> dims(span.begin(), span.end());
  const auto n = static_cast<size_t>(t.numel());
  if (t.dtype() == DType::F32) return ConstTensor::floats(dims, std::vector<float>(t.f32(), t.f32() + n));
  if (t.dtype() == DType::F16 || t.dtype() == DType::BF16 || t.dtype() == DType::F64) {  // held as f32
    ConstTensor c = ConstTensor::floats(dims, std::vector<float>(n));
    const kernels::ElemType from = t.dtype() == DType::F16    ? kernels::ElemType::F16
                                   : t.dtype() == DType::BF16 ? kernels::ElemType::BF16
                                                              : kernels::ElemType::F64;
    kernels::cast_reference(from, kernels::ElemType::F32, t.data(), c.f.data(), 0, static_cast<int64_t>(n));
    c.type = static_cast<int32_t>(t.dtype() == DType::F16    ? DataType::Float16
                                  : t.dtype() == DType::BF16 ? DataType::BFloat16
                                                             : DataType::Double);
    return c;
  }
  ConstTensor c;
  c.dims = dims;
  c.i.resize(n);
  const auto* p = static_cast<const uint8_t*>(t.data());
  switch (t.dtype()) {
    case DType::I64:
      c.type = static_cast<int32_t>(DataType::Int64);
      for (size_t k = 0; k < n; ++k) std::memcpy(&c.i[k], p + 8 * k, 8);
      break;
    case DType::I32:
      c.type = static_cast<int32_t>(DataType::Int32);
      for (size_t k = 0; k < n; ++k) {
        int32_t v;
        std::memcpy(&v, p + 4 * k, 4);
        c.i[k] = v;
      }
      break;
    case DType::I8:
      c.type = static_cast<int32_t>(DataType::Int8);
      for (size_t k = 0; k < n; ++k) c.i[k] = static_cast<int8_t>(p[k]);
      break;
    case DType::U8:
      c.type = static_cast<int32_t>(DataType::Uint8);
      for (size_t k = 0; k < n; ++k) c.i[k] = p[k];
      break;
    case DType::Bool:
      c.type = static_cast<int32_t>(DataType::Bool);
      for (size_t k = 0; k < n; ++k) c.i[k] = p[k] != 0;
      break;
    default:
      fail("constant input '", name, "': dtype ", dtype_name(t.dtype()), " cannot be baked in");
  }
  return c;
}

// `data`: the shape of the tensor that will be fed to this input, if the caller knows it (data_shapes).
Shape resolve_input_shape(const ValueInfoProto& vi, const OnnxImportOptions& options, const Shape* data) {
  auto dims_text = [&] {
    std::string s = "[";
    for (size_t k = 0; k < vi.dims.size(); ++k) {
      const auto& d = vi.dims[k];
      s += (k ? "," : "") + (d.has_value && d.value > 0 ? std::to_string(d.value) : d.param.empty() ? "?" : d.param);
    }
    return s + "]";
  };
  for (const auto& [name, shape] : options.input_shapes) {
    if (name != vi.name) continue;
    if (vi.has_shape) {
      if (static_cast<size_t>(shape.rank) != vi.dims.size())
        fail("--input-shape ", name, "=", shape.str(), " has rank ", shape.rank, " but the model declares ",
             dims_text());
      for (size_t k = 0; k < vi.dims.size(); ++k) {
        const auto& d = vi.dims[k];
        if (d.has_value && d.value > 0 && d.value != shape[static_cast<int>(k)])
          fail("--input-shape ", name, "=", shape.str(), " contradicts the model's static dim ", k, " = ", d.value,
               " in ", dims_text());
      }
    }
    return shape;
  }
  const std::string hint = concat("; pass --input-shape ", vi.name, "=D0xD1x... (e.g. 1x3x256x256)");
  auto from_data = [&](int64_t dim, size_t k) {
    if (dim <= 0)
      fail("graph input '", vi.name, "': the data fed to it has a zero-size dim ", k, " in ", data->str(),
           "; vigil does not support empty tensors");
    return dim;
  };
  if (!vi.has_shape) {
    if (!data) fail("graph input '", vi.name, "' declares no shape", hint);
    for (int k = 0; k < data->rank; ++k) from_data((*data)[k], static_cast<size_t>(k));
    return *data;
  }
  const bool data_fits = data && static_cast<size_t>(data->rank) == vi.dims.size();
  std::vector<int64_t> dims;
  for (size_t k = 0; k < vi.dims.size(); ++k) {
    const auto& d = vi.dims[k];
    if (d.has_value && d.value == 0)
      fail("graph input '", vi.name, "' has a zero-size dim ", k, " in ", dims_text(),
           "; vigil does not support empty tensors");
    if ((!d.has_value || d.value < 0) && data_fits) {
      dims.push_back(from_data((*data)[static_cast<int>(k)], k));
      continue;
    }
    if (!d.has_value || d.value < 0)
      fail("graph input '", vi.name, "' has dynamic dim ", k,
           d.param.empty() ? std::string() : concat(" ('", d.param, "')"), " in ", dims_text(), hint);
    dims.push_back(d.value);
  }
  if (dims.size() > static_cast<size_t>(kMaxRank))
    fail("graph input '", vi.name, "' has rank ", dims.size(), "; vigil supports at most ", kMaxRank);
  return Shape::from(dims);
}

int64_t default_opset(const ModelProto& m) {
  int64_t opset = -1;
  for (const auto& o : m.opset_imports)
    if (o.domain.empty() || o.domain == "ai.onnx") opset = o.version;
  if (opset < 0) {
    if (m.opset_imports.empty() && m.ir_version < 3)
      opset = 1;  // IR v1/v2 files predate opset_import
    else
      fail("the model imports no opset of the default ONNX domain");
  }
  if (opset < kOnnxMinOpset || opset > kOnnxMaxOpset)
    fail("the model uses ONNX opset ", opset, "; vigil reads opsets ", kOnnxMinOpset, " to ", kOnnxMaxOpset,
         " (convert it with onnx.version_converter)");
  return opset;
}

class Driver {
 public:
  Driver(const ModelProto& m, const OnnxImportOptions& o) : model_(m), graph_(m.graph), options_(o) {}

  Graph run() {
    opset_ = default_opset(model_);
    if (graph_.sparse_initializer_count) fail("sparse initializers are not supported");
    find_live_nodes();
    define_inputs_and_initializers();
    for (size_t k = 0; k < graph_.nodes.size(); ++k)
      if (live_[k]) import_node(NodeInfo(graph_.nodes[k], static_cast<int>(k), opset_));
    name_outputs();
    record_metadata();
    Graph g = im_.builder().build();
#ifdef VIGIL_ONNX_HAS_PASSES
    if (options_.optimize) {
      fold_pad_into_conv(g);
      fold_batch_norm(g);
      fuse_silu(g);
      fuse_layer_norm(g);
      fuse_gelu(g);
      fuse_activations(g);
      fuse_residual_add(g);
    }
#endif
    return g;
  }

 private:
  // Nodes that contribute to a graph output; dead ones (left-over shape computations) are skipped, so an
  // unsupported op that nothing reads does not stop the import.
  void find_live_nodes() {
    if (graph_.outputs.empty()) fail("the graph has no outputs");
    std::unordered_set<std::string> needed;
    for (const auto& o : graph_.outputs) needed.insert(o.name);
    live_.assign(graph_.nodes.size(), false);
    for (size_t k = graph_.nodes.size(); k-- > 0;) {
      const NodeProto& n = graph_.nodes[k];
      bool live = false;
      for (const auto& o : n.outputs) live |= !o.empty() && needed.count(o);
      if (!live) continue;
      live_[k] = true;
      for (const auto& i : n.inputs)
        if (!i.empty()) needed.insert(i);
    }
    needed_ = std::move(needed);
    im_.set_read_values(&needed_);
  }

  void define_inputs_and_initializers() {
    std::vector<std::string> names;
    for (const auto& t : graph_.initializers) names.push_back(t.name);
    for (const auto& v : graph_.inputs) names.push_back(v.name);
    for (const auto& n : graph_.nodes) names.insert(names.end(), n.outputs.begin(), n.outputs.end());
    im_.reserve_names(names);

    std::unordered_set<std::string> initializer_names;
    for (const auto& t : graph_.initializers) {
      if (t.name.empty()) fail("an initializer has no name");
      if (!initializer_names.insert(t.name).second) fail("two initializers are named '", t.name, "'");
      if (needed_.count(t.name)) im_.define_constant(t.name, const_from_proto(t, concat("initializer '", t.name, "'")));
    }
    std::unordered_set<std::string> input_names;
    for (const auto& v : graph_.inputs) input_names.insert(v.name);
    for (const auto& [name, tensor] : options_.constant_inputs)
      if (!input_names.count(name) || initializer_names.count(name))
        fail("constant input '", name, "' is not a graph input of the model");
    for (const auto& [name, shape] : options_.input_shapes)
      if (!input_names.count(name) || initializer_names.count(name)) {
        std::string list;
        for (const auto& v : graph_.inputs)
          if (!initializer_names.count(v.name)) list += (list.empty() ? "'" : ", '") + v.name + "'";
        fail("--input-shape names '", name, "', which is not a graph input (inputs: ", list, ")");
      }

    // The inputs that will be fed: data_shapes' "" names the only one.
    std::vector<std::string> fed;
    for (const auto& v : graph_.inputs)
      if (!initializer_names.count(v.name) &&
          std::none_of(options_.constant_inputs.begin(), options_.constant_inputs.end(),
                       [&](const auto& p) { return p.first == v.name; }))
        fed.push_back(v.name);
    auto data_shape = [&](const std::string& name) -> const Shape* {
      for (const auto& [given, shape] : options_.data_shapes)
        if (given == name || (given.empty() && fed.size() == 1 && fed[0] == name)) return &shape;
      return nullptr;
    };

    for (const auto& v : graph_.inputs) {
      if (initializer_names.count(v.name)) continue;  // old exporters list initializers as inputs too
      if (im_.defined(v.name)) fail("two graph inputs are named '", v.name, "'");
      auto frozen = std::find_if(options_.constant_inputs.begin(), options_.constant_inputs.end(),
                                 [&](const auto& p) { return p.first == v.name; });
      if (frozen != options_.constant_inputs.end()) {
        im_.define_constant(v.name, const_from_vigil(frozen->second, v.name));
        continue;
      }
      if (v.type_kind != "tensor")
        fail("graph input '", v.name, "' is a ", v.type_kind.empty() ? "value without a type" : v.type_kind,
             "; vigil takes tensors only");
      const DType dtype = boundary_dtype(v.elem_type);
      if (dtype == DType::Undefined)
        fail("graph input '", v.name, "' has element type ", data_type_name(v.elem_type),
             "; vigil takes FLOAT, FLOAT16, BFLOAT16, DOUBLE, INT64, INT32, INT8, UINT8 and BOOL inputs");
      im_.define_input(v.name, dtype, resolve_input_shape(v, options_, data_shape(v.name)));
      if (vigil_dtype(v.elem_type) == DType::Undefined) convert_input_to_f32(v);
    }
  }

  // A FLOAT16, BFLOAT16 or DOUBLE graph input keeps its type in the engine (callers feed that type); the
  // graph computes on its f32 conversion, which the ONNX name now stands for.
  void convert_input_to_f32(const ValueInfoProto& v) {
    NodeProto synthetic;
    synthetic.op_type = "Cast";
    synthetic.name = concat("graph input '", v.name, "'");
    synthetic.inputs = {v.name};
    NodeInfo n(synthetic, -1, opset_);
    const std::string f32_name = im_.fresh_name(v.name, "f32");
    Attributes a;
    a.set("to", static_cast<int64_t>(DType::F32));
    im_.emit1(n, OpType::Cast, f32_name, {im_.value(n, 0)}, f32_name, std::move(a));
    im_.alias(v.name, f32_name);
    im_.set_held_type(v.name, v.elem_type);
  }

  void import_node(const NodeInfo& n) {
    const std::string& op = n.op_type();
    const std::string& domain = n.proto().domain;
    if (!domain.empty() && domain != "ai.onnx") unsupported_op(n);
    if (n.num_outputs() == 0) n.fail("has no outputs");
    for (const auto& a : n.proto().attributes)
      if (a.graph_count)
        n.fail(
            concat("attribute '", a.name, "' holds a subgraph; nested graphs (If/Loop/Scan bodies) are not supported"));

    if (QuantizationImporter::handles(op)) {
      qdq_.import(n);
      return;
    }
    if (op == "Constant") {
      n.expect_inputs(0, 0);
      define_outputs(n, fold_node(n, {}));
      return;
    }
    if (op == "Shape" || op == "Size") {  // need only dims, which run-time values have too
      n.expect_inputs(1, 1);
      const auto dims = im_.dims_of(n, 0);
      define_outputs(n, {op == "Shape" ? fold_shape(n, dims) : fold_size(n, dims)});
      return;
    }
    bool all_const = true;
    std::vector<const ConstTensor*> consts;
    for (int k = 0; k < n.num_inputs(); ++k) {
      if (!n.has_input(k)) {
        consts.push_back(nullptr);
        continue;
      }
      const Symbol& s = im_.in(n, k);
      all_const &= s.is_constant();
      consts.push_back(s.constant.get());
    }
    if (is_foldable(op) && all_const) {
      define_outputs(n, fold_node(n, consts));
      return;
    }
    if (MapFn map = find_mapping(op)) {
      map(im_, n);
      return;
    }
    if (is_foldable(op)) {
      for (int k = 0; k < n.num_inputs(); ++k)
        if (n.has_input(k) && !im_.in(n, k).is_constant())
          n.fail(concat("input '", n.input(k), "' is computed at run time, but vigil evaluates ", op,
                        " only at load time on constants (shape arithmetic) and has no run-time ", op));
    }
    unsupported_op(n);
  }

  void define_outputs(const NodeInfo& n, std::vector<ConstTensor> values) {
    for (size_t k = 0; k < values.size(); ++k)
      if (n.has_output(static_cast<int>(k))) im_.define_constant(n.output(static_cast<int>(k)), std::move(values[k]));
  }

  // vigil names a graph output after the value that holds it. When ONNX's output name was removed
  // (Identity, Dropout) or folded to a constant, a copy node gives the output its ONNX name.
  void name_outputs() {
    NodeProto synthetic;
    synthetic.op_type = "Identity";
    for (const auto& o : graph_.outputs) {
      synthetic.name = concat("graph output '", o.name, "'");
      NodeInfo n(synthetic, -1, opset_);
      if (!im_.defined(o.name)) fail("graph output '", o.name, "' is not computed by any node");
      const Symbol& s = im_.symbol(o.name);
      const int32_t declared = o.type_kind == "tensor" && o.elem_type != 0 ? o.elem_type : s.held_type;
      if (declared != 0 && vigil_dtype(declared) == DType::Undefined && boundary_dtype(declared) != DType::Undefined) {
        convert_output(o.name, declared, n);
        continue;
      }
      const Graph& g = im_.graph();
      const bool computed = s.value != kNoValue && g.values[static_cast<size_t>(s.value)].constant < 0 &&
                            std::find(g.inputs.begin(), g.inputs.end(), s.value) == g.inputs.end();
      if (computed && g.values[static_cast<size_t>(s.value)].name == o.name) {
        im_.builder().output(s.value);
        continue;
      }
      synthetic.inputs = {o.name};
      emit_copy(im_, n, o.name, o.name);
      im_.builder().output(im_.symbol(o.name).value);
    }
  }

  // A FLOAT16, BFLOAT16 or DOUBLE graph output: vigil computes it in f32 and converts it to the declared type
  // (rounding to nearest even), in a Cast that carries the output's name.
  void convert_output(const std::string& name, int32_t declared, const NodeInfo& n) {
    const int v = im_.value_of_name(name, n);
    Graph& g = im_.graph();
    Value& val = g.values[static_cast<size_t>(v)];
    if (val.dtype != DType::F32)
      fail("graph output '", name, "' is declared ", data_type_name(declared), " but vigil computes it as ",
           dtype_name(val.dtype));
    if (val.name == name) {
      if (std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end())
        fail("graph output '", name, "' is a graph input passed through unchanged");
      val.name = im_.fresh_name(name, "f32");
    }
    Attributes a;
    a.set("to", static_cast<int64_t>(boundary_dtype(declared)));
    im_.builder().output(im_.emit1(n, OpType::Cast, concat(name, "/to_", dtype_name(boundary_dtype(declared))), {v},
                                   name, std::move(a)));
  }

  void record_metadata() {
    auto& b = im_.builder();
    b.metadata("source_format", std::string("onnx"));
    std::string producer = model_.producer_name;
    if (!model_.producer_version.empty()) producer += (producer.empty() ? "" : " ") + model_.producer_version;
    if (!producer.empty()) b.metadata("producer", producer);
    if (!model_.producer_name.empty()) b.metadata("onnx_producer_name", model_.producer_name);
    if (!model_.producer_version.empty()) b.metadata("onnx_producer_version", model_.producer_version);
    b.metadata("onnx_opset", opset_);
    b.metadata("onnx_ir_version", model_.ir_version);
  }

  const ModelProto& model_;
  const GraphProto& graph_;
  const OnnxImportOptions& options_;
  int64_t opset_ = 0;
  Importer im_;
  std::vector<bool> live_;
  std::unordered_set<std::string> needed_;
  QuantizationImporter qdq_{im_, graph_, live_};
};

}  // namespace
}  // namespace onnx

namespace {

// `folder` holds the model's external data files; null for a model given as bytes.
Graph import_model(std::span<const uint8_t> bytes, const OnnxImportOptions& options, const std::string& source,
                   const std::filesystem::path* folder) {
  try {
    onnx::ModelProto model = onnx::decode_model(bytes);
    if (!model.has_graph) fail("the model has no graph");
    if (folder) onnx::resolve_external_data(model, *folder);
    return onnx::Driver(model, options).run();
  } catch (const Error& e) {
    fail(source, ": ", e.what());
  }
}

}  // namespace

Graph import_onnx_bytes(std::span<const uint8_t> bytes, const OnnxImportOptions& options, const std::string& source) {
  return import_model(bytes, options, source, nullptr);
}

Graph import_onnx(const std::string& path, const OnnxImportOptions& options) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, ": cannot open the file");
  const std::streamoff size = in.tellg();
  if (size < 0) fail(path, ": cannot read the file");
  // Protobuf messages are limited to 2 GiB; larger models keep their weights as external data.
  if (size > (std::streamoff{1} << 31)) fail(path, ": larger than 2 GiB, the protobuf limit");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) fail(path, ": read error");
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  return import_model(bytes, options, path, &folder);
}

}  // namespace vigil
