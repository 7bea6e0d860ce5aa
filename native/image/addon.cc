// The image addon: JPEG decoding and pixel kernels for the data pipeline.
// It knows nothing of libtorch and holds no policy: TypeScript
// (src/data/native-image.ts) decides what to run, checks arguments and
// words the messages; here values are converted, checked for memory
// safety, and every C++ exception becomes a JS Error.
//
//   decodeJpeg(bytes, request) -> Promise<{ status, message, data, width, height }>
//     request: { channels, crop?: [left, top, width, height], minSize?: [width, height],
//                resize?: [width, height], cropAfterResize?: [left, top, width, height],
//                mirror?, colors?: Float64Array [op, factor, ...], maxPixels? }
//     Runs on libuv's thread pool: decode (+ crop, or at the smallest M/8 scale
//     covering minSize), resize (Pillow bilinear), mirror, colour steps.
//     cropAfterResize (with resize, without crop): only that crop of the resize
//     is computed, and only the source pixels it reads are decoded.
//     status: 'ok' | 'unsupported' | 'failed'; scale: M/8 the JPEG was decoded at.
//     Throws a TypeError on a malformed request (crop and minSize together included).
//   resampleBilinear(src, width, height, channels, outWidth, outHeight, mirror) -> Buffer
//   adjustColors(src, channels, steps: Float64Array) -> Buffer
//   adjustSharpness(src, width, height, channels, factor) -> Buffer
//   affineNearest(src, width, height, channels, matrix: Float64Array(6), fill: Float64Array | null) -> Buffer
//   affineBilinear(the same arguments) -> Buffer (warp.h)
//   channelHistograms(src, channels) -> Uint32Array(256 * channels)
//   mapChannels(src, channels, luts: Uint8Array(256 * channels)) -> Buffer
//   weightedBlend(src, chains: Uint8Array[], weights: Float32Array(1 + chains)) -> Buffer (AugMix's mix)
//   (the per-sample augmentation entries are in augment-entries.cc)
//   (every entry but decodeJpeg and writeThroughTableAsync is synchronous)
//   writeThroughTable(out: Float32Array, offset, src, pixels, channels, table: Float32Array, planar)
//   writeThroughTableAsync(...the same) -> Promise<void>: on the thread pool
//     out may also be a memory lease from the libtorch addon (native/memory-lease.h)
//   jpegLibraryVersion() -> string
#include <napi.h>

#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "../memory-lease.h"
#include "args.h"
#include "augment-entries.h"
#include "jpeg.h"
#include "kernels.h"
#include "warp.h"

namespace cti {

namespace {

std::vector<ColorStep> ParseSteps(Napi::Env env, const Napi::TypedArray& array, const char* fn) {
  const auto steps = array.As<Napi::Float64Array>();
  if (steps.ElementLength() % 2 != 0) ThrowType(env, std::string(fn) + ": expected colour steps as [op, factor] pairs");
  std::vector<ColorStep> out;
  for (size_t i = 0; i < steps.ElementLength(); i += 2) {
    const double op = steps[i];
    const double factor = steps[i + 1];
    if (!(op == 0 || op == 1 || op == 2 || op == 3))
      ThrowType(env, std::string(fn) + ": expected colour op 0, 1, 2 or 3, but got " + std::to_string(op));
    if (op == 3 && !(factor >= -0.5 && factor <= 0.5))
      ThrowType(env, std::string(fn) + ": expected a hue factor in [-0.5, 0.5], but got " + std::to_string(factor));
    if (op != 3 && !(factor >= 0 && std::isfinite(factor)))
      ThrowType(env, std::string(fn) + ": expected a finite colour factor >= 0, but got " + std::to_string(factor));
    out.push_back({static_cast<ColorOp>(static_cast<int>(op)), factor});
  }
  return out;
}


struct Plan {
  JpegRequest jpeg;
  bool resize = false;
  int width = 0, height = 0;
  bool keepCrop = false;  // cropAfterResize
  Window keep;
  bool mirror = false;
  std::vector<ColorStep> colors;
};

Plan ParsePlan(Napi::Env env, const Napi::Object& request) {
  const char* fn = "decodeJpeg";
  Plan plan;
  const Napi::Value channels = request.Get("channels");
  if (!channels.IsNumber() || (channels.As<Napi::Number>().Int32Value() != 1 && channels.As<Napi::Number>().Int32Value() != 3))
    ThrowType(env, "decodeJpeg: expected channels 1 or 3");
  plan.jpeg.channels = channels.As<Napi::Number>().Int32Value();
  auto box = [&](const char* key, int count, int* out) {
    const Napi::Value v = request.Get(key);
    if (v.IsUndefined() || v.IsNull()) return false;
    if (!v.IsArray() || v.As<Napi::Array>().Length() != static_cast<uint32_t>(count))
      ThrowType(env, std::string(fn) + ": expected " + key + " to be an array of " + std::to_string(count) + " integers");
    const auto a = v.As<Napi::Array>();
    for (int i = 0; i < count; i++) {
      const Napi::Value x = a.Get(static_cast<uint32_t>(i));
      const double d = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : -1;
      const int min = i < count - 2 ? 0 : 1;
      if (!(d >= min && d <= kMaxSide) || std::floor(d) != d)
        ThrowType(env, std::string(fn) + ": expected integers in [" + std::to_string(min) + ", 65536] in " + key);
      out[i] = static_cast<int>(d);
    }
    return true;
  };
  int crop[4];
  if (box("crop", 4, crop)) {
    plan.jpeg.crop = true;
    plan.jpeg.left = crop[0];
    plan.jpeg.top = crop[1];
    plan.jpeg.width = crop[2];
    plan.jpeg.height = crop[3];
  }
  int minSize[2];
  if (box("minSize", 2, minSize)) {
    if (plan.jpeg.crop) ThrowType(env, "decodeJpeg: expected minSize or crop, but got both");
    plan.jpeg.minWidth = minSize[0];
    plan.jpeg.minHeight = minSize[1];
  }
  int size[2];
  if (box("resize", 2, size)) {
    plan.resize = true;
    plan.width = size[0];
    plan.height = size[1];
  }
  int keep[4];
  if (box("cropAfterResize", 4, keep)) {
    if (!plan.resize || plan.jpeg.crop) ThrowType(env, "decodeJpeg: expected cropAfterResize with resize and without crop");
    if (keep[0] + keep[2] > plan.width || keep[1] + keep[3] > plan.height)
      ThrowType(env, "decodeJpeg: expected cropAfterResize inside the resize's " + std::to_string(plan.width) + "x" +
                         std::to_string(plan.height));
    plan.keepCrop = true;
    plan.keep = {keep[0], keep[1], keep[2], keep[3]};
  }
  plan.mirror = request.Get("mirror").ToBoolean().Value();
  const Napi::Value maxPixels = request.Get("maxPixels");
  if (maxPixels.IsNumber()) plan.jpeg.maxPixels = maxPixels.As<Napi::Number>().DoubleValue();
  const Napi::Value colors = request.Get("colors");
  if (!colors.IsUndefined() && !colors.IsNull()) {
    if (!colors.IsTypedArray() || colors.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      ThrowType(env, "decodeJpeg: expected colors to be a Float64Array");
    plan.colors = ParseSteps(env, colors.As<Napi::TypedArray>(), fn);
  }
  return plan;
}

// One decode on libuv's thread pool. The result goes straight into a Buffer
// made beforehand when its size is known (a resize or a crop); the decoded
// and intermediate pixels live in vectors reused by each pool thread.
class DecodeWorker : public Napi::AsyncWorker {
 public:
  DecodeWorker(Napi::Env env, Napi::Uint8Array bytes, Plan plan)
      : Napi::AsyncWorker(env, "decodeJpeg"), deferred_(Napi::Promise::Deferred::New(env)), plan_(std::move(plan)) {
    bytesRef_ = Napi::Persistent(bytes);
    data_ = bytes.Data();
    size_ = bytes.ByteLength();
    const int channels = plan_.jpeg.channels;
    size_t expected = 0;
    if (plan_.keepCrop) expected = static_cast<size_t>(plan_.keep.width) * plan_.keep.height * channels;
    else if (plan_.resize) expected = static_cast<size_t>(plan_.width) * plan_.height * channels;
    else if (plan_.jpeg.crop) expected = static_cast<size_t>(plan_.jpeg.width) * plan_.jpeg.height * channels;
    if (expected > 0) {
      auto out = Napi::Buffer<uint8_t>::New(env, expected);
      outRef_ = Napi::Persistent(out);
      out_ = out.Data();
      outSize_ = expected;
    }
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    thread_local std::vector<uint8_t> decoded;
    thread_local std::vector<uint8_t> scratch;
    if (plan_.keepCrop) return DecodeKept(&decoded, &scratch);
    result_ = DecodeJpeg(data_, size_, plan_.jpeg, &decoded);
    if (result_.status != JpegStatus::kOk) return;
    const int channels = plan_.jpeg.channels;
    const int width = plan_.resize ? plan_.width : result_.width;
    const int height = plan_.resize ? plan_.height : result_.height;
    const size_t bytes = static_cast<size_t>(width) * height * channels;
    uint8_t* target = out_;
    if (bytes != outSize_) {
      own_.resize(bytes);
      target = own_.data();
      out_ = nullptr;
    }
    if (plan_.resize && result_.scaleNum != 8) {
      // A scaled decode spans side * M / 8 source pixels (ceil(side * M / 8) columns): resample that span, as Pillow's
      // resize(box=...) after draft(), so the image does not shift by up to a pixel.
      const float box[2] = {static_cast<float>(result_.fullWidth * result_.scaleNum / 8.0),
                            static_cast<float>(result_.fullHeight * result_.scaleNum / 8.0)};
      ResampleBilinear(decoded.data(), result_.width, result_.height, channels, target, width, height, plan_.mirror, &scratch, box);
    } else if (width != result_.width || height != result_.height || plan_.mirror) {
      ResampleBilinear(decoded.data(), result_.width, result_.height, channels, target, width, height, plan_.mirror, &scratch);
    } else {
      std::memcpy(target, decoded.data(), bytes);
    }
    result_.width = width;
    result_.height = height;
    AdjustColors(target, static_cast<size_t>(width) * height, channels, plan_.colors);
  }

  // cropAfterResize: decodes only the source window the kept pixels read (known once the scale is),
  // resamples only those pixels, straight into the output.
  void DecodeKept(std::vector<uint8_t>* decoded, std::vector<uint8_t>* scratch) {
    BilinearCrop job;
    job.outWidth = plan_.width;
    job.outHeight = plan_.height;
    job.keep = plan_.keep;
    job.mirror = plan_.mirror;
    float box[2];
    JpegRequest request = plan_.jpeg;
    request.regionFor = [&](int width, int height, int scaleNum, int fullWidth, int fullHeight) {
      job.fullWidth = width;
      job.fullHeight = height;
      if (scaleNum != 8) {
        // A scaled decode spans side * M / 8 source pixels: resample that span (see Execute).
        box[0] = static_cast<float>(fullWidth * scaleNum / 8.0);
        box[1] = static_cast<float>(fullHeight * scaleNum / 8.0);
        job.box = box;
      }
      return BilinearSourceWindow(job);
    };
    result_ = DecodeJpeg(data_, size_, request, decoded);
    if (result_.status != JpegStatus::kOk) return;
    const int channels = plan_.jpeg.channels;
    const Window window{result_.left, result_.top, result_.width, result_.height};
    ResampleBilinearCrop(decoded->data(), window, channels, job, out_, scratch);
    result_.width = plan_.keep.width;
    result_.height = plan_.keep.height;
    AdjustColors(out_, static_cast<size_t>(result_.width) * result_.height, channels, plan_.colors);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    const char* status = result_.status == JpegStatus::kOk ? "ok" : result_.status == JpegStatus::kUnsupported ? "unsupported" : "failed";
    out.Set("status", status);
    out.Set("message", result_.message);
    if (result_.status == JpegStatus::kOk) {
      out.Set("data", out_ != nullptr ? outRef_.Value() : Napi::Buffer<uint8_t>::Copy(env, own_.data(), own_.size()));
      out.Set("width", result_.width);
      out.Set("height", result_.height);
      out.Set("scale", result_.scaleNum / 8.0);
    }
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Uint8Array> bytesRef_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  Plan plan_;
  Napi::Reference<Napi::Buffer<uint8_t>> outRef_;
  uint8_t* out_ = nullptr;
  size_t outSize_ = 0;
  std::vector<uint8_t> own_;
  JpegResult result_;
};

Napi::Value DecodeJpegEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    const auto bytes = TypedArg(info, 0, "decodeJpeg", "bytes", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    if (!info[1].IsObject()) ThrowType(env, "decodeJpeg: expected a request object");
    Plan plan = ParsePlan(env, info[1].As<Napi::Object>());
    auto* worker = new DecodeWorker(env, bytes, std::move(plan));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

Napi::Value ResampleEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "resampleBilinear";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const int width = IntArg(info, 1, fn, "width", 1, kMaxSide);
    const int height = IntArg(info, 2, fn, "height", 1, kMaxSide);
    const int channels = IntArg(info, 3, fn, "channels", 1, 3);
    const int outWidth = IntArg(info, 4, fn, "outWidth", 1, kMaxSide);
    const int outHeight = IntArg(info, 5, fn, "outHeight", 1, kMaxSide);
    const bool mirror = info[6].ToBoolean().Value();
    if (channels == 2) ThrowType(info.Env(), "resampleBilinear: expected 1 or 3 channels");
    if (src.ByteLength() != static_cast<size_t>(width) * height * channels)
      ThrowType(info.Env(), "resampleBilinear: expected width * height * channels bytes in src");
    auto out = Napi::Buffer<uint8_t>::New(info.Env(), static_cast<size_t>(outWidth) * outHeight * channels);
    ResampleBilinear(src.Data(), width, height, channels, out.Data(), outWidth, outHeight, mirror);
    return out;
  });
}

Napi::Value AdjustColorsEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value {
    const char* fn = "adjustColors";
    const auto src = TypedArg(info, 0, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
    const int channels = IntArg(info, 1, fn, "channels", 1, 3);
    if (channels == 2 || src.ByteLength() % channels != 0 || src.ByteLength() == 0)
      ThrowType(info.Env(), "adjustColors: expected 1 or 3 channels and a whole number of pixels");
    const std::vector<ColorStep> steps = ParseSteps(info.Env(), TypedArg(info, 2, fn, "steps", napi_float64_array, "Float64Array"), fn);
    auto out = Napi::Buffer<uint8_t>::Copy(info.Env(), src.Data(), src.ByteLength());
    AdjustColors(out.Data(), src.ByteLength() / channels, channels, steps);
    return out;
  });
}

// The same write on libuv's thread pool: the batch's pages are first touched there, not on the JS thread.
class WriteWorker : public Napi::AsyncWorker {
 public:
  WriteWorker(Napi::Env env, Napi::Object outOwner, ct::MemoryLease* lease, float* out, Napi::Uint8Array src, size_t pixels,
              int channels, Napi::Float32Array table, bool planar)
      : Napi::AsyncWorker(env, "writeThroughTable"),
        lease_(lease),
        deferred_(Napi::Promise::Deferred::New(env)),
        outRef_(Napi::Persistent(outOwner)),
        srcRef_(Napi::Persistent(src)),
        tableRef_(Napi::Persistent(table)),
        out_(out),
        src_(src.Data()),
        table_(table.Data()),
        pixels_(pixels),
        channels_(channels),
        planar_(planar) {
    if (lease_ != nullptr) lease_->borrowers++;
  }
  ~WriteWorker() override {
    if (lease_ != nullptr) lease_->borrowers--;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override { WriteThroughTable(out_, src_, pixels_, channels_, table_, planar_); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  ct::MemoryLease* lease_;  // counted as a borrower while this write lives
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Object> outRef_;  // the Float32Array or the lease External
  Napi::Reference<Napi::Uint8Array> srcRef_;
  Napi::Reference<Napi::Float32Array> tableRef_;
  float* out_;
  const uint8_t* src_;
  const float* table_;
  size_t pixels_;
  int channels_;
  bool planar_;
};

// `out` of writeThroughTable: a Float32Array, or a memory lease from the libtorch addon (float32 memory).
struct FloatTarget {
  float* data;
  size_t length;
  ct::MemoryLease* lease;  // null for a Float32Array
};

FloatTarget FloatTargetArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const Napi::Value v = info[i];
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    auto a = v.As<Napi::Float32Array>();
    return {a.Data(), a.ElementLength(), nullptr};
  }
  if (v.IsExternal() && v.As<Napi::External<ct::MemoryLease>>().CheckTypeTag(&ct::kMemoryLeaseTag)) {
    ct::MemoryLease* lease = v.As<Napi::External<ct::MemoryLease>>().Data();
    if (lease->data == nullptr) ThrowType(info.Env(), std::string(fn) + ": expected a live memory lease, but it was released");
    return {static_cast<float*>(lease->data), lease->bytes / sizeof(float), lease};
  }
  ThrowType(info.Env(), std::string(fn) + ": expected a Float32Array or a memory lease for out");
}

// Checks writeThroughTable's arguments; `async` queues the write on the thread pool and returns a Promise.
Napi::Value WriteThroughTableImpl(const Napi::CallbackInfo& info, bool async) {
  const char* fn = "writeThroughTable";
  const FloatTarget out = FloatTargetArg(info, 0, fn);
  const double offset = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  const auto src = TypedArg(info, 2, fn, "src", napi_uint8_array, "Uint8Array").As<Napi::Uint8Array>();
  const double pixels = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1;
  const int channels = IntArg(info, 4, fn, "channels", 1, 3);
  const auto table = TypedArg(info, 5, fn, "table", napi_float32_array, "Float32Array").As<Napi::Float32Array>();
  const bool planar = info[6].ToBoolean().Value();
  if (channels == 2) ThrowType(info.Env(), "writeThroughTable: expected 1 or 3 channels");
  if (!(offset >= 0 && std::floor(offset) == offset) || !(pixels >= 0 && std::floor(pixels) == pixels))
    ThrowType(info.Env(), "writeThroughTable: expected non-negative integers for offset and pixels");
  const double values = pixels * channels;
  if (src.ByteLength() < values || offset + values > out.length || table.ElementLength() < static_cast<size_t>(channels) * 256)
    ThrowType(info.Env(), "writeThroughTable: expected src, out and table large enough for the pixels");
  float* target = out.data + static_cast<size_t>(offset);
  if (async) {
    auto* worker =
        new WriteWorker(info.Env(), info[0].As<Napi::Object>(), out.lease, target, src, static_cast<size_t>(pixels), channels, table, planar);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }
  WriteThroughTable(target, src.Data(), static_cast<size_t>(pixels), channels, table.Data(), planar);
  return info.Env().Undefined();
}

Napi::Value WriteThroughTableEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) { return WriteThroughTableImpl(info, false); });
}

Napi::Value WriteThroughTableAsyncEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) { return WriteThroughTableImpl(info, true); });
}

Napi::Value JpegLibraryVersionEntry(const Napi::CallbackInfo& info) {
  return Guarded(info, [](const Napi::CallbackInfo& info) -> Napi::Value { return Napi::String::New(info.Env(), JpegLibraryVersion()); });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpegEntry, "decodeJpeg"));
  exports.Set("resampleBilinear", Napi::Function::New(env, ResampleEntry, "resampleBilinear"));
  exports.Set("adjustColors", Napi::Function::New(env, AdjustColorsEntry, "adjustColors"));
  exports.Set("adjustSharpness", Napi::Function::New(env, AdjustSharpnessEntry, "adjustSharpness"));
  exports.Set("affineNearest", Napi::Function::New(env, AffineNearestEntry, "affineNearest"));
  exports.Set("affineBilinear",
              Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return Guarded(info, AffineBilinearEntry); }, "affineBilinear"));
  exports.Set("channelHistograms", Napi::Function::New(env, ChannelHistogramsEntry, "channelHistograms"));
  exports.Set("weightedBlend", Napi::Function::New(env, WeightedBlendEntry, "weightedBlend"));
  exports.Set("mapChannels", Napi::Function::New(env, MapChannelsEntry, "mapChannels"));
  exports.Set("writeThroughTable", Napi::Function::New(env, WriteThroughTableEntry, "writeThroughTable"));
  exports.Set("writeThroughTableAsync", Napi::Function::New(env, WriteThroughTableAsyncEntry, "writeThroughTableAsync"));
  exports.Set("jpegLibraryVersion", Napi::Function::New(env, JpegLibraryVersionEntry, "jpegLibraryVersion"));
  return exports;
}

}  // namespace cti

static Napi::Object InitImageAddon(Napi::Env env, Napi::Object exports) { return cti::Init(env, exports); }

NODE_API_MODULE(classifier_training_image, InitImageAddon)
