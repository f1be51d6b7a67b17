#include "apps/kbench/onednn_conv.h"

#include <omp.h>

#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "oneapi/dnnl/dnnl.hpp"

// Debian's libdnnl is built with the OpenMP CPU runtime: oneDNN then runs its parallel regions on the
// OpenMP thread team, sized by omp_set_num_threads (the threadpool API is only for oneDNN built with
// DNNL_CPU_RUNTIME=THREADPOOL). Other builds would need another way to set the thread count.
#if DNNL_CPU_RUNTIME != DNNL_RUNTIME_OMP
#error "vigil-kbench's oneDNN column expects oneDNN built with the OpenMP CPU runtime (as Debian's libdnnl-dev)"
#endif

namespace vigil::kbench {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

std::runtime_error onednn_error(const std::string& what, const dnnl::error& e) {
  return std::runtime_error("oneDNN: " + what + ": " + e.what() + " (status " + std::to_string(e.status) + ")");
}

}  // namespace

const char* onednn_algorithm_name(OnednnAlgorithm a) { return a == OnednnAlgorithm::Auto ? "auto" : "direct"; }

std::string onednn_limit_isa(const std::string& vigil_isa) {
  // vigil's AVX-512 path needs F/BW/DQ/VL, which is oneDNN's avx512_core; the cap keeps oneDNN off later
  // extensions (VNNI, BF16, AMX) that vigil's fp32 kernels do not use either. oneDNN has no scalar path:
  // SSE4.1 is its lowest, and like vigil's "scalar" (SSE2) it has no FMA, so the same peak applies.
  dnnl::cpu_isa cap = dnnl::cpu_isa::sse41;
  std::string name = "sse41";
  if (vigil_isa == "avx512") {
    cap = dnnl::cpu_isa::avx512_core;
    name = "avx512";
  } else if (vigil_isa == "avx2") {
    cap = dnnl::cpu_isa::avx2;
    name = "avx2";
  }
  if (dnnl::set_max_cpu_isa(cap) != dnnl::status::success)
    throw std::runtime_error("oneDNN refused to cap its ISA at " + name +
                             " (set_max_cpu_isa must come before any primitive is created)");
  return name;
}

void onednn_set_threads(int threads) {
  // oneDNN reads omp_get_max_threads() both when it creates a primitive (its JIT kernels' blocking
  // depends on the thread count, and the primitive cache keys on it) and when it executes one, so this
  // must be set before the primitive is created.
  omp_set_num_threads(threads);
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

struct OnednnConv::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::convolution_forward conv;
  std::unordered_map<int, memory> args;
  std::string impl;
};

OnednnConv::OnednnConv(const OnednnConvShape& sh, OnednnAlgorithm algorithm, const float* x, const float* w,
                       const float* bias)
    : s_(std::make_unique<State>()) {
  const int64_t pad = sh.kernel / 2;
  const int64_t out_hw = (sh.in_hw + 2 * pad - sh.kernel) / sh.stride + 1;
  // The bottom/right padding oneDNN needs for exactly out_hw outputs: with stride 2 the last input
  // row may stay unused, so it can be smaller than `pad` (vigil's conv pads both sides by `pad` and simply
  // never reads the extra row; the outputs are the same).
  const int64_t pad_r = (out_hw - 1) * sh.stride + sh.kernel - sh.in_hw - pad;
  const memory::dims src_dims = {1, sh.cin, sh.in_hw, sh.in_hw};
  const memory::dims dst_dims = {1, sh.cout, out_hw, out_hw};
  const memory::dims wei_dims =
      sh.group > 1 ? memory::dims{sh.group, sh.cout / sh.group, sh.cin / sh.group, sh.kernel, sh.kernel}
                   : memory::dims{sh.cout, sh.cin, sh.kernel, sh.kernel};
  const tag wei_plain = sh.group > 1 ? tag::goihw : tag::oihw;
  try {
    const memory::desc src_any(src_dims, dt::f32, tag::any), dst_any(dst_dims, dt::f32, tag::any);
    const memory::desc wei_any(wei_dims, dt::f32, tag::any), bias_md({sh.cout}, dt::f32, tag::a);
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference,
        algorithm == OnednnAlgorithm::Auto ? dnnl::algorithm::convolution_auto : dnnl::algorithm::convolution_direct,
        src_any, wei_any, bias_md, dst_any, {sh.stride, sh.stride}, {pad, pad}, {pad_r, pad_r});
    dnnl::primitive_attr attr;
    // A scratchpad of our own, allocated once below, so no execute() allocates (vigil's kernels get their
    // workspace from the caller too).
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (sh.leaky_relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.1f, 0.0f);  // alpha: the negative slope
      attr.set_post_ops(ops);
    }
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, s_->engine);
    s_->impl = pd.impl_info_str();
    s_->conv = dnnl::convolution_forward(pd);

    // The user's plain buffers, then (once) oneDNN's layouts of them.
    auto plain = [&](const memory::dims& dims, tag t, const float* data) {
      memory m({dims, dt::f32, t}, s_->engine);
      std::memcpy(m.get_data_handle(), data, m.get_desc().get_size());
      return m;
    };
    auto into = [&](memory user, const memory::desc& want) {
      if (user.get_desc() == want) return user;
      memory m(want, s_->engine);
      dnnl::reorder(user, m).execute(s_->stream, user, m);
      s_->stream.wait();  // `user` goes away when this returns
      return m;
    };
    s_->args[DNNL_ARG_SRC] = into(plain(src_dims, tag::nchw, x), pd.src_desc());
    s_->args[DNNL_ARG_WEIGHTS] = into(plain(wei_dims, wei_plain, w), pd.weights_desc());
    s_->args[DNNL_ARG_BIAS] = into(plain({sh.cout}, tag::a, bias), pd.bias_desc());
    s_->args[DNNL_ARG_DST] = memory(pd.dst_desc(), s_->engine);
    if (pd.scratchpad_desc().get_size() > 0) s_->args[DNNL_ARG_SCRATCHPAD] = memory(pd.scratchpad_desc(), s_->engine);
    s_->stream.wait();
  } catch (const dnnl::error& e) {
    throw onednn_error(std::string("convolution_") + onednn_algorithm_name(algorithm) + " " + std::to_string(sh.cin) +
                           "->" + std::to_string(sh.cout) + " k" + std::to_string(sh.kernel) + " s" +
                           std::to_string(sh.stride) + " g" + std::to_string(sh.group) + " " +
                           std::to_string(sh.in_hw) + "x" + std::to_string(sh.in_hw),
                       e);
  }
}

OnednnConv::~OnednnConv() = default;

void OnednnConv::run() {
  s_->conv.execute(s_->stream, s_->args);
  s_->stream.wait();
}

const std::string& OnednnConv::impl() const { return s_->impl; }

std::vector<float> OnednnConv::output_nchw() {
  memory dst = s_->args.at(DNNL_ARG_DST);
  const memory::desc md = dst.get_desc();
  memory plain({md.dims(), dt::f32, tag::nchw}, s_->engine);
  dnnl::reorder(dst, plain).execute(s_->stream, dst, plain);
  s_->stream.wait();
  const auto* data = static_cast<const float*>(plain.get_data_handle());
  return std::vector<float>(data, data + md.get_size() / sizeof(float));
}

}  // namespace vigil::kbench
