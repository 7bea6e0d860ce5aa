// JPEG decoding with the system's libjpeg(-turbo), the library Pillow uses:
// the same library with the same settings gives Pillow's bytes. Only a crop
// of the image is decoded when one is asked for (columns by iMCU, rows by
// skipping, and no row below it), which is what makes RandomResizedCrop cheap
// on large photos, and Resize + CenterCrop cheaper on any.
// A whole image can instead be decoded smaller with the library's DCT
// scaling (M/8, M = 1..4 here: the inverse DCT of each block is computed at
// M x M), which is what makes a Resize of a large photo cheap; those
// pixels are no longer Pillow's full decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels.h"

namespace cti {

struct JpegRequest {
  int channels = 3;  // 1: Pillow's convert('L'); 3: RGB
  bool crop = false;
  int left = 0, top = 0, width = 0, height = 0;
  double maxPixels = 0;  // 0: no limit
  // Scale on load (only without crop): the smallest M/8 of 1/8..4/8 whose output is at least
  // minWidth x minHeight; 0, or a size 4/8 does not reach: full size.
  int minWidth = 0, minHeight = 0;
  // Optional, without crop: the region to decode, asked for once the decoded size (after any
  // scaling: scaleNum/8 of fullWidth x fullHeight) is known; it must lie inside that size. The
  // result may hold more columns (whole iMCUs; see JpegResult's left) than the region, and those
  // outside it need not be a full decode's.
  std::function<Window(int width, int height, int scaleNum, int fullWidth, int fullHeight)> regionFor;
};

// kUnsupported: a valid file this decoder leaves to the general one (CMYK,
// over the pixel limit, a warning from libjpeg, ...); kFailed: not a readable JPEG.
enum class JpegStatus { kOk, kUnsupported, kFailed };

struct JpegResult {
  JpegStatus status = JpegStatus::kFailed;
  std::string message;
  int width = 0, height = 0;
  int left = 0, top = 0;  // where the decoded pixels lie in the (scaled) image
  int scaleNum = 8;  // decoded at scaleNum/8 of the stored size
  int fullWidth = 0, fullHeight = 0;  // the stored size
};

// Decodes into *pixels (interleaved, request.channels per pixel; resized to
// fit, its capacity kept, so a caller can reuse one vector per thread).
JpegResult DecodeJpeg(const uint8_t* data, size_t size, const JpegRequest& request, std::vector<uint8_t>* pixels);

// "libjpeg-turbo 2.1.5 (libjpeg API 62)" or "libjpeg API 80".
std::string JpegLibraryVersion();

}  // namespace cti
