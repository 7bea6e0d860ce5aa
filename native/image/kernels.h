// Pixel kernels on uint8 HWC images (1 or 3 channels), each defined to give
// the same bytes as the reference named beside it. They run on any thread:
// plain functions of their arguments, no allocation shared between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cti {

// PIL's Image.resize(size, BILINEAR) (Pillow's Resample.c, 8 bits per
// channel): a horizontal pass over the rows the vertical pass reads, into a
// uint8 image, then the vertical pass; 22-bit fixed-point weights. `mirror`
// writes the horizontal pass right to left: exactly hflip(resize(src)).
// dst holds outWidth * outHeight * channels bytes; `scratch` (optional)
// holds the intermediate image, so a caller can reuse one per thread.
// `box` (optional, {width, height}): resample the source region [0, width) x
// [0, height) in source pixels, fractional allowed: Pillow's
// resize(size, BILINEAR, box=(0, 0, width, height)), as Pillow's thumbnail()
// runs after a JPEG draft (a scaled decode's pixels span side * M / 8).
void ResampleBilinear(const uint8_t* src, int width, int height, int channels, uint8_t* dst, int outWidth, int outHeight,
                      bool mirror, std::vector<uint8_t>* scratch = nullptr, const float* box = nullptr);

// A rectangle of pixels: [left, left + width) x [top, top + height).
struct Window {
  int left = 0, top = 0, width = 0, height = 0;
};

// A crop of ResampleBilinear's result, computed alone: output pixels `keep` of the outWidth x
// outHeight resize of a fullWidth x fullHeight source (box, mirror as ResampleBilinear's; a mirror
// flips the kept pixels: hflip(crop(resize))). Each output pixel of the separable resize reads
// only its own filter window, so these are the bytes the whole resize gives there.
struct BilinearCrop {
  int fullWidth = 0, fullHeight = 0;
  const float* box = nullptr;
  int outWidth = 0, outHeight = 0;
  Window keep;
  bool mirror = false;
};

// The source pixels a BilinearCrop reads (within the source image).
Window BilinearSourceWindow(const BilinearCrop& job);

// Runs `job` on `src`, which holds only the source pixels of `window` (rows of window.width
// pixels), a window that covers BilinearSourceWindow(job); dst holds keep.width * keep.height *
// channels bytes; scratch as ResampleBilinear's.
void ResampleBilinearCrop(const uint8_t* src, const Window& window, int channels, const BilinearCrop& job, uint8_t* dst,
                          std::vector<uint8_t>* scratch = nullptr);

// One colour step of ColorJitter. Brightness, contrast and saturation are
// torchvision's tensor formulas: each blends in float32, clamps to [0, 255]
// and truncates to uint8 before the next reads. Hue is torchvision's
// adjust_hue on a PIL image (see ShiftHue); its factor is in [-0.5, 0.5].
enum class ColorOp : int { kBrightness = 0, kContrast = 1, kSaturation = 2, kHue = 3 };
struct ColorStep {
  ColorOp op;
  double factor;
};

// torchvision's F.adjust_hue(pil_image, factor) on interleaved RGB, in place:
// Pillow's convert('HSV') (Convert.c rgb2hsv_row, its float and double steps
// kept), H += uint8(factor * 255) wrapping as numpy does, convert('RGB')
// (Convert.c hsv2rgb).
void ShiftHue(uint8_t* rgb, size_t pixels, double factor);

// torchvision's F.adjust_sharpness on a uint8 tensor (src and dst of
// width * height * channels bytes, not overlapping): the 3x3 [1 1 1; 1 5 1;
// 1 1 1] / 13 smoothing of the interior (float32 kernel weights, rounded half
// to even), the border kept, then the float32 blend of src with it.
void AdjustSharpness(const uint8_t* src, int width, int height, int channels, double factor, uint8_t* dst);

// The nearest-neighbour warp of torchvision's F.affine on a uint8 tensor, as
// src/data/transforms/functional/geometry.ts defines it: output pixel (j, i)
// reads source (nearbyint(sx), nearbyint(sy)) with sx = f32(m0 x + m1 y + m2)
// + w/2 - 1/2 (x = j - w/2 + 1/2, y likewise, in double) and sy from m3..m5;
// outside the image it writes `fill` (per channel, rounded half to even and
// clamped) or 0 when fill is null. dst holds width * height * channels bytes.
void AffineNearest(const uint8_t* src, int width, int height, int channels, const double* m, const double* fill, uint8_t* dst);

// hist[c * 256 + v] = how many values of channel c are v (hist zeroed here).
void ChannelHistograms(const uint8_t* src, size_t pixels, int channels, uint32_t* hist);

// dst[i] = luts[c * 256 + src[i]] for channel c of each value.
void MapChannels(const uint8_t* src, size_t pixels, int channels, const uint8_t* luts, uint8_t* dst);

// AugMix's float32 blend: v = w[0] * src[i], then v += w[1 + k] * chains[k][i]
// for each chain in order (each product and sum rounded to float32), stored as
// uint8 by truncation (torch's .to(uint8); JavaScript's Uint8Array store).
void WeightedBlend(const uint8_t* src, const uint8_t* const* chains, size_t count, const float* w, size_t n, uint8_t* dst);

// Runs the steps in order, in place. Saturation and hue leave one channel as it is.
void AdjustColors(uint8_t* data, size_t pixels, int channels, const std::vector<ColorStep>& steps);

// out[...] = table[c * 256 + v] for every value v of channel c, written
// planar (CHW) or interleaved (HWC) from offset 0 of `out`.
void WriteThroughTable(float* out, const uint8_t* src, size_t pixels, int channels, const float* table, bool planar);

// PIL's "L" conversion of interleaved RGB (ITU-R 601-2, fixed point).
void RgbToLuma(const uint8_t* rgb, size_t pixels, uint8_t* out);

}  // namespace cti
