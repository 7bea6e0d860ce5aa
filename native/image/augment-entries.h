// The image addon's entry points for the per-sample augmentation kernels
// (kernels.h): argument checks, a new buffer per call, synchronous.
#pragma once
#include <napi.h>

namespace cti {

Napi::Value AdjustSharpnessEntry(const Napi::CallbackInfo& info);
Napi::Value AffineNearestEntry(const Napi::CallbackInfo& info);
Napi::Value ChannelHistogramsEntry(const Napi::CallbackInfo& info);
Napi::Value MapChannelsEntry(const Napi::CallbackInfo& info);
Napi::Value WeightedBlendEntry(const Napi::CallbackInfo& info);

}  // namespace cti
