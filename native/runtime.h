#pragma once
#include "common.h"

namespace ct {
Napi::Value ManualSeed(const Napi::CallbackInfo& info);
Napi::Value GetRngState(const Napi::CallbackInfo& info);
Napi::Value SetRngState(const Napi::CallbackInfo& info);
Napi::Value SetNumThreads(const Napi::CallbackInfo& info);
Napi::Value GetNumThreads(const Napi::CallbackInfo& info);
Napi::Value SetDeterministic(const Napi::CallbackInfo& info);
Napi::Value IsDeterministic(const Napi::CallbackInfo& info);
Napi::Value Version(const Napi::CallbackInfo& info);
Napi::Value ShowConfig(const Napi::CallbackInfo& info);
Napi::Value ParallelInfo(const Napi::CallbackInfo& info);
Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info);
Napi::Value AutocastGet(const Napi::CallbackInfo& info);
Napi::Value AutocastSet(const Napi::CallbackInfo& info);
Napi::Value AutocastNesting(const Napi::CallbackInfo& info);
}  // namespace ct
