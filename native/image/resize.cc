// Pillow's bilinear resampling (Resample.c, 8 bits per channel) and its crop-only
// variant: see kernels.h. Integer arithmetic throughout; the AVX2 passes (checked at run
// time) produce the same sums as the scalar ones.
#include "kernels.h"

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

}  // namespace cti
