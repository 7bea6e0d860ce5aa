// Process-wide libtorch settings and facts. All sync.
//
// manualSeed(n) -> undefined                 setNumThreads(n) -> undefined
// getNumThreads() -> number                  version() -> string ("1.13.1")
// showConfig() -> string (at::show_config)   parallelInfo() -> string
// cudaDeviceCount() -> number (0 without a CUDA build or device)
// autocastGet(device) -> [enabled, dtype]    autocastSet(device, enabled, dtype) -> undefined
// autocastNesting(delta) -> number; clears the autocast cache when it returns to 0
// getRngState() -> Tensor (uint8, the CPU generator's state, a copy)
// setRngState(tensor) -> undefined; throws on a state of the wrong size or dtype
// setDeterministic(bool) -> undefined (torch.use_deterministic_algorithms)   isDeterministic() -> bool
#include "runtime.h"

#include <ATen/CPUGeneratorImpl.h>
#include <mutex>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

namespace ct {

namespace {
bool IsCuda(const Napi::Value& v) {
  if (!v.IsString()) ThrowType(v.Env(), "autocast: expected device 'cpu' or 'cuda' but got " + DescribeJs(v));
  std::string device = v.As<Napi::String>().Utf8Value();
  if (device != "cpu" && device != "cuda") ThrowType(v.Env(), "autocast: expected device 'cpu' or 'cuda' but got " + device);
  return device == "cuda";
}

int64_t PositiveInt(const Napi::Value& v, const char* fn) {
  if (!v.IsNumber()) ThrowType(v.Env(), std::string(fn) + ": expected a number but got " + DescribeJs(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!IsInt64(d) || d < 1) {
    ThrowType(v.Env(), std::string(fn) + ": expected a positive integer but got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}
}  // namespace

CT_ENTRY(ManualSeed) {
  if (!info[0].IsNumber()) ThrowType(info.Env(), "manualSeed: expected a number but got " + DescribeJs(info[0]));
  double seed = info[0].As<Napi::Number>().DoubleValue();
  if (!IsInt64(seed) || seed < 0 || seed > 9007199254740991.0) {
    ThrowType(info.Env(), "manualSeed: expected a non-negative safe integer but got " + std::to_string(seed));
  }
  at::manual_seed(static_cast<uint64_t>(seed));
  return info.Env().Undefined();
}

CT_ENTRY(GetRngState) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return WrapTensor(info.Env(), gen.get_state());
}

CT_ENTRY(SetRngState) {
  const at::Tensor& state = UnwrapTensor(info[0], "setRngState: state");
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

CT_ENTRY(SetNumThreads) {
  at::set_num_threads(static_cast<int>(PositiveInt(info[0], "setNumThreads")));
  return info.Env().Undefined();
}

CT_ENTRY(GetNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

CT_ENTRY(SetDeterministic) {
  if (!info[0].IsBoolean()) ThrowType(info.Env(), "setDeterministic: expected a boolean but got " + DescribeJs(info[0]));
  at::globalContext().setDeterministicAlgorithms(info[0].As<Napi::Boolean>().Value(), /*warn_only=*/false);
  return info.Env().Undefined();
}

CT_ENTRY(IsDeterministic) { return Napi::Boolean::New(info.Env(), at::globalContext().deterministicAlgorithms()); }

CT_ENTRY(Version) {
  return Napi::String::New(info.Env(), std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                           "." + std::to_string(TORCH_VERSION_PATCH));
}

CT_ENTRY(ShowConfig) { return Napi::String::New(info.Env(), at::show_config()); }

CT_ENTRY(ParallelInfo) { return Napi::String::New(info.Env(), at::get_parallel_info()); }

CT_ENTRY(CudaDeviceCount) {
  int count = at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
  return Napi::Number::New(info.Env(), count);
}

CT_ENTRY(AutocastGet) {
  Napi::Env env = info.Env();
  bool cuda = IsCuda(info[0]);
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Boolean::New(env, cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled()));
  at::ScalarType dtype = cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
  out.Set(1u, Napi::Number::New(env, static_cast<int>(dtype)));
  return out;
}

CT_ENTRY(AutocastSet) {
  bool cuda = IsCuda(info[0]);
  if (!info[1].IsBoolean() || !info[2].IsNumber()) ThrowType(info.Env(), "autocastSet: expected (device, enabled, dtype)");
  bool enabled = info[1].As<Napi::Boolean>().Value();
  double code = info[2].As<Napi::Number>().DoubleValue();
  // Compare as a double first: a wider code truncated to ScalarType's int8_t could alias bfloat16.
  bool allowed = code == static_cast<double>(at::kBFloat16) || (cuda && code == static_cast<double>(at::kHalf));
  if (!allowed) {
    ThrowType(info.Env(), std::string("autocastSet: expected dtype bfloat16") + (cuda ? " or float16" : "") +
                              " but got code " + std::to_string(code));
  }
  auto dtype = static_cast<at::ScalarType>(static_cast<int>(code));
  if (cuda) {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
  return info.Env().Undefined();
}

CT_ENTRY(AutocastNesting) {
  if (!info[0].IsNumber()) ThrowType(info.Env(), "autocastNesting: expected +1 or -1");
  int delta = info[0].As<Napi::Number>().Int32Value();
  int level = delta > 0 ? at::autocast::increment_nesting() : at::autocast::decrement_nesting();
  if (level == 0) at::autocast::clear_cache();
  return Napi::Number::New(info.Env(), level);
}

}  // namespace ct
