#pragma once
#include "common.h"
#include <ATen/core/ivalue.h>

namespace ct {
Napi::Value ToJs(Napi::Env env, const c10::IValue& value);
Napi::Value OpHandle(const Napi::CallbackInfo& info);
Napi::Value CallOp(const Napi::CallbackInfo& info);
Napi::Value OpSchema(const Napi::CallbackInfo& info);
}  // namespace ct
