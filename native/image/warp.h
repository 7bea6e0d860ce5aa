// The bilinear inverse-affine warp of torchvision's F.affine / F.rotate on a
// uint8 tensor (grid_sample, align_corners=False, zero padding, a fill through
// the mask channel), with the arithmetic of the JavaScript warp it replaced
// (src/data/transforms/functional/affine-bilinear.test.ts keeps that loop as
// the reference): every step in double as JavaScript computes it, the source
// coordinate rounded once to float32 as torchvision's float grid is.
#pragma once

#include <napi.h>

#include <cstdint>

namespace cti {

// Output pixel (j, i) samples source (sx, sy) with sx = f32(m0 x + m1 y + m2)
// + w/2 - 1/2 (x = j - w/2 + 1/2, y likewise) and sy from m3..m5: the four
// taps weighted (1 - fx or fx) * (1 - fy or fy), taps outside the image left
// out; with `fill` (one value per channel) the value is v * mask + (1 - mask)
// * fill, mask the weight of the taps inside; rounded half to even and
// clamped to [0, 255]. `m`: 6 finite values; src and dst: width * height *
// channels bytes (channels 1 or 3), not overlapping. Runs on any thread.
void AffineBilinear(const uint8_t* src, int width, int height, int channels, const double* m, const double* fill, uint8_t* dst);

// The warp of a whole-pixel translation (m = [1, 0, dx, 0, 1, dy], |dx|, |dy|
// < 2^20), where every sampling point is a pixel centre, for the bilinear and
// the nearest warp alike: dst(j, i) = src(j + dx, i + dy), or `outside` (one
// byte per channel) where that lies off the image. False (nothing written) for
// any other matrix.
bool ShiftedWarp(const uint8_t* src, int width, int height, int channels, const double* m, const uint8_t* outside, uint8_t* dst);

// affineBilinear(src: Uint8Array, width, height, channels, matrix: Float64Array(6),
//                fill: Float64Array(channels) | null) -> Buffer
// Synchronous, on the calling thread; a new buffer. Throws a TypeError on a
// bad argument (sizes that disagree, non-finite matrix or fill values).
Napi::Value AffineBilinearEntry(const Napi::CallbackInfo& info);

}  // namespace cti
