#include "common.h"

namespace ct {

std::atomic<int64_t> g_liveHandles{0};
std::atomic<int64_t> g_liveBytes{0};

void Handle::Release() {
  if (!live) return;
  tensor.reset();
  live = false;
  g_liveHandles--;
  g_liveBytes -= bytes;
}

const napi_type_tag kTensorTag = {0x5c3a7e1f9b2d4c68ULL, 0xa1e0f3d27b694c15ULL};

static void FinalizeHandle(Napi::Env /*env*/, Handle* handle) {
  handle->Release();
  delete handle;
}

Napi::Value WrapTensor(Napi::Env env, at::Tensor tensor) {
  auto owned = std::make_unique<Handle>();
  owned->bytes = tensor.defined() ? tensor.numel() * static_cast<int64_t>(tensor.element_size()) : 0;
  owned->tensor = std::move(tensor);
  auto external = Napi::External<Handle>::New(env, owned.get(), FinalizeHandle);
  int64_t owned_bytes = owned->bytes;
  owned.release();  // now owned by the External's finalizer
  external.TypeTag(&kTensorTag);
  g_liveHandles++;
  g_liveBytes += owned_bytes;
  return external;
}

bool IsTensorHandle(Napi::Env /*env*/, const Napi::Value& value) {
  if (!value.IsExternal()) return false;
  return value.As<Napi::External<Handle>>().CheckTypeTag(&kTensorTag);
}

std::string DescribeJs(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "boolean";
    case napi_number: return "number";
    case napi_string: return "string";
    case napi_symbol: return "symbol";
    case napi_function: return "function";
    case napi_external: return "external";
    case napi_bigint: return "bigint";
    default: return value.IsArray() ? "array" : "object";
  }
}

void ThrowType(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

Handle& UnwrapHandle(const Napi::Value& value, const char* what) {
  if (!IsTensorHandle(value.Env(), value)) {
    ThrowType(value.Env(), std::string("expected a tensor handle for ") + what +
                               " but got " + DescribeJs(value));
  }
  return *value.As<Napi::External<Handle>>().Data();
}

const at::Tensor& UnwrapTensor(const Napi::Value& value, const char* what) {
  Handle& handle = UnwrapHandle(value, what);
  if (!handle.live) {
    throw Napi::Error::New(value.Env(), std::string("Tensor is disposed (") + what + ")");
  }
  return handle.tensor;
}

}  // namespace ct
