#pragma once
#include "common.h"

namespace ct {
Napi::Value FromBuffer(const Napi::CallbackInfo& info);
Napi::Value ToBuffer(const Napi::CallbackInfo& info);
Napi::Value SharedBuffer(const Napi::CallbackInfo& info);
Napi::Value MemoryLeaseOf(const Napi::CallbackInfo& info);
Napi::Value ReleaseMemoryLease(const Napi::CallbackInfo& info);
Napi::Value StorageUseCount(const Napi::CallbackInfo& info);
Napi::Value Meta(const Napi::CallbackInfo& info);
Napi::Value IsContiguous(const Napi::CallbackInfo& info);
Napi::Value Strides(const Napi::CallbackInfo& info);
Napi::Value Item(const Napi::CallbackInfo& info);
Napi::Value Dispose(const Napi::CallbackInfo& info);
Napi::Value IsDisposed(const Napi::CallbackInfo& info);
Napi::Value Nbytes(const Napi::CallbackInfo& info);
Napi::Value LiveHandles(const Napi::CallbackInfo& info);
}  // namespace ct
