// Argument reading shared by the image addon's entry points (addon.cc,
// augment-entries.cc): a TypeError naming the entry and the argument for a
// bad value, and every C++ exception turned into a JS Error.
#pragma once
#include <napi.h>

#include <cmath>
#include <exception>
#include <string>

namespace cti {

// Largest image side an entry accepts.
inline constexpr int kMaxSide = 1 << 16;

[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

template <typename Fn>
Napi::Value Guarded(const Napi::CallbackInfo& info, Fn&& fn) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

inline int IntArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int min, int max) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) ThrowType(info.Env(), std::string(fn) + ": expected a number for " + name);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || std::floor(d) != d)
    ThrowType(info.Env(), std::string(fn) + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                              "] for " + name + ", but got " + std::to_string(d));
  return static_cast<int>(d);
}

inline Napi::TypedArray TypedArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, napi_typedarray_type type,
                          const char* typeName) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    ThrowType(info.Env(), std::string(fn) + ": expected a " + typeName + " for " + name);
  return v.As<Napi::TypedArray>();
}

}  // namespace cti
