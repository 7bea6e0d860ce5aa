// Tensor creation, read-back, metadata and lifetime. All functions are sync.
//
// fromBuffer(view, shape[], dtype)  -> handle   copies the bytes; throws on a size mismatch.
// toBuffer(h)                       -> ArrayBuffer  a copy of the (CPU, contiguous) data.
// sharedBuffer(h)                   -> ArrayBuffer  zero-copy view of a CPU contiguous tensor;
//                                      keeps the storage alive; falls back to a copy.
// memoryLease(h)                    -> External  a lease on a CPU contiguous tensor's memory
//                                      for the image addon (memory-lease.h); keeps it alive.
// releaseMemoryLease(lease)         -> boolean (false if already released); throws while borrowed.
// storageUseCount(h) -> number     references to the tensor's storage (views and leases count).
// meta(h)        -> [dtype, device, shape[], requiresGrad]
// strides(h)     -> number[]
// isContiguous(h, memoryFormat) -> boolean
// item(h)        -> number | boolean           throws unless numel == 1
// dispose(h)     -> boolean (false if already disposed)
// isDisposed(h)  -> boolean
// nbytes(h)      -> number   bytes of this tensor's elements
// liveHandles()  -> [count, bytes]  handles not yet disposed or collected
#include "tensor.h"

#include "memory-lease.h"

#include <cstring>
#include <sstream>

namespace ct {

namespace {

std::vector<int64_t> ToShape(const Napi::Value& v, const char* fn) {
  if (!v.IsArray()) ThrowType(v.Env(), std::string(fn) + ": expected shape to be an array but got " + DescribeJs(v));
  auto array = v.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value e = array.Get(i);
    if (!e.IsNumber()) ThrowType(v.Env(), std::string(fn) + ": expected shape entries to be numbers");
    double d = e.As<Napi::Number>().DoubleValue();
    if (!IsInt64(d) || d < 0) {
      ThrowType(v.Env(), std::string(fn) + ": expected non-negative integer shape entries but got " + std::to_string(d));
    }
    shape[i] = static_cast<int64_t>(d);
  }
  return shape;
}

at::ScalarType ToDtype(const Napi::Value& v, const char* fn) {
  if (!v.IsNumber()) ThrowType(v.Env(), std::string(fn) + ": expected a dtype code but got " + DescribeJs(v));
  double code = v.As<Napi::Number>().DoubleValue();
  if (!IsInt64(code) || code < 0 || code >= static_cast<double>(at::ScalarType::NumOptions)) {
    std::ostringstream os;
    os.precision(17);
    os << code;
    ThrowType(v.Env(), std::string(fn) + ": unknown dtype code " + os.str());
  }
  return static_cast<at::ScalarType>(static_cast<int>(code));
}

Napi::Array ShapeToJs(Napi::Env env, at::IntArrayRef sizes) {
  auto out = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return out;
}

}  // namespace

CT_ENTRY(FromBuffer) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() && !info[0].IsArrayBuffer()) {
    ThrowType(env, "fromBuffer: expected a TypedArray or ArrayBuffer but got " + DescribeJs(info[0]));
  }
  auto shape = ToShape(info[1], "fromBuffer");
  at::ScalarType dtype = ToDtype(info[2], "fromBuffer");
  const uint8_t* data = nullptr;
  size_t byteLength = 0;
  if (info[0].IsTypedArray()) {
    auto view = info[0].As<Napi::TypedArray>();
    data = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    byteLength = view.ByteLength();
  } else {
    auto buffer = info[0].As<Napi::ArrayBuffer>();
    data = static_cast<const uint8_t*>(buffer.Data());
    byteLength = buffer.ByteLength();
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t expected = static_cast<size_t>(t.numel()) * t.element_size();
  if (expected != byteLength) {
    ThrowType(env, "fromBuffer: expected " + std::to_string(expected) + " bytes for shape " +
                       c10::str(t.sizes()) + " and dtype " + c10::toString(dtype) + " but got " +
                       std::to_string(byteLength));
  }
  if (expected > 0) std::memcpy(t.data_ptr(), data, expected);
  return WrapTensor(env, std::move(t));
}

CT_ENTRY(ToBuffer) {
  at::Tensor t = UnwrapTensor(info[0], "toBuffer").detach().to(at::kCPU).contiguous();
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  auto buffer = Napi::ArrayBuffer::New(info.Env(), n);
  if (n > 0) std::memcpy(buffer.Data(), t.data_ptr(), n);
  return buffer;
}

CT_ENTRY(SharedBuffer) {
  const at::Tensor& src = UnwrapTensor(info[0], "sharedBuffer");
  if (!src.device().is_cpu() || !src.is_contiguous() || src.numel() == 0) return ToBufferImpl(info);
  auto keep = std::make_unique<at::Tensor>(src.detach());
  void* data = keep->data_ptr();
  size_t n = static_cast<size_t>(keep->numel()) * keep->element_size();
  auto buffer = Napi::ArrayBuffer::New(info.Env(), data, n, [](Napi::Env, void*, at::Tensor* t) { delete t; },
                                       keep.get());
  keep.release();
  return buffer;
}

// A lease on a contiguous CPU tensor's memory (see memory-lease.h): lets the
// image addon write batch pixels from the thread pool without an ArrayBuffer,
// which V8 would count as external memory and answer with garbage collections.
namespace {
struct TensorLease : MemoryLease {
  at::Tensor keep;
};
}  // namespace

CT_ENTRY(MemoryLeaseOf) {
  const at::Tensor& src = UnwrapTensor(info[0], "memoryLease");
  if (!src.device().is_cpu() || !src.is_contiguous() || src.numel() == 0)
    ThrowType(info.Env(), "memoryLease: expected a non-empty contiguous CPU tensor");
  auto lease = std::make_unique<TensorLease>();
  lease->keep = src.detach();
  lease->data = lease->keep.data_ptr();
  lease->bytes = static_cast<size_t>(lease->keep.numel()) * lease->keep.element_size();
  auto external = Napi::External<MemoryLease>::New(info.Env(), lease.get(),
                                                   [](Napi::Env, MemoryLease* l) { delete static_cast<TensorLease*>(l); });
  lease.release();
  external.TypeTag(&kMemoryLeaseTag);
  return external;
}

CT_ENTRY(ReleaseMemoryLease) {
  const Napi::Value v = info[0];
  if (!v.IsExternal() || !v.As<Napi::External<MemoryLease>>().CheckTypeTag(&kMemoryLeaseTag))
    ThrowType(info.Env(), "releaseMemoryLease: expected a memory lease but got " + DescribeJs(v));
  auto* lease = static_cast<TensorLease*>(v.As<Napi::External<MemoryLease>>().Data());
  if (lease->borrowers.load() > 0) throw Napi::Error::New(info.Env(), "releaseMemoryLease: the lease is still being written to");
  const bool held = lease->data != nullptr;
  lease->data = nullptr;
  lease->bytes = 0;
  lease->keep.reset();
  return Napi::Boolean::New(info.Env(), held);
}

CT_ENTRY(StorageUseCount) {
  const at::Tensor& t = UnwrapTensor(info[0], "storageUseCount");
  return Napi::Number::New(info.Env(), t.has_storage() ? static_cast<double>(t.storage().use_count()) : 0);
}

CT_ENTRY(Meta) {
  Napi::Env env = info.Env();
  const at::Tensor& t = UnwrapTensor(info[0], "meta");
  auto out = Napi::Array::New(env, 4);
  out.Set(0u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
  out.Set(1u, Napi::String::New(env, t.device().str()));
  out.Set(2u, ShapeToJs(env, t.sizes()));
  out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

CT_ENTRY(IsContiguous) {
  const at::Tensor& t = UnwrapTensor(info[0], "isContiguous");
  if (!info[1].IsNumber()) ThrowType(info.Env(), "isContiguous: expected a memory format code but got " + DescribeJs(info[1]));
  double code = info[1].As<Napi::Number>().DoubleValue();
  if (code != static_cast<double>(at::MemoryFormat::Contiguous) && code != static_cast<double>(at::MemoryFormat::ChannelsLast)) {
    ThrowType(info.Env(), "isContiguous: expected contiguous (0) or channelsLast (2)");
  }
  auto format = static_cast<at::MemoryFormat>(static_cast<int>(code));
  return Napi::Boolean::New(info.Env(), t.is_contiguous(format));
}

CT_ENTRY(Strides) { return ShapeToJs(info.Env(), UnwrapTensor(info[0], "strides").strides()); }

CT_ENTRY(Item) {
  const at::Tensor& t = UnwrapTensor(info[0], "item");
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}

CT_ENTRY(Dispose) {
  Handle& handle = UnwrapHandle(info[0], "dispose");
  if (!handle.live) return Napi::Boolean::New(info.Env(), false);
  handle.Release();
  return Napi::Boolean::New(info.Env(), true);
}

CT_ENTRY(IsDisposed) { return Napi::Boolean::New(info.Env(), !UnwrapHandle(info[0], "isDisposed").live); }

CT_ENTRY(Nbytes) {
  const at::Tensor& t = UnwrapTensor(info[0], "nbytes");
  return Napi::Number::New(info.Env(), static_cast<double>(t.numel() * t.element_size()));
}

CT_ENTRY(LiveHandles) {
  Napi::Env env = info.Env();
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(g_liveHandles.load())));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(g_liveBytes.load())));
  return out;
}

}  // namespace ct
