// See augment-entries.h; the kernels are documented in kernels.h.
#include "augment-entries.h"

#include <cstdint>
#include <vector>

#include "args.h"
#include "kernels.h"

namespace cti {

namespace {

// Checks (src, channels) and returns the pixel count.
size_t PixelsOf(const Napi::CallbackInfo& info, const char* fn, const Napi::Uint8Array& src, int channels) {
  if (channels == 2 || src.ByteLength() % channels != 0)
    ThrowType(info.Env(), std::string(fn) + ": expected 1 or 3 channels and a whole number of pixels");
  return src.ByteLength() / channels;
}

}  // namespace

Napi::Value AdjustSharpnessEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "adjustSharpness";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const int width = IntArg(info, 1, fn, "width", 1, kMaxSide);
    const int height = IntArg(info, 2, fn, "height", 1, kMaxSide);
    const int channels = IntArg(info, 3, fn, "channels", 1, 3);
    const double factor = info[4].ToNumber().DoubleValue();
    if (channels == 2) ThrowType(info.Env(), "adjustSharpness: expected 1 or 3 channels");
    if (src.ByteLength() != static_cast<size_t>(width) * height * channels)
      ThrowType(info.Env(), "adjustSharpness: expected width * height * channels bytes in src");
    if (!(factor >= 0 && std::isfinite(factor)))
      ThrowType(info.Env(), "adjustSharpness: expected a finite factor >= 0, but got " + std::to_string(factor));
    auto out = Napi::Buffer<uint8_t>::New(info.Env(), src.ByteLength());
    AdjustSharpness(src.Data(), width, height, channels, factor, out.Data());
    return out;
  });
}

Napi::Value AffineNearestEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "affineNearest";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const int width = IntArg(info, 1, fn, "width", 1, kMaxSide);
    const int height = IntArg(info, 2, fn, "height", 1, kMaxSide);
    const int channels = IntArg(info, 3, fn, "channels", 1, 3);
    const auto matrix = TypedArg(info, 4, fn, "matrix", napi_float64_array, "Float64Array").As<Napi::Float64Array>();
    if (channels == 2) ThrowType(info.Env(), "affineNearest: expected 1 or 3 channels");
    if (src.ByteLength() != static_cast<size_t>(width) * height * channels)
      ThrowType(info.Env(), "affineNearest: expected width * height * channels bytes in src");
    if (matrix.ElementLength() != 6) ThrowType(info.Env(), "affineNearest: expected 6 matrix values");
    const double* fill = nullptr;
    if (!info[5].IsNull() && !info[5].IsUndefined()) {
      const auto f = TypedArg(info, 5, fn, "fill", napi_float64_array, "Float64Array").As<Napi::Float64Array>();
      if (f.ElementLength() != static_cast<size_t>(channels)) ThrowType(info.Env(), "affineNearest: expected one fill value per channel");
      fill = f.Data();
    }
    auto out = Napi::Buffer<uint8_t>::New(info.Env(), src.ByteLength());
    AffineNearest(src.Data(), width, height, channels, matrix.Data(), fill, out.Data());
    return out;
  });
}

Napi::Value ChannelHistogramsEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "channelHistograms";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const int channels = IntArg(info, 1, fn, "channels", 1, 3);
    const size_t pixels = PixelsOf(info, fn, src, channels);
    auto out = Napi::Uint32Array::New(info.Env(), static_cast<size_t>(256) * channels);
    ChannelHistograms(src.Data(), pixels, channels, out.Data());
    return out;
  });
}

Napi::Value MapChannelsEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "mapChannels";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const int channels = IntArg(info, 1, fn, "channels", 1, 3);
    const auto luts = TypedArg(info, 2, fn, "luts", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const size_t pixels = PixelsOf(info, fn, src, channels);
    if (luts.ByteLength() != static_cast<size_t>(256) * channels)
      ThrowType(info.Env(), "mapChannels: expected 256 table entries per channel in luts");
    auto out = Napi::Buffer<uint8_t>::New(info.Env(), src.ByteLength());
    MapChannels(src.Data(), pixels, channels, luts.Data(), out.Data());
    return out;
  });
}

Napi::Value WeightedBlendEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "weightedBlend";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    if (!info[1].IsArray()) ThrowType(info.Env(), "weightedBlend: expected an array of Uint8Arrays for chains");
    const auto list = info[1].As<Napi::Array>();
    const auto weights = TypedArg(info, 2, fn, "weights", napi_float32_array, "Float32Array").As<Napi::Float32Array>();
    if (weights.ElementLength() != list.Length() + 1)
      ThrowType(info.Env(), "weightedBlend: expected one weight for src and one per chain");
    std::vector<Napi::Uint8Array> keep;  // holds the chains' handles while their bytes are read
    std::vector<const uint8_t*> chains;
    for (uint32_t k = 0; k < list.Length(); k++) {
      const Napi::Value v = list.Get(k);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
          v.As<Napi::Uint8Array>().ByteLength() != src.ByteLength())
        ThrowType(info.Env(), "weightedBlend: expected every chain to be a Uint8Array of src's length");
      keep.push_back(v.As<Napi::Uint8Array>());
      chains.push_back(keep.back().Data());
    }
    auto out = Napi::Buffer<uint8_t>::New(info.Env(), src.ByteLength());
    WeightedBlend(src.Data(), chains.data(), chains.size(), weights.Data(), src.ByteLength(), out.Data());
    return out;
  });
}

}  // namespace cti
