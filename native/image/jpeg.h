// JPEG decoding with the system's libjpeg(-turbo), the library Pillow uses:
// the same library with the same settings gives Pillow's bytes. Only a crop
// of the image is decoded when one is asked for (columns by iMCU, rows by
// skipping), which is what makes RandomResizedCrop cheap on large photos.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cti {

struct JpegRequest {
  int channels = 3;  // 1: Pillow's convert('L'); 3: RGB
  bool crop = false;
  int left = 0, top = 0, width = 0, height = 0;
  double maxPixels = 0;  // 0: no limit
};

// kUnsupported: a valid file this decoder leaves to the general one (CMYK,
// over the pixel limit, a warning from libjpeg, ...); kFailed: not a readable JPEG.
enum class JpegStatus { kOk, kUnsupported, kFailed };

struct JpegResult {
  JpegStatus status = JpegStatus::kFailed;
  std::string message;
  int width = 0, height = 0;
};

// Decodes into *pixels (interleaved, request.channels per pixel; resized to
// fit, its capacity kept, so a caller can reuse one vector per thread).
JpegResult DecodeJpeg(const uint8_t* data, size_t size, const JpegRequest& request, std::vector<uint8_t>* pixels);

// "libjpeg-turbo 2.1.5 (libjpeg API 62)" or "libjpeg API 80".
std::string JpegLibraryVersion();

}  // namespace cti
