// See jpeg.h. libjpeg reports errors by longjmp: the function that calls
// setjmp (DecodeInto) keeps no C++ objects of its own, so the jump skips
// no destructor; the result it fills lives in its caller.
#include "jpeg.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>

#include "kernels.h"

namespace cti {

namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool warned;
};

void OnError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  cinfo->err->format_message(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (corrupt data, a truncated file) mark the file for the general decoder and its policy.
void OnMessage(j_common_ptr cinfo, int level) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (level < 0 && !err->warned) {
    cinfo->err->format_message(cinfo, err->message);
    err->warned = true;
  }
}

void Fill(JpegResult* out, JpegStatus status, const char* message) {
  out->status = status;
  out->message = message;
}

// The smallest M of 1..4 whose M/8 scaled decode, ceil(side * M / 8) as libjpeg sizes it, still covers
// minWidth x minHeight; 8 (full size) when none does or no minimum is set. 5/8 to 7/8 are never
// used: measured, they decode no faster than 8/8 (4:2:0 chroma then goes through libjpeg-turbo's scalar
// 10x10 to 14x14 inverse DCTs; up to 4/8 it takes the SIMD 8x8 one and luma the small scalar ones).
int ScaleFor(JDIMENSION width, JDIMENSION height, int minWidth, int minHeight) {
  if (minWidth <= 0 || minHeight <= 0) return 8;
  for (int m = 1; m <= 4; m++) {
    const long long w = (static_cast<long long>(width) * m + 7) / 8;
    const long long h = (static_cast<long long>(height) * m + 7) / 8;
    if (w >= minWidth && h >= minHeight) return m;
  }
  return 8;
}

// Decodes into out; returns normally on success and on every failure (out->status says which).
void DecodeInto(jpeg_decompress_struct* cinfo, ErrorManager* err, const uint8_t* data, size_t size, const JpegRequest* request,
                JpegResult* out, std::vector<uint8_t>* pixels, JSAMPLE** rowBuffer) {
  if (setjmp(err->jump) != 0) {
    Fill(out, JpegStatus::kFailed, err->message);
    return;
  }
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  if (err->warned) return Fill(out, JpegStatus::kUnsupported, err->message);
  const J_COLOR_SPACE space = cinfo->jpeg_color_space;
  if (space != JCS_GRAYSCALE && space != JCS_YCbCr && space != JCS_RGB)
    return Fill(out, JpegStatus::kUnsupported, "colour space other than grey, YCbCr or RGB");
  const double area = static_cast<double>(cinfo->image_width) * cinfo->image_height;
  if (request->maxPixels > 0 && area > request->maxPixels) return Fill(out, JpegStatus::kUnsupported, "over the pixel limit");
  const bool grey = space == JCS_GRAYSCALE;
  cinfo->out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  cinfo->dct_method = JDCT_ISLOW;
  if (!request->crop) {
    out->scaleNum = ScaleFor(cinfo->image_width, cinfo->image_height, request->minWidth, request->minHeight);
    cinfo->scale_num = static_cast<unsigned int>(out->scaleNum);
    cinfo->scale_denom = 8;
  }
  jpeg_calc_output_dimensions(cinfo);
  out->fullWidth = static_cast<int>(cinfo->image_width);
  out->fullHeight = static_cast<int>(cinfo->image_height);
  const int width = static_cast<int>(cinfo->output_width);
  const int height = static_cast<int>(cinfo->output_height);
  Window region{0, 0, width, height};
  if (request->crop) region = {request->left, request->top, request->width, request->height};
  else if (request->regionFor) region = request->regionFor(width, height, out->scaleNum, out->fullWidth, out->fullHeight);
  const int left = region.left, top = region.top, cropWidth = region.width, cropHeight = region.height;
  if (left < 0 || top < 0 || cropWidth < 1 || cropHeight < 1 || left + cropWidth > width || top + cropHeight > height)
    return Fill(out, JpegStatus::kFailed, "crop box outside the image");
  jpeg_start_decompress(cinfo);
  // Columns are decoded with a margin: at the edges of a decoded range, chroma upsampling sees no
  // neighbour and the edge pixels would differ from a full decode's. Fancy upsampling reads one
  // chroma sample each side, 2 pixels at 2x; 1 was measured to differ, 2 to match; 4 for slack
  // (the range then widens to whole iMCUs anyway).
  const int margin = 4;
  const int from = left > margin ? left - margin : 0;
  const int to = left + cropWidth + margin < width ? left + cropWidth + margin : width;
  JDIMENSION xoffset = static_cast<JDIMENSION>(from);
  JDIMENSION xwidth = static_cast<JDIMENSION>(to - from);
  if (to - from < width) jpeg_crop_scanline(cinfo, &xoffset, &xwidth);
  const int components = cinfo->output_components;
  const int channels = request->channels;
  if (top > 0) jpeg_skip_scanlines(cinfo, static_cast<JDIMENSION>(top));
  // Rows go straight into pixels when no column is dropped, or when regionFor's caller takes the
  // decoded columns as they come (whole iMCUs: their outer columns may differ from a full decode's).
  const int decodedWidth = static_cast<int>(cinfo->output_width);
  if (components == channels && (decodedWidth == cropWidth || (!request->crop && request->regionFor))) {
    const size_t rowBytes = static_cast<size_t>(decodedWidth) * channels;
    pixels->resize(rowBytes * cropHeight);
    for (int y = 0; y < cropHeight; y++) {
      JSAMPROW row = pixels->data() + static_cast<size_t>(y) * rowBytes;
      jpeg_read_scanlines(cinfo, &row, 1);
    }
    if (err->warned) return Fill(out, JpegStatus::kUnsupported, err->message);
    out->width = decodedWidth;
    out->height = cropHeight;
    out->left = static_cast<int>(xoffset);
    out->top = top;
    out->status = JpegStatus::kOk;
    return;
  }
  const size_t skip = static_cast<size_t>(left - static_cast<int>(xoffset)) * components;
  *rowBuffer = static_cast<JSAMPLE*>(std::malloc(static_cast<size_t>(decodedWidth) * components));
  if (*rowBuffer == nullptr) return Fill(out, JpegStatus::kFailed, "out of memory");
  pixels->resize(static_cast<size_t>(cropWidth) * cropHeight * channels);
  const size_t rowPixels = static_cast<size_t>(cropWidth);
  for (int y = 0; y < cropHeight; y++) {
    JSAMPROW row = *rowBuffer;
    jpeg_read_scanlines(cinfo, &row, 1);
    const uint8_t* src = *rowBuffer + skip;
    uint8_t* dst = pixels->data() + static_cast<size_t>(y) * rowPixels * channels;
    if (components == channels) {
      std::memcpy(dst, src, rowPixels * channels);
    } else if (channels == 1) {
      RgbToLuma(src, rowPixels, dst);
    } else {
      for (size_t x = 0; x < rowPixels; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
    }
  }
  if (err->warned) return Fill(out, JpegStatus::kUnsupported, err->message);
  out->width = cropWidth;
  out->height = cropHeight;
  out->left = left;
  out->top = top;
  out->status = JpegStatus::kOk;
}

}  // namespace

JpegResult DecodeJpeg(const uint8_t* data, size_t size, const JpegRequest& request, std::vector<uint8_t>* pixels) {
  JpegResult out;
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  std::memset(&err, 0, sizeof err);
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = OnError;
  err.base.emit_message = OnMessage;
  jpeg_create_decompress(&cinfo);
  JSAMPLE* rowBuffer = nullptr;
  DecodeInto(&cinfo, &err, data, size, &request, &out, pixels, &rowBuffer);
  std::free(rowBuffer);
  jpeg_destroy_decompress(&cinfo);  // also aborts a decode stopped before the last row
  return out;
}

std::string JpegLibraryVersion() {
  char text[64];
#ifdef LIBJPEG_TURBO_VERSION
#define CTI_STR2(x) #x
#define CTI_STR(x) CTI_STR2(x)
  std::snprintf(text, sizeof text, "libjpeg-turbo %s (libjpeg API %d)", CTI_STR(LIBJPEG_TURBO_VERSION), JPEG_LIB_VERSION);
#else
  std::snprintf(text, sizeof text, "libjpeg API %d", JPEG_LIB_VERSION);
#endif
  return text;
}

}  // namespace cti
