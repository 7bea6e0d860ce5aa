#pragma once
#include "common.h"

namespace ct {
Napi::Value RequiresGrad(const Napi::CallbackInfo& info);
Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info);
Napi::Value Grad(const Napi::CallbackInfo& info);
Napi::Value SetGrad(const Napi::CallbackInfo& info);
Napi::Value Backward(const Napi::CallbackInfo& info);
Napi::Value RetainGrad(const Napi::CallbackInfo& info);
Napi::Value IsLeaf(const Napi::CallbackInfo& info);
Napi::Value GradFn(const Napi::CallbackInfo& info);
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info);
Napi::Value IsGradEnabled(const Napi::CallbackInfo& info);
}  // namespace ct
