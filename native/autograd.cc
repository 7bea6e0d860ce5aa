// Autograd entry points. All sync; all throw libtorch's message on failure.
//
// requiresGrad(h) -> boolean          setRequiresGrad(h, bool) -> undefined (leaf tensors only)
// grad(h) -> handle | null            setGrad(h, g | null) -> undefined
// backward(h, gradient | null, retainGraph, createGraph) -> undefined
// retainGrad(h) -> undefined          isLeaf(h) -> boolean
// gradFn(h) -> string | null          name of the node that produced h
// setGradEnabled(bool) -> boolean (the previous mode)   isGradEnabled() -> boolean
#include "autograd.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

namespace ct {

CT_ENTRY(RequiresGrad) {
  return Napi::Boolean::New(info.Env(), UnwrapTensor(info[0], "requiresGrad").requires_grad());
}

CT_ENTRY(SetRequiresGrad) {
  if (!info[1].IsBoolean()) ThrowType(info.Env(), "setRequiresGrad: expected a boolean but got " + DescribeJs(info[1]));
  at::Tensor t = UnwrapTensor(info[0], "setRequiresGrad");
  t.requires_grad_(info[1].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

CT_ENTRY(Grad) {
  const at::Tensor& g = UnwrapTensor(info[0], "grad").grad();
  if (!g.defined()) return info.Env().Null();
  return WrapTensor(info.Env(), g);
}

CT_ENTRY(SetGrad) {
  at::Tensor t = UnwrapTensor(info[0], "setGrad");
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad().reset();
  } else {
    const at::Tensor& g = UnwrapTensor(info[1], "setGrad gradient");
    if (g.sizes() != t.sizes() || g.scalar_type() != t.scalar_type() || g.device() != t.device()) {
      ThrowType(info.Env(), "setGrad: expected a gradient of shape " + c10::str(t.sizes()) + ", dtype " +
                                c10::toString(t.scalar_type()) + " on " + t.device().str() + " but got " +
                                c10::str(g.sizes()) + ", " + c10::toString(g.scalar_type()) + " on " + g.device().str());
    }
    t.mutable_grad() = g;
  }
  return info.Env().Undefined();
}

CT_ENTRY(Backward) {
  const at::Tensor& t = UnwrapTensor(info[0], "backward");
  std::vector<at::Tensor> grads;
  if (!info[1].IsNull() && !info[1].IsUndefined()) grads.push_back(UnwrapTensor(info[1], "backward gradient"));
  c10::optional<bool> retain;
  if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
  bool create = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  torch::autograd::backward({t}, grads, retain, create);
  return info.Env().Undefined();
}

CT_ENTRY(RetainGrad) {
  UnwrapTensor(info[0], "retainGrad").retain_grad();
  return info.Env().Undefined();
}

CT_ENTRY(IsLeaf) { return Napi::Boolean::New(info.Env(), UnwrapTensor(info[0], "isLeaf").is_leaf()); }

CT_ENTRY(GradFn) {
  const auto& fn = UnwrapTensor(info[0], "gradFn").grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}

CT_ENTRY(SetGradEnabled) {
  if (!info[0].IsBoolean()) ThrowType(info.Env(), "setGradEnabled: expected a boolean but got " + DescribeJs(info[0]));
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(info.Env(), previous);
}

CT_ENTRY(IsGradEnabled) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

}  // namespace ct
