// Fused Adam / AdamW update: one pass over memory per parameter instead of
// the nine whole-tensor passes of PyTorch 1.13's single-tensor path, with
// the same float32 arithmetic in the same order per element (bitwise equal
// to the per-op path where ATen vectorizes with FMA, AVX2 and later; the
// tests check both paths against PyTorch):
//
//   p = p * decay                                   (AdamW; decay = 1 - lr * wd, skipped when 1)
//   m = fma(g, 1 - beta1, m * beta1)                (ATen's add_ with alpha is a fused multiply-add)
//   v = fma((1 - beta2) * g, g, v * beta2)          (so is addcmul_)
//   vmax = max(vmax, v)                             (amsgrad; the denominator uses vmax)
//   p = p + (-stepSize) * m / (sqrt(v) / bc2Sqrt + eps)
//
// adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq | null,
//          decay, beta1, beta2, stepSize, bc2Sqrt, eps) -> boolean
// Returns false (and touches nothing) unless every tensor is a dense float32
// CPU tensor with the parameter's sizes and strides (contiguous or
// channels-last), so the caller can take the per-op path (CUDA, other
// dtypes, views). Runs on libtorch's intra-op thread pool.
#include "optim.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace ct {

namespace {
// Elementwise over memory in storage order: every tensor must lay its elements out as the parameter
// does (contiguous or channels-last alike), densely, without overlap.
bool Fusable(const at::Tensor& t, const at::Tensor& like) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_non_overlapping_and_dense() &&
         t.sizes() == like.sizes() && t.strides() == like.strides();
}

float Scalar(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) ThrowType(v.Env(), std::string("adamStep: expected a number for ") + name + " but got " + DescribeJs(v));
  return static_cast<float>(v.As<Napi::Number>().DoubleValue());
}
}  // namespace

CT_ENTRY(AdamStep) {
  const at::Tensor& param = UnwrapTensor(info[0], "adamStep: param");
  const at::Tensor& grad = UnwrapTensor(info[1], "adamStep: grad");
  const at::Tensor& expAvg = UnwrapTensor(info[2], "adamStep: expAvg");
  const at::Tensor& expAvgSq = UnwrapTensor(info[3], "adamStep: expAvgSq");
  const bool amsgrad = !info[4].IsNull() && !info[4].IsUndefined();
  const at::Tensor none;
  const at::Tensor& maxSq = amsgrad ? UnwrapTensor(info[4], "adamStep: maxExpAvgSq") : none;
  const float decay = Scalar(info[5], "decay");
  const float beta1 = Scalar(info[6], "beta1");
  const float beta2 = Scalar(info[7], "beta2");
  const float negStep = -Scalar(info[8], "stepSize");
  const float bc2Sqrt = Scalar(info[9], "bc2Sqrt");
  const float eps = Scalar(info[10], "eps");
  const bool fusable = Fusable(param, param) && Fusable(grad, param) && Fusable(expAvg, param) && Fusable(expAvgSq, param) &&
                       (!amsgrad || Fusable(maxSq, param));
  if (!fusable) return Napi::Boolean::New(info.Env(), false);
  // The scalars as ATen's float kernels see them: cast to float once.
  const float oneMinusBeta1 = static_cast<float>(1.0 - static_cast<double>(info[6].As<Napi::Number>().DoubleValue()));
  const float oneMinusBeta2 = static_cast<float>(1.0 - static_cast<double>(info[7].As<Napi::Number>().DoubleValue()));
  float* p = param.data_ptr<float>();
  const float* g = grad.data_ptr<float>();
  float* m = expAvg.data_ptr<float>();
  float* v = expAvgSq.data_ptr<float>();
  float* vmax = amsgrad ? maxSq.data_ptr<float>() : nullptr;
  const bool decays = decay != 1.0f;
  at::parallel_for(0, param.numel(), 32768, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float gi = g[i];
      float pi = decays ? p[i] * decay : p[i];
      const float mi = std::fma(gi, oneMinusBeta1, m[i] * beta1);
      const float vi = std::fma(oneMinusBeta2 * gi, gi, v[i] * beta2);
      m[i] = mi;
      v[i] = vi;
      float second = vi;
      if (vmax != nullptr) second = vmax[i] = std::fmax(vmax[i], vi);
      const float denom = std::sqrt(second) / bc2Sqrt + eps;
      p[i] = pi + negStep * mi / denom;
    }
  });
  return Napi::Boolean::New(info.Env(), true);
}

// SGD (PyTorch 1.13's single-tensor path, momentum buffer already made; ATen's add with alpha is an FMA):
//   d = maximize ? -g : g;  d = fma(p, weightDecay, d)            (when weightDecay != 0)
//   b = fma(d, 1 - dampening, b * momentum);  d = nesterov ? fma(b, momentum, d) : b   (with a buffer)
//   p = fma(d, -lr, p)
// sgdStep(param, grad, momentumBuffer | null, lr, momentum, dampening, weightDecay, nesterov, maximize) -> boolean
CT_ENTRY(SgdStep) {
  const at::Tensor& param = UnwrapTensor(info[0], "sgdStep: param");
  const at::Tensor& grad = UnwrapTensor(info[1], "sgdStep: grad");
  const bool hasBuffer = !info[2].IsNull() && !info[2].IsUndefined();
  const at::Tensor none;
  const at::Tensor& buffer = hasBuffer ? UnwrapTensor(info[2], "sgdStep: momentumBuffer") : none;
  const float negLr = -Scalar(info[3], "lr");
  const float momentum = Scalar(info[4], "momentum");
  const float oneMinusDampening = static_cast<float>(1.0 - static_cast<double>(Scalar(info[5], "dampening")));
  const float weightDecay = Scalar(info[6], "weightDecay");
  if (!info[7].IsBoolean() || !info[8].IsBoolean()) ThrowType(info.Env(), "sgdStep: expected booleans for nesterov and maximize");
  const bool nesterov = info[7].As<Napi::Boolean>().Value();
  const bool maximize = info[8].As<Napi::Boolean>().Value();
  if (!(Fusable(param, param) && Fusable(grad, param) && (!hasBuffer || Fusable(buffer, param)))) {
    return Napi::Boolean::New(info.Env(), false);
  }
  float* p = param.data_ptr<float>();
  const float* g = grad.data_ptr<float>();
  float* b = hasBuffer ? buffer.data_ptr<float>() : nullptr;
  at::parallel_for(0, param.numel(), 32768, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      float d = maximize ? -g[i] : g[i];
      if (weightDecay != 0.0f) d = std::fma(p[i], weightDecay, d);
      if (b != nullptr) {
        const float bi = std::fma(d, oneMinusDampening, b[i] * momentum);
        b[i] = bi;
        d = nesterov ? std::fma(bi, momentum, d) : bi;
      }
      p[i] = std::fma(d, negLr, p[i]);
    }
  });
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace ct
