// See kernels.h. Floating-point code here must round exactly as the
// reference does: the build passes -ffp-contract=off (no fused multiply-add).
#include "kernels.h"
#include "warp.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cti {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS

struct Coefficients {
  int taps = 0;
  std::vector<int> start;    // first source index per output index
  std::vector<int> count;    // source indices used per output index
  std::vector<int32_t> weights;  // taps per output index, fixed point
};

double Triangle(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Pillow's precompute_coeffs (bilinear filter, box = [0, extent) of the axis; Pillow's box is in float)
// and normalize_coeffs_8bpc, for the `count` output indices from `first` (entry i is output first + i),
// with each start index less `origin` (the first source index the caller holds).
Coefficients BilinearCoefficients(int inSize, int outSize, float extent, int first, int count, int origin) {
  Coefficients k;
  const double scale = static_cast<double>(extent) / outSize;
  const double filterScale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterScale;
  k.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  k.start.resize(count);
  k.count.resize(count);
  k.weights.assign(static_cast<size_t>(count) * k.taps, 0);
  std::vector<double> w(k.taps);
  for (int i = 0; i < count; i++) {
    const int xx = first + i;
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterScale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    double total = 0.0;
    for (int x = 0; x < xmax; x++) {
      w[x] = Triangle((x + xmin - center + 0.5) * ss);
      total += w[x];
    }
    for (int x = 0; x < xmax; x++) {
      const double v = total != 0.0 ? w[x] / total : w[x];
      k.weights[static_cast<size_t>(i) * k.taps + x] =
          v < 0 ? static_cast<int>(-0.5 + v * (1 << kPrecisionBits)) : static_cast<int>(0.5 + v * (1 << kPrecisionBits));
    }
    k.start[i] = xmin - origin;
    k.count[i] = xmax;
  }
  return k;
}

inline uint8_t Clip8(int sum) {
  const int v = sum >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// One 3-channel output pixel of the horizontal pass. Bilinear weights are never negative and
// sum to ~2^22, so a channel's sum stays below 2^31: red and blue share one 64-bit accumulator
// (blue in the high half, no carry can cross), two multiplies per tap instead of three.
template <int N>
inline void Taps3(const uint8_t* s, const int32_t* w, int n, uint8_t* d) {
  const int count = N > 0 ? N : n;
  uint64_t rb = (uint64_t{1} << (kPrecisionBits - 1)) | (uint64_t{1} << (kPrecisionBits - 1 + 32));
  uint32_t g = 1u << (kPrecisionBits - 1);
  for (int t = 0; t < count; t++) {
    const uint64_t wt = static_cast<uint32_t>(w[t]);
    rb += (s[3 * t] | (static_cast<uint64_t>(s[3 * t + 2]) << 32)) * wt;
    g += s[3 * t + 1] * static_cast<uint32_t>(wt);
  }
  d[0] = Clip8(static_cast<int>(rb & 0xffffffffu));
  d[1] = Clip8(static_cast<int>(g));
  d[2] = Clip8(static_cast<int>(rb >> 32));
}

inline void TapsN3(const uint8_t* s, const int32_t* w, int n, uint8_t* d) {
  switch (n) {
    case 1: return Taps3<1>(s, w, n, d);
    case 2: return Taps3<2>(s, w, n, d);
    case 3: return Taps3<3>(s, w, n, d);
    case 4: return Taps3<4>(s, w, n, d);
    case 5: return Taps3<5>(s, w, n, d);
    case 6: return Taps3<6>(s, w, n, d);
    case 7: return Taps3<7>(s, w, n, d);
    case 8: return Taps3<8>(s, w, n, d);
    default: return Taps3<0>(s, w, n, d);
  }
}

#if defined(__x86_64__)
// One 3-channel row with SSE4.1 (every x86-64 CPU since 2008; checked at run time): each tap
// loads one pixel as 4 bytes (R, G, B and the next byte), widens it to four int32 lanes and adds
// weight * pixel, the fourth lane ignored; the same integer sums as the scalar code, then the
// same shift and clamp (saturating packs). A pixel whose 4-byte load would reach `end` (the
// first byte not to read) takes the scalar path.
__attribute__((target("sse4.1"))) void HorizontalRow3Sse41(const uint8_t* row, const uint8_t* end, uint8_t* out, int outWidth,
                                                            const Coefficients& k, bool mirror) {
  const __m128i half = _mm_set1_epi32(1 << (kPrecisionBits - 1));
  for (int o = 0; o < outWidth; o++) {
    const int32_t* w = &k.weights[static_cast<size_t>(o) * k.taps];
    const uint8_t* s = row + static_cast<size_t>(k.start[o]) * 3;
    const int n = k.count[o];
    uint8_t* d = out + static_cast<size_t>(mirror ? outWidth - 1 - o : o) * 3;
    if (s + 3 * n + 1 > end) {
      TapsN3(s, w, n, d);
      continue;
    }
    __m128i acc = half;
    for (int t = 0; t < n; t++) {
      int32_t px;
      std::memcpy(&px, s + 3 * t, 4);
      acc = _mm_add_epi32(acc, _mm_mullo_epi32(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(px)), _mm_set1_epi32(w[t])));
    }
    const __m128i shifted = _mm_srai_epi32(acc, kPrecisionBits);
    const __m128i words = _mm_packs_epi32(shifted, shifted);
    const uint32_t bytes = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm_packus_epi16(words, words)));
    d[0] = static_cast<uint8_t>(bytes);
    d[1] = static_cast<uint8_t>(bytes >> 8);
    d[2] = static_cast<uint8_t>(bytes >> 16);
  }
}

const bool kHaveSse41 = __builtin_cpu_supports("sse4.1");
const bool kHaveAvx2 = __builtin_cpu_supports("avx2");

// The taps of every output of a 3-channel row, two at a time for AVX2: each output's taps are
// zero-padded to 2 * pairs, and each pair's weights spread as {w0 x4, w1 x4}, one per int32 lane
// of the two pixels it multiplies. A zero weight adds nothing, so the sums stay the scalar ones.
struct PairedTaps {
  int pairs = 0;
  std::vector<int32_t> weights;  // outputs * pairs * 8
};

PairedTaps PairTaps(const Coefficients& k, int outWidth) {
  PairedTaps p;
  for (int o = 0; o < outWidth; o++) p.pairs = std::max(p.pairs, (k.count[o] + 1) / 2);
  p.weights.assign(static_cast<size_t>(outWidth) * p.pairs * 8, 0);
  for (int o = 0; o < outWidth; o++) {
    int32_t* w = &p.weights[static_cast<size_t>(o) * p.pairs * 8];
    for (int t = 0; t < k.count[o]; t++)
      for (int c = 0; c < 3; c++) w[(t / 2) * 8 + (t % 2) * 4 + c] = k.weights[static_cast<size_t>(o) * k.taps + t];
  }
  return p;
}

// One 3-channel row with AVX2, P pairs of taps per output: each pair loads 8 bytes (two pixels and
// two more), spreads the two pixels to four int32 lanes each (R, G, B, 0), multiplies by the
// pair's weights and adds; the two halves then add into one pixel's sums, and the shift and clamp
// are SSE4.1's. An output whose 8-byte loads would reach `end` takes the scalar path.
template <int P>
__attribute__((target("avx2"))) void HorizontalRow3Avx2(const uint8_t* row, const uint8_t* end, uint8_t* out, int outWidth,
                                                        const Coefficients& k, const PairedTaps& paired, bool mirror) {
  const __m128i half = _mm_set1_epi32(1 << (kPrecisionBits - 1));
  const __m128i spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  for (int o = 0; o < outWidth; o++) {
    const uint8_t* s = row + static_cast<size_t>(k.start[o]) * 3;
    uint8_t* d = out + static_cast<size_t>(mirror ? outWidth - 1 - o : o) * 3;
    if (s + 6 * P + 2 > end) {
      TapsN3(s, &k.weights[static_cast<size_t>(o) * k.taps], k.count[o], d);
      continue;
    }
    const int32_t* w = &paired.weights[static_cast<size_t>(o) * P * 8];
    __m256i acc = _mm256_setzero_si256();
    for (int p = 0; p < P; p++) {
      const __m128i px = _mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + 6 * p)), spread);
      const __m256i wt = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 8 * p));
      acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(px), wt));
    }
    const __m128i sum = _mm_add_epi32(_mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1)), half);
    const __m128i shifted = _mm_srai_epi32(sum, kPrecisionBits);
    const __m128i words = _mm_packs_epi32(shifted, shifted);
    const uint32_t bytes = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm_packus_epi16(words, words)));
    d[0] = static_cast<uint8_t>(bytes);
    d[1] = static_cast<uint8_t>(bytes >> 8);
    d[2] = static_cast<uint8_t>(bytes >> 16);
  }
}

using Row3Avx2 = void (*)(const uint8_t*, const uint8_t*, uint8_t*, int, const Coefficients&, const PairedTaps&, bool);

// The AVX2 row for `pairs`, or null past 4 pairs (8 taps: reductions beyond 3.5x take SSE4.1).
Row3Avx2 Avx2RowFor(int pairs) {
  switch (pairs) {
    case 1: return HorizontalRow3Avx2<1>;
    case 2: return HorizontalRow3Avx2<2>;
    case 3: return HorizontalRow3Avx2<3>;
    case 4: return HorizontalRow3Avx2<4>;
    default: return nullptr;
  }
}
#endif

// Rows [firstRow, firstRow + rows) of src, resampled horizontally into dst (rows x outWidth).
void Horizontal(const uint8_t* src, int width, int channels, int firstRow, int rows, uint8_t* dst, int outWidth,
                const Coefficients& k, bool mirror) {
#if defined(__x86_64__)
  if (channels == 3 && kHaveAvx2) {
    const PairedTaps paired = PairTaps(k, outWidth);
    if (Row3Avx2 run = Avx2RowFor(paired.pairs)) {
      const uint8_t* end = src + static_cast<size_t>(firstRow + rows) * width * 3;
      for (int y = 0; y < rows; y++)
        run(src + static_cast<size_t>(firstRow + y) * width * 3, end, dst + static_cast<size_t>(y) * outWidth * 3, outWidth, k, paired,
            mirror);
      return;
    }
  }
  if (channels == 3 && kHaveSse41) {
    const uint8_t* end = src + static_cast<size_t>(firstRow + rows) * width * 3;
    for (int y = 0; y < rows; y++)
      HorizontalRow3Sse41(src + static_cast<size_t>(firstRow + y) * width * 3, end, dst + static_cast<size_t>(y) * outWidth * 3,
                          outWidth, k, mirror);
    return;
  }
#endif
  for (int y = 0; y < rows; y++) {
    const uint8_t* row = src + static_cast<size_t>(firstRow + y) * width * channels;
    uint8_t* out = dst + static_cast<size_t>(y) * outWidth * channels;
    for (int o = 0; o < outWidth; o++) {
      const int32_t* w = &k.weights[static_cast<size_t>(o) * k.taps];
      const uint8_t* s = row + static_cast<size_t>(k.start[o]) * channels;
      const int n = k.count[o];
      uint8_t* d = out + static_cast<size_t>(mirror ? outWidth - 1 - o : o) * channels;
      if (channels == 3) {
        TapsN3(s, w, n, d);
      } else {
        int s0 = 1 << (kPrecisionBits - 1);
        for (int t = 0; t < n; t++) s0 += s[t] * w[t];
        d[0] = Clip8(s0);
      }
    }
  }
}

#if defined(__x86_64__)
// The vertical pass with AVX2: 32 values of an output row at a time, their sums kept in four
// registers over every tap (the scalar code's integer sums), then the same shift and clamp
// (saturating packs; the permute undoes the packs' per-lane order). The last rowBytes % 32
// values are the scalar code's.
__attribute__((target("avx2"))) void VerticalAvx2(const uint8_t* src, size_t srcStride, size_t rowBytes, uint8_t* dst, int outHeight,
                                                  const Coefficients& k, int rowShift) {
  const __m256i half = _mm256_set1_epi32(1 << (kPrecisionBits - 1));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int o = 0; o < outHeight; o++) {
    const int32_t* w = &k.weights[static_cast<size_t>(o) * k.taps];
    const uint8_t* first = src + static_cast<size_t>(k.start[o] - rowShift) * srcStride;
    const int n = k.count[o];
    uint8_t* d = dst + static_cast<size_t>(o) * rowBytes;
    size_t l = 0;
    for (; l + 32 <= rowBytes; l += 32) {
      __m256i a0 = half, a1 = half, a2 = half, a3 = half;
      for (int t = 0; t < n; t++) {
        const uint8_t* r = first + static_cast<size_t>(t) * srcStride + l;
        const __m256i wt = _mm256_set1_epi32(w[t]);
        const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r));
        const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r + 16));
        a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(lo), wt));
        a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)), wt));
        a2 = _mm256_add_epi32(a2, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(hi), wt));
        a3 = _mm256_add_epi32(a3, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)), wt));
      }
      const __m256i w01 = _mm256_packs_epi32(_mm256_srai_epi32(a0, kPrecisionBits), _mm256_srai_epi32(a1, kPrecisionBits));
      const __m256i w23 = _mm256_packs_epi32(_mm256_srai_epi32(a2, kPrecisionBits), _mm256_srai_epi32(a3, kPrecisionBits));
      const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23), order);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + l), bytes);
    }
    for (; l < rowBytes; l++) {
      int sum = 1 << (kPrecisionBits - 1);
      for (int t = 0; t < n; t++) sum += first[static_cast<size_t>(t) * srcStride + l] * w[t];
      d[l] = Clip8(sum);
    }
  }
}
#endif

// Every output row blends rows of src (rowBytes values each, srcStride apart); k.start is relative
// to src's first row. Sums run row by row over an int32 accumulator row, so the inner loops are contiguous.
void Vertical(const uint8_t* src, size_t srcStride, size_t rowBytes, uint8_t* dst, int outHeight, const Coefficients& k, int rowShift) {
#if defined(__x86_64__)
  if (kHaveAvx2) return VerticalAvx2(src, srcStride, rowBytes, dst, outHeight, k, rowShift);
#endif
  std::vector<int32_t> acc;  // made on the first row with more than two taps (enlargements have none)
  for (int o = 0; o < outHeight; o++) {
    const int32_t* w = &k.weights[static_cast<size_t>(o) * k.taps];
    const uint8_t* first = src + static_cast<size_t>(k.start[o] - rowShift) * srcStride;
    const int n = k.count[o];
    uint8_t* d = dst + static_cast<size_t>(o) * rowBytes;
    if (n == 2) {
      const int w0 = w[0], w1 = w[1];
      const uint8_t* second = first + srcStride;
      for (size_t l = 0; l < rowBytes; l++) d[l] = Clip8((1 << (kPrecisionBits - 1)) + first[l] * w0 + second[l] * w1);
      continue;
    }
    acc.assign(rowBytes, 1 << (kPrecisionBits - 1));
    for (int t = 0; t < n; t++) {
      const uint8_t* row = first + static_cast<size_t>(t) * srcStride;
      const int32_t wt = w[t];
      int32_t* a = acc.data();
      for (size_t l = 0; l < rowBytes; l++) a[l] += row[l] * wt;
    }
    for (size_t l = 0; l < rowBytes; l++) d[l] = Clip8(acc[l]);
  }
}

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

// Which passes a resize runs: none is an identity (a copy); a mirror always runs the horizontal one.
struct Passes {
  float boxWidth, boxHeight;
  bool horizontal, vertical;
};

Passes PassesOf(const BilinearCrop& job) {
  Passes p;
  p.boxWidth = job.box != nullptr ? job.box[0] : static_cast<float>(job.fullWidth);
  p.boxHeight = job.box != nullptr ? job.box[1] : static_cast<float>(job.fullHeight);
  p.horizontal = job.outWidth != job.fullWidth || p.boxWidth != static_cast<float>(job.fullWidth) || job.mirror;
  p.vertical = job.outHeight != job.fullHeight || p.boxHeight != static_cast<float>(job.fullHeight);
  return p;
}

// The source span [first, last) the outputs [from, from + count) of one axis read (Pillow's windows
// only move forward), or the same span when the axis is not resampled.
void SourceSpan(bool resampled, int inSize, int outSize, float extent, int from, int count, int* first, int* last) {
  if (!resampled) {
    *first = from;
    *last = from + count;
    return;
  }
  const Coefficients k = BilinearCoefficients(inSize, outSize, extent, from, count, 0);
  *first = k.start[0];
  *last = k.start[count - 1] + k.count[count - 1];
}

}  // namespace

Window BilinearSourceWindow(const BilinearCrop& job) {
  const Passes p = PassesOf(job);
  const Window& keep = job.keep;
  int x0, x1, y0, y1;
  SourceSpan(p.horizontal, job.fullWidth, job.outWidth, p.boxWidth, keep.left, keep.width, &x0, &x1);
  SourceSpan(p.vertical, job.fullHeight, job.outHeight, p.boxHeight, keep.top, keep.height, &y0, &y1);
  return {x0, y0, x1 - x0, y1 - y0};
}

void ResampleBilinearCrop(const uint8_t* src, const Window& window, int channels, const BilinearCrop& job, uint8_t* dst,
                          std::vector<uint8_t>* scratch) {
  const Passes p = PassesOf(job);
  const Window& keep = job.keep;
  const size_t outRow = static_cast<size_t>(keep.width) * channels;
  const size_t srcStride = static_cast<size_t>(window.width) * channels;
  const uint8_t* keptColumns = src + static_cast<size_t>(keep.left - window.left) * channels;
  if (!p.horizontal && !p.vertical) {
    for (int y = 0; y < keep.height; y++)
      std::memcpy(dst + y * outRow, keptColumns + static_cast<size_t>(keep.top + y - window.top) * srcStride, outRow);
    return;
  }
  if (!p.horizontal) {
    const Coefficients ky = BilinearCoefficients(job.fullHeight, job.outHeight, p.boxHeight, keep.top, keep.height, 0);
    Vertical(keptColumns, srcStride, outRow, dst, keep.height, ky, window.top);
    return;
  }
  const Coefficients kx = BilinearCoefficients(job.fullWidth, job.outWidth, p.boxWidth, keep.left, keep.width, window.left);
  if (!p.vertical) {
    Horizontal(src, window.width, channels, keep.top - window.top, keep.height, dst, keep.width, kx, job.mirror);
    return;
  }
  // As Pillow: the horizontal pass covers only the source rows the vertical pass reads.
  const Coefficients ky = BilinearCoefficients(job.fullHeight, job.outHeight, p.boxHeight, keep.top, keep.height, 0);
  const int first = ky.start[0];
  const int last = ky.start[keep.height - 1] + ky.count[keep.height - 1];
  std::vector<uint8_t> local;
  std::vector<uint8_t>& temp = scratch != nullptr ? *scratch : local;
  temp.resize(outRow * (last - first));
  Horizontal(src, window.width, channels, first - window.top, last - first, temp.data(), keep.width, kx, job.mirror);
  Vertical(temp.data(), outRow, outRow, dst, keep.height, ky, first);
}

void ResampleBilinear(const uint8_t* src, int width, int height, int channels, uint8_t* dst, int outWidth, int outHeight,
                      bool mirror, std::vector<uint8_t>* scratch, const float* box) {
  BilinearCrop job;
  job.fullWidth = width;
  job.fullHeight = height;
  job.box = box;
  job.outWidth = outWidth;
  job.outHeight = outHeight;
  job.keep = {0, 0, outWidth, outHeight};
  job.mirror = mirror;
  ResampleBilinearCrop(src, {0, 0, width, height}, channels, job, dst, scratch);
}

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
