// Fused optimizer updates (see optim.cc).
#pragma once
#include "common.h"

namespace ct {
Napi::Value AdamStep(const Napi::CallbackInfo& info);
Napi::Value SgdStep(const Napi::CallbackInfo& info);
Napi::Value AdamStepMany(const Napi::CallbackInfo& info);
Napi::Value SgdStepMany(const Napi::CallbackInfo& info);
}  // namespace ct
