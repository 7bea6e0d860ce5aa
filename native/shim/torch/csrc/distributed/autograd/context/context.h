// Stand-in for a header that c10d's reducer.hpp includes but Debian's
// libtorch-dev 1.13 does not ship (it ships no torch/csrc/distributed/autograd).
// reducer.hpp only needs two names from it, declared here exactly as PyTorch
// 1.13 declares them, so the Reducer's layout is the library's own. Where the
// real header exists (an official libtorch), it is used instead.
#pragma once

#if __has_include_next(<torch/csrc/distributed/autograd/context/context.h>)
#include_next <torch/csrc/distributed/autograd/context/context.h>
#else
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
#endif
