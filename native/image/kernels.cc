// See kernels.h (the bilinear resize is in resize.cc). Floating-point code
// here must round exactly as the reference does: the build passes
// -ffp-contract=off (no fused multiply-add).
#include "kernels.h"
#include "warp.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cti {

namespace {

// torchvision's grey value of a uint8 pixel in float32: (0.2989 r + 0.587 g + 0.114 b), truncated.
// The products come from tables of the same float32 values.
struct GreyTables {
  float r[256], g[256], b[256];
  GreyTables() {
    for (int v = 0; v < 256; v++) {
      r[v] = 0.2989f * static_cast<float>(v);
      g[v] = 0.587f * static_cast<float>(v);
      b[v] = 0.114f * static_cast<float>(v);
    }
  }
};
const GreyTables kGrey;

inline int Grey(int r, int g, int b) { return static_cast<int>((kGrey.r[r] + kGrey.g[g]) + kGrey.b[b]); }

// clamp to [0, 255], then truncate; truncating first and clamping the integer gives the same
// value and compiles to conditional moves instead of branches.
inline uint8_t Clamp255(float v) {
  int i = static_cast<int>(v);
  i = i < 0 ? 0 : i;
  return static_cast<uint8_t>(i > 255 ? 255 : i);
}

// data[i] = lut[data[i]], eight bytes per load and store.
void MapBytes(uint8_t* data, size_t n, const uint8_t* lut) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    uint64_t o = 0;
    for (int b = 0; b < 8; b++) o |= static_cast<uint64_t>(lut[(w >> (8 * b)) & 255]) << (8 * b);
    std::memcpy(data + i, &o, 8);
  }
  for (; i < n; i++) data[i] = lut[data[i]];
}

// The blend with a constant partner: clamp(f32(f32(ratio * a) + f32((1 - ratio) * other))), for every a.
void BlendTable(double ratio, double other, uint8_t* lut) {
  const float r = static_cast<float>(ratio);
  const float qb = static_cast<float>(1.0 - ratio) * static_cast<float>(other);
  for (int a = 0; a < 256; a++) lut[a] = Clamp255(r * static_cast<float>(a) + qb);
}

// float32 mean of the grey values of lut(data) (the contrast blend partner).
double MeanGrey(const uint8_t* data, size_t pixels, int channels, const uint8_t* lut) {
  uint64_t sum = 0;
  if (channels == 1) {
    for (size_t i = 0; i < pixels; i++) sum += lut[data[i]];
  } else {
    for (size_t i = 0, j = 0; i < pixels; i++, j += 3) sum += Grey(lut[data[j]], lut[data[j + 1]], lut[data[j + 2]]);
  }
  return static_cast<float>(static_cast<double>(sum) / static_cast<double>(pixels));
}

// Saturation of pre(data), written as post(result), in place; returns the grey sum of what it
// wrote when kSum. Instantiated per case so the identity tables cost nothing.
template <bool kPre, bool kPost, bool kSum>
uint64_t SaturatePass(uint8_t* data, size_t pixels, const float* scaled, const float* partner, const uint8_t* pre,
                      const uint8_t* post) {
  uint64_t sum = 0;
  for (size_t i = 0, j = 0; i < pixels; i++, j += 3) {
    const int r0 = kPre ? pre[data[j]] : data[j];
    const int g0 = kPre ? pre[data[j + 1]] : data[j + 1];
    const int b0 = kPre ? pre[data[j + 2]] : data[j + 2];
    const float m = partner[Grey(r0, g0, b0)];
    uint8_t r1 = Clamp255(scaled[r0] + m), g1 = Clamp255(scaled[g0] + m), b1 = Clamp255(scaled[b0] + m);
    if (kPost) {
      r1 = post[r1];
      g1 = post[g1];
      b1 = post[b1];
    }
    data[j] = r1;
    data[j + 1] = g1;
    data[j + 2] = b1;
    if (kSum) sum += Grey(r1, g1, b1);
  }
  return sum;
}

uint64_t Saturate(uint8_t* data, size_t pixels, double ratio, const uint8_t* pre, const uint8_t* post, bool sumGrey) {
  const float r = static_cast<float>(ratio);
  const float q = static_cast<float>(1.0 - ratio);
  float scaled[256], partner[256];
  for (int x = 0; x < 256; x++) {
    scaled[x] = r * static_cast<float>(x);
    partner[x] = q * static_cast<float>(x);
  }
  const int which = (pre != nullptr ? 4 : 0) | (post != nullptr ? 2 : 0) | (sumGrey ? 1 : 0);
  switch (which) {
    case 0: return SaturatePass<false, false, false>(data, pixels, scaled, partner, pre, post);
    case 1: return SaturatePass<false, false, true>(data, pixels, scaled, partner, pre, post);
    case 2: return SaturatePass<false, true, false>(data, pixels, scaled, partner, pre, post);
    case 3: return SaturatePass<false, true, true>(data, pixels, scaled, partner, pre, post);
    case 4: return SaturatePass<true, false, false>(data, pixels, scaled, partner, pre, post);
    case 5: return SaturatePass<true, false, true>(data, pixels, scaled, partner, pre, post);
    case 6: return SaturatePass<true, true, false>(data, pixels, scaled, partner, pre, post);
    default: return SaturatePass<true, true, true>(data, pixels, scaled, partner, pre, post);
  }
}

// lut = outer(lut): composes a table onto the pending one.
void Compose(uint8_t* lut, const uint8_t* outer) {
  for (int a = 0; a < 256; a++) lut[a] = outer[lut[a]];
}

}  // namespace

namespace {

inline uint8_t Clip8Int(int v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// std::round for y >= 0 (half away from zero), without the libm call: y - trunc(y) is exact.
inline int RoundHalfUp(double y) {
  const int k = static_cast<int>(y);
  return y - k >= 0.5 ? k + 1 : k;
}

// Pillow's rgb2hsv_row: H and S in float, with double intermediates where its C promotes.
// fmod(x, 1.0) for x in [5/6, 2) is x - 1 when x >= 1, exactly.
inline void RgbToHsvPil(int r, int g, int b, int maxc, int* h, int* s) {
  const int minc = std::min(r, std::min(g, b));
  if (minc == maxc) {
    *h = 0;
    *s = 0;
    return;
  }
  const float cr = static_cast<float>(maxc - minc);
  const float sf = cr / static_cast<float>(maxc);
  const float rc = static_cast<float>(maxc - r) / cr;
  const float gc = static_cast<float>(maxc - g) / cr;
  const float bc = static_cast<float>(maxc - b) / cr;
  float hf;
  if (r == maxc) {
    hf = bc - gc;
  } else if (g == maxc) {
    hf = static_cast<float>(2.0 + rc - bc);
  } else {
    hf = static_cast<float>(4.0 + gc - rc);
  }
  const double x = hf / 6.0 + 1.0;
  hf = static_cast<float>(x >= 1.0 ? x - 1.0 : x);
  *h = Clip8Int(static_cast<int>(hf * 255.0));
  *s = Clip8Int(static_cast<int>(sf * 255.0));
}

// Pillow's hsv2rgb's per-H and per-S values: the sector i = floor(h * 6 / 255), its remainder f,
// and fs = s / 255, each computed as Pillow computes it.
struct HsvTables {
  int sector[256];
  float rest[256], fs[256];
  HsvTables() {
    for (int v = 0; v < 256; v++) {
      sector[v] = static_cast<int>(std::floor(static_cast<float>(v) * 6.0 / 255.0));
      rest[v] = static_cast<float>(static_cast<float>(v) * 6.0 / 255.0 - static_cast<float>(sector[v]));
      fs[v] = static_cast<float>(static_cast<float>(v) / 255.0);
    }
  }
};
const HsvTables kHsv;

// Pillow's hsv2rgb for one pixel (s > 0).
inline void HsvToRgbPil(int h, int s, int v, uint8_t* out) {
  const float f = kHsv.rest[h];
  const float fs = kHsv.fs[s];
  const double vd = static_cast<float>(v);
  const uint8_t p = Clip8Int(RoundHalfUp(vd * (1.0 - fs)));
  const uint8_t q = Clip8Int(RoundHalfUp(vd * (1.0 - fs * f)));
  const uint8_t t = Clip8Int(RoundHalfUp(vd * (1.0 - fs * (1.0 - f))));
  const uint8_t vv = static_cast<uint8_t>(v);
  switch (kHsv.sector[h]) {
    case 0: case 6: out[0] = vv, out[1] = t, out[2] = p; break;
    case 1: out[0] = q, out[1] = vv, out[2] = p; break;
    case 2: out[0] = p, out[1] = vv, out[2] = t; break;
    case 3: out[0] = p, out[1] = q, out[2] = vv; break;
    case 4: out[0] = t, out[1] = p, out[2] = vv; break;
    default: out[0] = vv, out[1] = p, out[2] = q; break;
  }
}

}  // namespace

void ShiftHue(uint8_t* rgb, size_t pixels, double factor) {
  // numpy's np.uint8(factor * 255): truncated toward zero, then wrapped.
  const int shift = ((static_cast<int>(factor * 255.0) % 256) + 256) % 256;
  for (size_t j = 0; j < pixels * 3; j += 3) {
    int h, s;
    const int maxc = std::max(rgb[j], std::max(rgb[j + 1], rgb[j + 2]));
    RgbToHsvPil(rgb[j], rgb[j + 1], rgb[j + 2], maxc, &h, &s);
    if (s == 0) continue;  // grey: V in every channel, which it already is
    HsvToRgbPil((h + shift) & 255, s, maxc, rgb + j);
  }
}

// AdjustSharpness's interior values [lo, hi) of one row `s` (C channels, rows of `row` bytes):
// the smoothing rounded half to even, then f32(r * v) + f32(q * blurred), the tables' values
// computed in place (a loop without lookups, which the compiler vectorizes).
template <int C>
void SharpenInterior(const uint8_t* s, size_t row, size_t lo, size_t hi, float r, float q, uint8_t* d) {
  const double k1 = static_cast<float>(1.0 / 13.0);
  const double k5 = static_cast<float>(5.0 / 13.0);
  const double kRound = 4503599627370496.0;  // 2^52: (v + 2^52) - 2^52 rounds v >= 0 half to even
  const uint8_t* up = s - row;
  const uint8_t* down = s + row;
  for (size_t i = lo; i < hi; i++) {
    const int ring = up[i - C] + up[i] + up[i + C] + s[i - C] + s[i + C] + down[i - C] + down[i] + down[i + C];
    const double v = ring * k1 + s[i] * k5;
    int blurred = static_cast<int>((v + kRound) - kRound);
    blurred = blurred > 255 ? 255 : blurred;
    d[i] = Clamp255(r * static_cast<float>(s[i]) + q * static_cast<float>(blurred));
  }
}

void AdjustSharpness(const uint8_t* src, int width, int height, int channels, double factor, uint8_t* dst) {
  const size_t row = static_cast<size_t>(width) * channels;
  if (width <= 2 || height <= 2) {
    std::memcpy(dst, src, row * height);
    return;
  }
  // The blend's products as tables of the same float32 values: f32(f32(r * a) + f32(q * b)).
  const float r = static_cast<float>(factor);
  const float q = static_cast<float>(1.0 - factor);
  float scaled[256], partner[256];
  for (int x = 0; x < 256; x++) {
    scaled[x] = r * static_cast<float>(x);
    partner[x] = q * static_cast<float>(x);
  }
  for (int y = 0; y < height; y++) {
    const uint8_t* s = src + y * row;
    uint8_t* d = dst + y * row;
    // The border (first and last rows, first and last pixels) keeps its values: the interior is [lo, hi).
    const bool edgeRow = y == 0 || y == height - 1;
    const size_t lo = edgeRow ? row : channels, hi = edgeRow ? row : row - channels;
    for (size_t i = 0; i < lo; i++) d[i] = Clamp255(scaled[s[i]] + partner[s[i]]);
    if (channels == 3)
      SharpenInterior<3>(s, row, lo, hi, r, q, d);
    else
      SharpenInterior<1>(s, row, lo, hi, r, q, d);
    for (size_t i = hi; i < row; i++) d[i] = Clamp255(scaled[s[i]] + partner[s[i]]);
  }
}

void AffineNearest(const uint8_t* src, int width, int height, int channels, const double* m, const double* fill, uint8_t* dst) {
  uint8_t outside[3] = {0, 0, 0};
  if (fill != nullptr) {
    for (int c = 0; c < channels; c++) {
      const double v = std::nearbyint(fill[c]);
      outside[c] = static_cast<uint8_t>(v <= 0 ? 0 : v >= 255 ? 255 : v);
    }
  }
  // A whole-pixel translation samples pixel centres only: nearbyint changes nothing, a shifted copy.
  if (ShiftedWarp(src, width, height, channels, m, outside, dst)) return;
  const double halfW = width * 0.5, halfH = height * 0.5;
  const double limit = 1e9;  // past this (a degenerate matrix) a coordinate is outside any image
  const double kRoundMagic = 6755399441055744.0;
  for (int i = 0; i < height; i++) {
    const double y = i - halfH + 0.5;
    const double ry = m[1] * y, sy0 = m[4] * y;
    for (int j = 0; j < width; j++) {
      const double x = j - halfW + 0.5;
      const double sx = static_cast<double>(static_cast<float>(m[0] * x + ry + m[2])) + halfW - 0.5;
      const double sy = static_cast<double>(static_cast<float>(m[3] * x + sy0 + m[5])) + halfH - 0.5;
      uint8_t* d = dst + (static_cast<size_t>(i) * width + j) * channels;
      const bool finite = sx > -limit && sx < limit && sy > -limit && sy < limit;
      // nearbyint (round half to even) as (v + M) - M, M = 1.5 * 2^52: exact for |v| < 2^51, no libm call.
      const double xx = finite ? (sx + kRoundMagic) - kRoundMagic : -1;
      const double yy = finite ? (sy + kRoundMagic) - kRoundMagic : -1;
      if (xx >= 0 && yy >= 0 && xx < width && yy < height) {
        const uint8_t* s = src + (static_cast<size_t>(yy) * width + static_cast<size_t>(xx)) * channels;
        for (int c = 0; c < channels; c++) d[c] = s[c];
      } else {
        for (int c = 0; c < channels; c++) d[c] = outside[c];
      }
    }
  }
}

void ChannelHistograms(const uint8_t* src, size_t pixels, int channels, uint32_t* hist) {
  std::memset(hist, 0, sizeof(uint32_t) * 256 * channels);
  if (channels == 1) {
    for (size_t i = 0; i < pixels; i++) hist[src[i]]++;
    return;
  }
  for (size_t i = 0, j = 0; i < pixels; i++, j += 3) {
    hist[src[j]]++;
    hist[256 + src[j + 1]]++;
    hist[512 + src[j + 2]]++;
  }
}

void WeightedBlend(const uint8_t* src, const uint8_t* const* chains, size_t count, const float* w, size_t n, uint8_t* dst) {
  std::vector<float> acc(n);
  for (size_t i = 0; i < n; i++) acc[i] = w[0] * static_cast<float>(src[i]);
  // One chain at a time over the whole image: the same sums in the same order, in cache-friendly passes.
  for (size_t k = 0; k < count; k++) {
    const uint8_t* c = chains[k];
    const float wk = w[1 + k];
    for (size_t i = 0; i < n; i++) acc[i] = acc[i] + wk * static_cast<float>(c[i]);
  }
  // Truncated toward zero, then taken modulo 256 as a Uint8Array store does (the sums stay below 256).
  for (size_t i = 0; i < n; i++) dst[i] = static_cast<uint8_t>(static_cast<int32_t>(acc[i]));
}

void MapChannels(const uint8_t* src, size_t pixels, int channels, const uint8_t* luts, uint8_t* dst) {
  if (channels == 1) {
    for (size_t i = 0; i < pixels; i++) dst[i] = luts[src[i]];
    return;
  }
  for (size_t j = 0; j < pixels * 3; j += 3) {
    dst[j] = luts[src[j]];
    dst[j + 1] = luts[256 + src[j + 1]];
    dst[j + 2] = luts[512 + src[j + 2]];
  }
}

// Brightness and contrast are tables (their blend partner is a constant), so a run of them
// composes into one table, applied while the next pass reads; saturation needs each pixel's
// grey value and runs per pixel, with the pending table applied on read and the brightness
// steps right after it applied before the write; contrast needs the mean grey value of the
// image as it stands, summed in the pass that makes it when there is one. At most two passes
// over the pixels in the common cases, the bytes of running the steps one by one.
void AdjustColors(uint8_t* data, size_t pixels, int channels, const std::vector<ColorStep>& steps) {
  uint8_t pending[256], post[256], step[256];
  for (int a = 0; a < 256; a++) pending[a] = static_cast<uint8_t>(a);
  bool hasPending = false;
  double knownMean = -1;  // the mean grey of pending(data) when the last pass summed it
  for (size_t k = 0; k < steps.size(); k++) {
    const ColorStep& s = steps[k];
    if (s.op == ColorOp::kBrightness) {
      BlendTable(s.factor, 0.0, step);
      Compose(pending, step);
      hasPending = true;
    } else if (s.op == ColorOp::kContrast) {
      const double mean = knownMean >= 0 ? knownMean : MeanGrey(data, pixels, channels, pending);
      knownMean = -1;
      BlendTable(s.factor, mean, step);
      Compose(pending, step);
      hasPending = true;
    } else if (s.op == ColorOp::kHue) {
      if (channels != 3) continue;
      if (hasPending) MapBytes(data, pixels * channels, pending);
      for (int a = 0; a < 256; a++) pending[a] = static_cast<uint8_t>(a);
      hasPending = false;
      knownMean = -1;
      ShiftHue(data, pixels, s.factor);
    } else if (channels == 3) {
      for (int a = 0; a < 256; a++) post[a] = static_cast<uint8_t>(a);
      size_t next = k + 1;
      for (; next < steps.size() && steps[next].op == ColorOp::kBrightness; next++) {
        BlendTable(steps[next].factor, 0.0, step);
        Compose(post, step);
      }
      const bool sumGrey = next < steps.size() && steps[next].op == ColorOp::kContrast;
      const uint64_t sum =
          Saturate(data, pixels, s.factor, hasPending ? pending : nullptr, next > k + 1 ? post : nullptr, sumGrey);
      knownMean = sumGrey ? static_cast<float>(static_cast<double>(sum) / static_cast<double>(pixels)) : -1;
      for (int a = 0; a < 256; a++) pending[a] = static_cast<uint8_t>(a);
      hasPending = false;
      k = next - 1;
    }
  }
  if (hasPending) MapBytes(data, pixels * channels, pending);
}

void WriteThroughTable(float* out, const uint8_t* src, size_t pixels, int channels, const float* table, bool planar) {
  if (channels == 1) {
    for (size_t p = 0; p < pixels; p++) out[p] = table[src[p]];
  } else if (planar) {
    float* g = out + pixels;
    float* b = g + pixels;
    for (size_t p = 0, j = 0; p < pixels; p++, j += 3) {
      out[p] = table[src[j]];
      g[p] = table[256 + src[j + 1]];
      b[p] = table[512 + src[j + 2]];
    }
  } else {
    for (size_t j = 0; j < pixels * 3; j += 3) {
      out[j] = table[src[j]];
      out[j + 1] = table[256 + src[j + 1]];
      out[j + 2] = table[512 + src[j + 2]];
    }
  }
}

void RgbToLuma(const uint8_t* rgb, size_t pixels, uint8_t* out) {
  for (size_t i = 0, j = 0; i < pixels; i++, j += 3)
    out[i] = static_cast<uint8_t>((rgb[j] * 19595 + rgb[j + 1] * 38470 + rgb[j + 2] * 7471 + 0x8000) >> 16);
}

}  // namespace cti
