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
// dtypes, views). Runs on libtorch's intra-op thread pool, eight lanes at a
// time with AVX2 + FMA where the CPU has them (checked at run time; the
// per-element results do not depend on it), one at a time otherwise.
#include "optim.h"

#include <ATen/Parallel.h>

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

struct Adam {
  float* p;
  const float* g;
  float* m;
  float* v;
  float* vmax;  // null without amsgrad
  float decay, beta1, beta2, oneMinusBeta1, oneMinusBeta2, negStep, bc2Sqrt, eps;
};

struct Sgd {
  float* p;
  const float* g;
  float* b;  // null without momentum
  float negLr, momentum, oneMinusDampening, weightDecay;
  bool nesterov, maximize;
};

// aten::maximum: NaN if either is NaN.
inline float Maximum(float a, float b) { return std::isnan(a) || std::isnan(b) ? NAN : (a > b ? a : b); }

void AdamScalar(const Adam& k, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    const float gi = k.g[i];
    const float pi = k.decay != 1.0f ? k.p[i] * k.decay : k.p[i];
    const float mi = std::fma(gi, k.oneMinusBeta1, k.m[i] * k.beta1);
    const float vi = std::fma(k.oneMinusBeta2 * gi, gi, k.v[i] * k.beta2);
    k.m[i] = mi;
    k.v[i] = vi;
    float second = vi;
    if (k.vmax != nullptr) second = k.vmax[i] = Maximum(k.vmax[i], vi);
    const float denom = std::sqrt(second) / k.bc2Sqrt + k.eps;
    k.p[i] = pi + k.negStep * mi / denom;
  }
}

void SgdScalar(const Sgd& k, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    float d = k.maximize ? -k.g[i] : k.g[i];
    if (k.weightDecay != 0.0f) d = std::fma(k.p[i], k.weightDecay, d);
    if (k.b != nullptr) {
      const float bi = std::fma(d, k.oneMinusDampening, k.b[i] * k.momentum);
      k.b[i] = bi;
      d = k.nesterov ? std::fma(bi, k.momentum, d) : bi;
    }
    k.p[i] = std::fma(d, k.negLr, k.p[i]);
  }
}

#if defined(__x86_64__)
// The same operations eight lanes at a time (the per-element results do not depend on the width).
__attribute__((target("avx2,fma"))) __m256 MaximumAvx2(__m256 a, __m256 b) {
  const __m256 nan = _mm256_set1_ps(NAN);
  const __m256 greater = _mm256_max_ps(b, a);  // a when a > b, else b
  return _mm256_blendv_ps(greater, nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}

__attribute__((target("avx2,fma"))) void AdamAvx2(const Adam& k, int64_t begin, int64_t end) {
  const __m256 decay = _mm256_set1_ps(k.decay), beta1 = _mm256_set1_ps(k.beta1), beta2 = _mm256_set1_ps(k.beta2);
  const __m256 omb1 = _mm256_set1_ps(k.oneMinusBeta1), omb2 = _mm256_set1_ps(k.oneMinusBeta2);
  const __m256 negStep = _mm256_set1_ps(k.negStep), bc2 = _mm256_set1_ps(k.bc2Sqrt), eps = _mm256_set1_ps(k.eps);
  const bool decays = k.decay != 1.0f;
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 g = _mm256_loadu_ps(k.g + i);
    __m256 p = _mm256_loadu_ps(k.p + i);
    if (decays) p = _mm256_mul_ps(p, decay);
    const __m256 m = _mm256_fmadd_ps(g, omb1, _mm256_mul_ps(_mm256_loadu_ps(k.m + i), beta1));
    const __m256 v = _mm256_fmadd_ps(_mm256_mul_ps(omb2, g), g, _mm256_mul_ps(_mm256_loadu_ps(k.v + i), beta2));
    _mm256_storeu_ps(k.m + i, m);
    _mm256_storeu_ps(k.v + i, v);
    __m256 second = v;
    if (k.vmax != nullptr) {
      second = MaximumAvx2(_mm256_loadu_ps(k.vmax + i), v);
      _mm256_storeu_ps(k.vmax + i, second);
    }
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(second), bc2), eps);
    _mm256_storeu_ps(k.p + i, _mm256_add_ps(p, _mm256_div_ps(_mm256_mul_ps(negStep, m), denom)));
  }
  AdamScalar(k, i, end);
}

__attribute__((target("avx2,fma"))) void SgdAvx2(const Sgd& k, int64_t begin, int64_t end) {
  const __m256 negLr = _mm256_set1_ps(k.negLr), momentum = _mm256_set1_ps(k.momentum);
  const __m256 omd = _mm256_set1_ps(k.oneMinusDampening), wd = _mm256_set1_ps(k.weightDecay);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 p = _mm256_loadu_ps(k.p + i);
    __m256 d = _mm256_loadu_ps(k.g + i);
    if (k.maximize) d = _mm256_xor_ps(d, sign);
    if (k.weightDecay != 0.0f) d = _mm256_fmadd_ps(p, wd, d);
    if (k.b != nullptr) {
      const __m256 b = _mm256_fmadd_ps(d, omd, _mm256_mul_ps(_mm256_loadu_ps(k.b + i), momentum));
      _mm256_storeu_ps(k.b + i, b);
      d = k.nesterov ? _mm256_fmadd_ps(b, momentum, d) : b;
    }
    _mm256_storeu_ps(k.p + i, _mm256_fmadd_ps(d, negLr, p));
  }
  SgdScalar(k, i, end);
}

const bool kAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
constexpr bool kAvx2 = false;
void AdamAvx2(const Adam& k, int64_t begin, int64_t end) { AdamScalar(k, begin, end); }
void SgdAvx2(const Sgd& k, int64_t begin, int64_t end) { SgdScalar(k, begin, end); }
#endif
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
  const Adam k{param.data_ptr<float>(), grad.data_ptr<float>(), expAvg.data_ptr<float>(), expAvgSq.data_ptr<float>(),
               amsgrad ? maxSq.data_ptr<float>() : nullptr, decay, beta1, beta2, oneMinusBeta1, oneMinusBeta2,
               negStep, bc2Sqrt, eps};
  at::parallel_for(0, param.numel(), 32768, [&](int64_t begin, int64_t end) {
    if (kAvx2) AdamAvx2(k, begin, end);
    else AdamScalar(k, begin, end);
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
  const Sgd k{param.data_ptr<float>(), grad.data_ptr<float>(), hasBuffer ? buffer.data_ptr<float>() : nullptr,
              negLr, momentum, oneMinusDampening, weightDecay, nesterov, maximize};
  at::parallel_for(0, param.numel(), 32768, [&](int64_t begin, int64_t end) {
    if (kAvx2) SgdAvx2(k, begin, end);
    else SgdScalar(k, begin, end);
  });
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace ct
