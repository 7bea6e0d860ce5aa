#include "warp.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace cti {

namespace {

// Round half to even, clamped to a byte: the JavaScript warp's `toByte`.
// Clamped first (0 and 255 are integers, so the order does not matter), then
// (v + 2^52) - 2^52, which rounds v >= 0 half to even in the default mode.
inline uint8_t ToByte(double v) {
  const double kRound = 4503599627370496.0;
  v = v < 0 ? 0 : v > 255 ? 255 : v;
  return static_cast<uint8_t>((v + kRound) - kRound);
}

// Each byte value as a double: a load instead of a conversion in the inner loop.
struct ByteTable {
  double v[256];
  constexpr ByteTable() : v{} {
    for (int k = 0; k < 256; k++) v[k] = k;
  }
  constexpr double operator[](uint8_t k) const { return v[k]; }
};
constexpr ByteTable kByte;

// A pixel with one to three taps outside the image: the plain per-tap sum.
void EdgePixel(const uint8_t* src, int width, int height, int channels, double sx, double sy, const double* fill, uint8_t* d) {
  const double x0 = std::floor(sx), y0 = std::floor(sy);
  const double fx = sx - x0, fy = sy - y0;
  double acc[3] = {0, 0, 0};
  double mask = 0;
  for (int k = 0; k < 4; k++) {
    const double xx = x0 + (k & 1), yy = y0 + (k >> 1);
    if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
    const double wgt = ((k & 1) != 0 ? fx : 1 - fx) * ((k >> 1) != 0 ? fy : 1 - fy);
    mask += wgt;
    const uint8_t* s = src + (static_cast<size_t>(yy) * width + static_cast<size_t>(xx)) * channels;
    for (int c = 0; c < channels; c++) acc[c] += wgt * s[c];
  }
  for (int c = 0; c < channels; c++) d[c] = ToByte(fill == nullptr ? acc[c] : acc[c] * mask + (1 - mask) * fill[c]);
}

// A whole-pixel translation: every sampling point lands on a pixel centre,
// where the weights are 1 and 0, so the warp is a shifted copy.
void Shifted(const uint8_t* src, int width, int height, int channels, int dx, int dy, const uint8_t* outside, uint8_t* dst) {
  const size_t pixels = static_cast<size_t>(width) * height;
  for (size_t p = 0; p < pixels; p++) std::memcpy(dst + p * channels, outside, channels);
  const int x0 = dx < 0 ? -dx : 0;
  const int x1 = dx > 0 ? width - dx : width;
  if (x1 <= x0) return;
  const int i0 = dy < 0 ? -dy : 0;
  const int i1 = dy > 0 ? height - dy : height;
  for (int i = i0; i < i1; i++) {
    std::memcpy(dst + (static_cast<size_t>(i) * width + x0) * channels,
                src + (static_cast<size_t>(i + dy) * width + x0 + dx) * channels, static_cast<size_t>(x1 - x0) * channels);
  }
}

// The warp's rows for C channels, with or without a fill (no branch on either per pixel).
template <int C, bool Fill>
void WarpRows(const uint8_t* src, int width, int height, const double* matrix, const double* fill, const uint8_t* outside, uint8_t* dst) {
  // Locals: stores through dst (uint8_t may alias anything) would otherwise reload them per pixel.
  const double m0 = matrix[0], m1 = matrix[1], m2 = matrix[2], m3 = matrix[3], m4 = matrix[4], m5 = matrix[5];
  double fills[C];
  for (int c = 0; c < C; c++) fills[c] = Fill ? fill[c] : 0;
  const double w = width, h = height, halfW = width * 0.5, halfH = height * 0.5;
  const size_t row = static_cast<size_t>(width) * C;
  // A row's sampling coordinates first, in a loop of their own: the pixel loop
  // below is then no longer one long chain of dependent steps per pixel.
  std::vector<double> xs(width), sxs(width), sys(width);
  for (int j = 0; j < width; j++) xs[j] = j - halfW + 0.5;
  for (int i = 0; i < height; i++) {
    const double y = i - halfH + 0.5;
    const double ry = m1 * y, ryy = m4 * y;
    for (int j = 0; j < width; j++) {
      sxs[j] = static_cast<double>(static_cast<float>(m0 * xs[j] + ry + m2)) + halfW - 0.5;
      sys[j] = static_cast<double>(static_cast<float>(m3 * xs[j] + ryy + m5)) + halfH - 0.5;
    }
    uint8_t* d = dst + static_cast<size_t>(i) * row;
    for (int j = 0; j < width; j++, d += C) {
      const double sx = sxs[j], sy = sys[j];
      // No tap inside (floor(sx) < -1 or >= w, likewise sy; a NaN too): the fill, or 0 without one.
      if (!(sx >= -1 && sx < w && sy >= -1 && sy < h)) {
        for (int c = 0; c < C; c++) d[c] = outside[c];
        continue;
      }
      // floor, now that the coordinates fit an int.
      const int xt = static_cast<int>(sx), yt = static_cast<int>(sy);
      const int x0 = xt - (sx < xt ? 1 : 0), y0 = yt - (sy < yt ? 1 : 0);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) {
        EdgePixel(src, width, height, C, sx, sy, fill, d);
        continue;
      }
      const double fx = sx - x0, fy = sy - y0;
      const double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const uint8_t* s = src + (static_cast<size_t>(y0) * width + x0) * C;
      const double mask = Fill ? w00 + w01 + w10 + w11 : 1;
      for (int c = 0; c < C; c++) {
        const double v = w00 * kByte[s[c]] + w01 * kByte[s[c + C]] + w10 * kByte[s[c + row]] + w11 * kByte[s[c + row + C]];
        d[c] = ToByte(Fill ? v * mask + (1 - mask) * fills[c] : v);
      }
    }
  }
}

}  // namespace

bool ShiftedWarp(const uint8_t* src, int width, int height, int channels, const double* m, const uint8_t* outside, uint8_t* dst) {
  // Whole-pixel offsets below 2^20 keep every sampling coordinate exact in float32.
  const double kShiftLimit = 1048576.0;
  if (!(m[0] == 1 && m[1] == 0 && m[3] == 0 && m[4] == 1 && std::floor(m[2]) == m[2] && std::floor(m[5]) == m[5] &&
        std::fabs(m[2]) < kShiftLimit && std::fabs(m[5]) < kShiftLimit))
    return false;
  // An offset past the image leaves nothing to copy; clamped, it still fits an int.
  const double dx = std::fmax(-width, std::fmin(width, m[2])), dy = std::fmax(-height, std::fmin(height, m[5]));
  Shifted(src, width, height, channels, static_cast<int>(dx), static_cast<int>(dy), outside, dst);
  return true;
}

void AffineBilinear(const uint8_t* src, int width, int height, int channels, const double* m, const double* fill, uint8_t* dst) {
  uint8_t outside[3] = {0, 0, 0};
  if (fill != nullptr)
    for (int c = 0; c < channels; c++) outside[c] = ToByte(fill[c]);
  if (ShiftedWarp(src, width, height, channels, m, outside, dst)) return;
  const auto rows = channels == 3 ? (fill == nullptr ? WarpRows<3, false> : WarpRows<3, true>)
                                   : (fill == nullptr ? WarpRows<1, false> : WarpRows<1, true>);
  rows(src, width, height, m, fill, outside, dst);
}

namespace {

[[noreturn]] void Bad(Napi::Env env, const std::string& what) { throw Napi::TypeError::New(env, "affineBilinear: expected " + what); }

int SideArg(const Napi::CallbackInfo& info, size_t i, const char* name, int max) {
  const bool number = info[i].IsNumber();
  const double v = number ? info[i].As<Napi::Number>().DoubleValue() : NAN;
  if (!(v >= 1 && v <= max) || std::floor(v) != v)
    Bad(info.Env(), "an integer in [1, " + std::to_string(max) + "] for " + name + ", but got " +
                        (number ? std::to_string(v) : std::string("a value of type ") + (info[i].IsString() ? "string" : "non-number")));
  return static_cast<int>(v);
}

// A Float64Array of `count` finite values.
const double* FiniteArg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t count) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    Bad(info.Env(), std::string("a Float64Array for ") + name);
  const auto a = v.As<Napi::Float64Array>();
  if (a.ElementLength() != count)
    Bad(info.Env(), std::to_string(count) + " values in " + name + ", but got " + std::to_string(a.ElementLength()));
  for (size_t k = 0; k < count; k++)
    if (!std::isfinite(a[k])) Bad(info.Env(), std::string("finite values in ") + name + ", but got " + std::to_string(a[k]));
  return a.Data();
}

}  // namespace

Napi::Value AffineBilinearEntry(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    Bad(env, "a Uint8Array for src");
  const auto src = info[0].As<Napi::Uint8Array>();
  const int width = SideArg(info, 1, "width", 1 << 16);
  const int height = SideArg(info, 2, "height", 1 << 16);
  const int channels = SideArg(info, 3, "channels", 3);
  if (channels == 2) Bad(env, "1 or 3 channels, but got 2");
  const size_t bytes = static_cast<size_t>(width) * height * channels;
  if (src.ByteLength() != bytes)
    Bad(env, "width * height * channels = " + std::to_string(bytes) + " bytes in src, but got " + std::to_string(src.ByteLength()));
  const double* m = FiniteArg(info, 4, "matrix", 6);
  const double* fill = info[5].IsNull() || info[5].IsUndefined() ? nullptr : FiniteArg(info, 5, "fill", channels);
  auto out = Napi::Buffer<uint8_t>::New(env, bytes);
  AffineBilinear(src.Data(), width, height, channels, m, fill, out.Data());
  return out;
}

}  // namespace cti
