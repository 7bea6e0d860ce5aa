#pragma once
#include "common.h"

namespace ct {
Napi::Value TcpStoreCreate(const Napi::CallbackInfo& info);
Napi::Value StoreSet(const Napi::CallbackInfo& info);
Napi::Value StoreGet(const Napi::CallbackInfo& info);
Napi::Value StoreAdd(const Napi::CallbackInfo& info);
Napi::Value ProcessGroupGlooCreate(const Napi::CallbackInfo& info);
Napi::Value GroupAllreduce(const Napi::CallbackInfo& info);
Napi::Value GroupBroadcast(const Napi::CallbackInfo& info);
Napi::Value GroupBarrier(const Napi::CallbackInfo& info);
Napi::Value GroupAllgather(const Napi::CallbackInfo& info);
Napi::Value ReducerCreate(const Napi::CallbackInfo& info);
Napi::Value ReducerPrepareForBackward(const Napi::CallbackInfo& info);
Napi::Value SyncBatchNorm(const Napi::CallbackInfo& info);
Napi::Value DistributedRelease(const Napi::CallbackInfo& info);
}  // namespace ct
