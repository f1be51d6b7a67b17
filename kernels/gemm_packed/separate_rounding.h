// For vector code that must reproduce a scalar reference's double (or float) arithmetic exactly: the files
// including it are built with -mfma, and the compiler may fuse a product into the next addition (one rounding
// instead of two). An empty asm statement on the product's register stops that.
#pragma once

namespace vigil::kernels {
namespace {

template <class V>
inline V separate_rounding(V v) {
  auto reg = static_cast<typename V::register_type>(v);
  asm("" : "+v"(reg));
  return V(reg);
}

}  // namespace
}  // namespace vigil::kernels
