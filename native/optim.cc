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
// dtypes, views). Eight lanes at a time with AVX2 + FMA where the CPU has
// them (checked at run time; the per-element results do not depend on it),
// one at a time otherwise.
//
// Threads: at::parallel_for is a template that starts threads only in code
// built with OpenMP, and this addon is not (binding.gyp): updates run on the
// calling thread. On the shared 2-core test machine an OpenMP build's
// two-thread ResNet-18 update was slower than one thread at every load seen
// (15 against 8.5 ms): a memory-bound pass gains little from a second core
// and loses a time slice whenever the other thread is preempted.
//
// adamStepMany / sgdStepMany: the same updates for a whole param group in one
// call (PyTorch's multi-tensor "foreach" optimizers): one N-API crossing, not
// one per parameter; the same kernels, so the same result per element. The
// tensors, laid end to end, are walked in fixed ranges that may span several
// (one parallel region per group where threads run). Sync; every argument is
// checked before any tensor is written, and a TypeError names the first bad
// one. Each returns a Uint8Array: 1 for a tensor it updated, 0 for one it
// left untouched (not fusable as above, or its memory overlaps a parameter
// listed before it) for the caller's per-parameter path.
#include "optim.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>
#include <utility>
#include <vector>

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

double Number(const Napi::Value& v, const char* entry, const char* name) {
  if (!v.IsNumber()) ThrowType(v.Env(), std::string(entry) + ": expected a number for " + name + " but got " + DescribeJs(v));
  return v.As<Napi::Number>().DoubleValue();
}

float Scalar(const Napi::Value& v, const char* entry, const char* name) { return static_cast<float>(Number(v, entry, name)); }

bool Flag(const Napi::Value& v, const char* entry, const char* name) {
  if (!v.IsBoolean()) ThrowType(v.Env(), std::string(entry) + ": expected a boolean for " + name + " but got " + DescribeJs(v));
  return v.As<Napi::Boolean>().Value();
}

bool Given(const Napi::Value& v) { return !v.IsNull() && !v.IsUndefined(); }

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

// A group's scalars as ATen's float kernels see them: each cast to float once, 1 - beta in double first.
struct AdamGroup {
  float decay, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps;
};

AdamGroup ReadAdamGroup(const char* entry, const Napi::Value& decay, const Napi::Value& beta1, const Napi::Value& beta2,
                        const Napi::Value& eps) {
  const double b1 = Number(beta1, entry, "beta1");
  const double b2 = Number(beta2, entry, "beta2");
  return {Scalar(decay, entry, "decay"), static_cast<float>(b1),       static_cast<float>(b2),
          static_cast<float>(1.0 - b1),  static_cast<float>(1.0 - b2), Scalar(eps, entry, "eps")};
}

// param, grad, expAvg, expAvgSq and maxExpAvgSq (undefined without amsgrad).
using AdamTensors = std::array<at::Tensor, 5>;

Adam AdamKernel(const AdamGroup& g, const AdamTensors& t, float stepSize, float bc2Sqrt) {
  return {t[0].data_ptr<float>(), t[1].data_ptr<float>(), t[2].data_ptr<float>(), t[3].data_ptr<float>(),
          t[4].defined() ? t[4].data_ptr<float>() : nullptr, g.decay, g.beta1, g.beta2, g.oneMinusBeta1,
          g.oneMinusBeta2, -stepSize, bc2Sqrt, g.eps};
}

// lr, momentum, dampening, weightDecay, nesterov, maximize from info[first] on.
Sgd SgdKernel(const Napi::CallbackInfo& info, size_t first, const char* entry) {
  const float negLr = -Scalar(info[first], entry, "lr");
  const float momentum = Scalar(info[first + 1], entry, "momentum");
  const float oneMinusDampening = static_cast<float>(1.0 - static_cast<double>(Scalar(info[first + 2], entry, "dampening")));
  const float weightDecay = Scalar(info[first + 3], entry, "weightDecay");
  const bool nesterov = Flag(info[first + 4], entry, "nesterov");
  const bool maximize = Flag(info[first + 5], entry, "maximize");
  return {nullptr, nullptr, nullptr, negLr, momentum, oneMinusDampening, weightDecay, nesterov, maximize};
}

constexpr int64_t kGrain = 32768;

void RunAdam(const Adam& k, int64_t begin, int64_t end) {
  if (kAvx2) AdamAvx2(k, begin, end);
  else AdamScalar(k, begin, end);
}

void RunSgd(const Sgd& k, int64_t begin, int64_t end) {
  if (kAvx2) SgdAvx2(k, begin, end);
  else SgdScalar(k, begin, end);
}

// Runs run(kernels[i], from, to) over every tensor's elements in one parallel region: the tensors laid end
// to end (ends[i]: where tensor i ends in that order), cut into kGrain-sized ranges that may span tensors
// (the same ranges on one thread or many, so the offsets are exercised either way).
template <typename K, typename Run>
void OverAll(const std::vector<K>& kernels, const std::vector<int64_t>& ends, Run run) {
  if (kernels.empty()) return;
  const int64_t total = ends.back();
  at::parallel_for(0, (total + kGrain - 1) / kGrain, 1, [&](int64_t first, int64_t last) {
    for (int64_t chunk = first; chunk < last; chunk++) {
      int64_t begin = chunk * kGrain;
      const int64_t end = std::min(total, begin + kGrain);
      size_t i = std::upper_bound(ends.begin(), ends.end(), begin) - ends.begin();
      for (; i < kernels.size() && begin < end; i++) {
        const int64_t start = i == 0 ? 0 : ends[i - 1];
        const int64_t stop = std::min(end, ends[i]);
        run(kernels[i], begin - start, stop - start);
        begin = stop;
      }
    }
  });
}

// The tensors of one column (params, grads, ...): a JS array of `count` handles, or null for `optional`.
std::vector<at::Tensor> Column(const Napi::Value& v, size_t count, const char* entry, const char* name, bool optional) {
  std::vector<at::Tensor> out(count);
  if (optional && !Given(v)) return out;
  const std::string what = std::string(entry) + ": " + name;
  if (!v.IsArray()) ThrowType(v.Env(), what + ": expected an array of tensor handles but got " + DescribeJs(v));
  const auto array = v.As<Napi::Array>();
  if (array.Length() != count) {
    ThrowType(v.Env(), what + ": expected " + std::to_string(count) + " tensor handles (one per param) but got " +
                           std::to_string(array.Length()));
  }
  for (uint32_t i = 0; i < count; i++) {
    out[i] = UnwrapTensor(array.Get(i), what.c_str());
    if (!out[i].defined()) ThrowType(v.Env(), what + ": expected a tensor but got an undefined one at " + std::to_string(i));
  }
  return out;
}

// Per-tensor values as a Float64Array of `count`.
const double* PerTensor(const Napi::Value& v, size_t count, const char* entry, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      v.As<Napi::TypedArray>().ElementLength() != count) {
    ThrowType(v.Env(), std::string(entry) + ": expected a Float64Array of " + std::to_string(count) + " for " + name +
                           " but got " + DescribeJs(v));
  }
  return v.As<Napi::Float64Array>().Data();
}

size_t ParamCount(const Napi::Value& v, const char* entry) {
  if (!v.IsArray()) ThrowType(v.Env(), std::string(entry) + ": expected an array of param handles but got " + DescribeJs(v));
  return v.As<Napi::Array>().Length();
}

// The bytes a tensor's elements span in its storage, [begin, end): strides are never negative.
std::pair<int64_t, int64_t> Extent(const at::Tensor& t) {
  int64_t last = 0;
  for (int64_t d = 0; d < t.dim(); d++) last += (t.size(d) - 1) * t.stride(d);
  const int64_t begin = t.storage_offset() * static_cast<int64_t>(t.element_size());
  return {begin, t.numel() == 0 ? begin : begin + (last + 1) * static_cast<int64_t>(t.element_size())};
}

// Which rows to update: every tensor fusable (see Fusable), and the parameter's memory not shared with a
// parameter listed before it (a repeat, or overlapping views of one storage): threads must not write one
// element twice at once, and the per-op path, which runs after, then applies the later listing after the
// earlier one, as the per-parameter step does.
std::vector<uint8_t> FusableRows(const std::vector<std::vector<at::Tensor>>& columns, size_t count) {
  std::vector<uint8_t> fused(count, 0);
  std::unordered_map<const void*, std::vector<std::pair<int64_t, int64_t>>> earlier;  // storage -> extents
  for (size_t i = 0; i < count; i++) {
    const at::Tensor& param = columns[0][i];
    bool ok = true;
    // An undefined tensor here is an optional column left out (Column checks the others).
    for (const auto& column : columns) ok = ok && (!column[i].defined() || Fusable(column[i], param));
    // A tensor without storage (sparse, say) is no fusable one, and shares no dense memory.
    if (!param.has_storage()) continue;
    const auto extent = Extent(param);
    auto& taken = earlier[param.storage().unsafeGetStorageImpl()];
    for (const auto& [begin, end] : taken) ok = ok && (extent.second <= begin || end <= extent.first);
    taken.push_back(extent);
    fused[i] = ok ? 1 : 0;
  }
  return fused;
}

Napi::Value Flags(Napi::Env env, const std::vector<uint8_t>& fused) {
  auto out = Napi::Uint8Array::New(env, fused.size());
  std::copy(fused.begin(), fused.end(), out.Data());
  return out;
}
}  // namespace

CT_ENTRY(AdamStep) {
  const char* entry = "adamStep";
  const AdamTensors t = {UnwrapTensor(info[0], "adamStep: param"), UnwrapTensor(info[1], "adamStep: grad"),
                     UnwrapTensor(info[2], "adamStep: expAvg"), UnwrapTensor(info[3], "adamStep: expAvgSq"),
                     Given(info[4]) ? UnwrapTensor(info[4], "adamStep: maxExpAvgSq") : at::Tensor()};
  const AdamGroup g = ReadAdamGroup(entry, info[5], info[6], info[7], info[10]);
  const float stepSize = Scalar(info[8], entry, "stepSize");
  const float bc2Sqrt = Scalar(info[9], entry, "bc2Sqrt");
  for (const at::Tensor& x : t) {
    if (x.defined() && !Fusable(x, t[0])) return Napi::Boolean::New(info.Env(), false);
  }
  const Adam k = AdamKernel(g, t, stepSize, bc2Sqrt);
  at::parallel_for(0, t[0].numel(), kGrain, [&](int64_t begin, int64_t end) { RunAdam(k, begin, end); });
  return Napi::Boolean::New(info.Env(), true);
}

// adamStepMany(params[], grads[], expAvgs[], expAvgSqs[], maxExpAvgSqs[] | null, stepSizes: Float64Array,
//              bc2Sqrts: Float64Array, decay, beta1, beta2, eps) -> Uint8Array
// One param group: the group's scalars once, each tensor's own bias corrections (its step count may differ).
CT_ENTRY(AdamStepMany) {
  const char* entry = "adamStepMany";
  const size_t n = ParamCount(info[0], entry);
  const std::vector<std::vector<at::Tensor>> columns = {
      Column(info[0], n, entry, "params", false),   Column(info[1], n, entry, "grads", false),
      Column(info[2], n, entry, "expAvgs", false),  Column(info[3], n, entry, "expAvgSqs", false),
      Column(info[4], n, entry, "maxExpAvgSqs", true)};
  const double* stepSizes = PerTensor(info[5], n, entry, "stepSizes");
  const double* bc2Sqrts = PerTensor(info[6], n, entry, "bc2Sqrts");
  const AdamGroup group = ReadAdamGroup(entry, info[7], info[8], info[9], info[10]);
  const std::vector<uint8_t> fused = FusableRows(columns, n);
  std::vector<Adam> kernels;
  std::vector<int64_t> ends;
  for (size_t i = 0; i < n; i++) {
    if (fused[i] == 0) continue;
    const AdamTensors row = {columns[0][i], columns[1][i], columns[2][i], columns[3][i], columns[4][i]};
    kernels.push_back(AdamKernel(group, row, static_cast<float>(stepSizes[i]), static_cast<float>(bc2Sqrts[i])));
    ends.push_back((ends.empty() ? 0 : ends.back()) + row[0].numel());
  }
  OverAll(kernels, ends, RunAdam);
  return Flags(info.Env(), fused);
}

// SGD (PyTorch 1.13's single-tensor path, momentum buffer already made; ATen's add with alpha is an FMA):
//   d = maximize ? -g : g;  d = fma(p, weightDecay, d)            (when weightDecay != 0)
//   b = fma(d, 1 - dampening, b * momentum);  d = nesterov ? fma(b, momentum, d) : b   (with a buffer)
//   p = fma(d, -lr, p)
// sgdStep(param, grad, momentumBuffer | null, lr, momentum, dampening, weightDecay, nesterov, maximize) -> boolean
CT_ENTRY(SgdStep) {
  const at::Tensor& param = UnwrapTensor(info[0], "sgdStep: param");
  const at::Tensor& grad = UnwrapTensor(info[1], "sgdStep: grad");
  const at::Tensor buffer = Given(info[2]) ? UnwrapTensor(info[2], "sgdStep: momentumBuffer") : at::Tensor();
  Sgd k = SgdKernel(info, 3, "sgdStep");
  if (!(Fusable(param, param) && Fusable(grad, param) && (!buffer.defined() || Fusable(buffer, param)))) {
    return Napi::Boolean::New(info.Env(), false);
  }
  k.p = param.data_ptr<float>();
  k.g = grad.data_ptr<float>();
  k.b = buffer.defined() ? buffer.data_ptr<float>() : nullptr;
  at::parallel_for(0, param.numel(), kGrain, [&](int64_t begin, int64_t end) { RunSgd(k, begin, end); });
  return Napi::Boolean::New(info.Env(), true);
}

// sgdStepMany(params[], grads[], momentumBuffers[] | null, lr, momentum, dampening, weightDecay, nesterov,
//             maximize) -> Uint8Array. One param group; buffers null for plain SGD (momentum 0).
CT_ENTRY(SgdStepMany) {
  const char* entry = "sgdStepMany";
  const size_t n = ParamCount(info[0], entry);
  const std::vector<std::vector<at::Tensor>> columns = {Column(info[0], n, entry, "params", false),
                                                        Column(info[1], n, entry, "grads", false),
                                                        Column(info[2], n, entry, "momentumBuffers", true)};
  const Sgd group = SgdKernel(info, 3, entry);
  const std::vector<uint8_t> fused = FusableRows(columns, n);
  std::vector<Sgd> kernels;
  std::vector<int64_t> ends;
  for (size_t i = 0; i < n; i++) {
    if (fused[i] == 0) continue;
    Sgd k = group;
    k.p = columns[0][i].data_ptr<float>();
    k.g = columns[1][i].data_ptr<float>();
    k.b = columns[2][i].defined() ? columns[2][i].data_ptr<float>() : nullptr;
    kernels.push_back(k);
    ends.push_back((ends.empty() ? 0 : ends.back()) + columns[0][i].numel());
  }
  OverAll(kernels, ends, RunSgd);
  return Flags(info.Env(), fused);
}

}  // namespace ct
