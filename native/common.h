// Shared helpers for the addon: tensor handles and exception conversion.
// Every entry point is wrapped by Guarded(), which turns c10::Error and
// std::exception into a JS Error that keeps libtorch's own message.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>

#include <atomic>
#include <cmath>
#include <exception>
#include <string>

namespace ct {

// Live tensor handles created by this addon and not yet disposed or collected.
extern std::atomic<int64_t> g_liveHandles;
// Bytes addressed by those handles (numel * element size; views count their own).
extern std::atomic<int64_t> g_liveBytes;

// A tensor handle is a JS External that owns one at::Tensor (a refcounted
// pointer). dispose() resets it; the GC finalizer deletes it as a backstop.
struct Handle {
  at::Tensor tensor;
  int64_t bytes = 0;
  bool live = true;

  void Release();  // frees the tensor and updates the live counters
};

extern const napi_type_tag kTensorTag;

Napi::Value WrapTensor(Napi::Env env, at::Tensor tensor);
bool IsTensorHandle(Napi::Env env, const Napi::Value& value);
Handle& UnwrapHandle(const Napi::Value& value, const char* what);
const at::Tensor& UnwrapTensor(const Napi::Value& value, const char* what);

// True when `d` is an integer int64 holds exactly. Check this before any
// static_cast<int64_t>: casting NaN, an infinity or a value past 2^63 is undefined behaviour.
inline bool IsInt64(double d) {
  return std::isfinite(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d);
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string& message);

std::string DescribeJs(const Napi::Value& value);

template <typename Fn>
Napi::Value Guarded(const Napi::CallbackInfo& info, Fn&& fn) {
  Napi::Env env = info.Env();
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

#define CT_ENTRY(name)                                              \
  Napi::Value name##Impl(const Napi::CallbackInfo& info);           \
  Napi::Value name(const Napi::CallbackInfo& info) {                \
    return Guarded(info, name##Impl);                                \
  }                                                                 \
  Napi::Value name##Impl(const Napi::CallbackInfo& info)

}  // namespace ct
