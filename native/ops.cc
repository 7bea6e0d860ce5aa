// Generic operator calls through the c10 dispatcher.
//
// opHandle(name, overload) -> External   sync; throws if the operator does not exist.
// callOp(op, args[])       -> value      sync; converts each JS argument by the
//   operator's schema, runs it through the dispatcher (autograd, autocast and
//   device dispatch included) and converts the results. Throws a TypeError for a
//   JS value that does not fit the schema, an Error with libtorch's text otherwise.
// opSchema(op)             -> string     sync; the operator's schema, for messages.
#include "ops.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <memory>

namespace ct {

namespace {

const napi_type_tag kOpTag = {0x2f6b1c9e4d3a7058ULL, 0x9e4c2b7a1d5f3e60ULL};

struct OpBox {
  c10::OperatorHandle handle;
  std::string name;
};

[[noreturn]] void ArgError(const Napi::Value& value, const OpBox& op, const c10::Argument& arg,
                           const std::string& expected) {
  ThrowType(value.Env(), op.name + ": expected " + expected + " for argument '" + arg.name() +
                             "' but got " + DescribeJs(value));
}

int64_t ToInt(const Napi::Value& v, const OpBox& op, const c10::Argument& arg) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber()) ArgError(v, op, arg, "an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!IsInt64(d)) ArgError(v, op, arg, "an integer within int64");
  return static_cast<int64_t>(d);
}

int64_t ToEnum(const Napi::Value& v, const OpBox& op, const c10::Argument& arg, int64_t count, const char* what) {
  int64_t code = ToInt(v, op, arg);
  if (code < 0 || code >= count) ArgError(v, op, arg, std::string(what) + " in [0, " + std::to_string(count) + ")");
  return code;
}

double ToDouble(const Napi::Value& v, const OpBox& op, const c10::Argument& arg) {
  if (!v.IsNumber()) ArgError(v, op, arg, "a number");
  return v.As<Napi::Number>().DoubleValue();
}

c10::IValue ToScalar(const Napi::Value& v, const OpBox& op, const c10::Argument& arg) {
  if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    bool integral = IsInt64(d) && std::abs(d) < 9007199254740992.0;
    return integral ? c10::IValue(static_cast<int64_t>(d)) : c10::IValue(d);
  }
  // {float: x} forces a floating-point scalar even for integral values.
  if (v.IsObject() && !v.IsArray() && v.As<Napi::Object>().Has("float")) {
    return c10::IValue(ToDouble(v.As<Napi::Object>().Get("float"), op, arg));
  }
  ArgError(v, op, arg, "a number or boolean");
}

c10::IValue ToIValue(const Napi::Value& v, const c10::TypePtr& type, const OpBox& op,
                     const c10::Argument& arg);

c10::IValue ToList(const Napi::Value& v, const c10::ListTypePtr& type, const OpBox& op,
                   const c10::Argument& arg) {
  const c10::TypePtr& elem = type->getElementType();
  auto kind = elem->kind();
  // int[2] stride=1 style: a single number fills the list.
  if (!v.IsArray()) {
    bool intLike = kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType;
    if (intLike && v.IsNumber() && arg.N()) {
      c10::List<int64_t> list;
      for (int32_t i = 0; i < *arg.N(); ++i) list.push_back(ToInt(v, op, arg));
      return list;
    }
    ArgError(v, op, arg, "an array (" + type->str() + ")");
  }
  auto array = v.As<Napi::Array>();
  uint32_t n = array.Length();
  switch (kind) {
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: {
      c10::List<int64_t> list;
      list.reserve(n);
      for (uint32_t i = 0; i < n; ++i) list.push_back(ToInt(array.Get(i), op, arg));
      return list;
    }
    case c10::TypeKind::FloatType: {
      c10::List<double> list;
      list.reserve(n);
      for (uint32_t i = 0; i < n; ++i) list.push_back(ToDouble(array.Get(i), op, arg));
      return list;
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> list;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value e = array.Get(i);
        if (!e.IsBoolean()) ArgError(e, op, arg, "a boolean array");
        list.push_back(e.As<Napi::Boolean>().Value());
      }
      return list;
    }
    case c10::TypeKind::TensorType: {
      c10::List<at::Tensor> list;
      list.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value e = array.Get(i);
        if (!IsTensorHandle(v.Env(), e)) ArgError(e, op, arg, "an array of tensors");
        list.push_back(UnwrapTensor(e, arg.name().c_str()));
      }
      return list;
    }
    case c10::TypeKind::OptionalType: {
      c10::List<c10::optional<at::Tensor>> list;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value e = array.Get(i);
        if (e.IsNull() || e.IsUndefined()) {
          list.push_back(c10::nullopt);
        } else if (IsTensorHandle(v.Env(), e)) {
          list.push_back(UnwrapTensor(e, arg.name().c_str()));
        } else {
          ArgError(e, op, arg, "an array of tensors or nulls");
        }
      }
      return list;
    }
    default:
      ArgError(v, op, arg, "a value of a supported type (" + type->str() + " is not supported)");
  }
}

c10::IValue ToIValue(const Napi::Value& v, const c10::TypePtr& type, const OpBox& op,
                     const c10::Argument& arg) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      if (!IsTensorHandle(v.Env(), v)) ArgError(v, op, arg, "a tensor");
      return UnwrapTensor(v, arg.name().c_str());
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return ToIValue(v, type->castRaw<c10::OptionalType>()->getElementType(), op, arg);
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return ToInt(v, op, arg);
    case c10::TypeKind::ScalarTypeType:
      return ToEnum(v, op, arg, static_cast<int64_t>(at::ScalarType::NumOptions), "a dtype code");
    case c10::TypeKind::LayoutType:
      return ToEnum(v, op, arg, static_cast<int64_t>(at::Layout::NumOptions), "a layout code");
    case c10::TypeKind::MemoryFormatType:
      return ToEnum(v, op, arg, static_cast<int64_t>(at::MemoryFormat::NumOptions), "a memory format code");
    case c10::TypeKind::FloatType:
      return ToDouble(v, op, arg);
    case c10::TypeKind::NumberType:
      return ToScalar(v, op, arg);
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) ArgError(v, op, arg, "a boolean");
      return v.As<Napi::Boolean>().Value();
    case c10::TypeKind::StringType:
      if (!v.IsString()) ArgError(v, op, arg, "a string");
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) ArgError(v, op, arg, "a device string such as 'cpu' or 'cuda:0'");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::ListType:
      return ToList(v, type->expect<c10::ListType>(), op, arg);
    case c10::TypeKind::GeneratorType:
      if (!v.IsNull() && !v.IsUndefined()) ArgError(v, op, arg, "null (generators are not supported)");
      return c10::IValue();
    default:
      ArgError(v, op, arg, "a value of a supported type (" + type->str() + " is not supported)");
  }
}

}  // namespace

Napi::Value ToJs(Napi::Env env, const c10::IValue& value) {
  if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (!t.defined()) return env.Null();
    return WrapTensor(env, t);
  }
  if (value.isNone()) return env.Null();
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isString()) return Napi::String::New(env, value.toStringRef());
  if (value.isTuple()) {
    const auto& elems = value.toTupleRef().elements();
    auto out = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) out.Set(i, ToJs(env, elems[i]));
    return out;
  }
  if (value.isList()) {
    auto list = value.toListRef();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(i, ToJs(env, list[i]));
    return out;
  }
  throw Napi::Error::New(env, "callOp: unsupported result type " + value.tagKind());
}

CT_ENTRY(OpHandle) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowType(env, "opHandle: expected (name: string, overload: string)");
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].As<Napi::String>().Utf8Value();
  auto found = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!found) {
    throw Napi::Error::New(env, "opHandle: no operator " + name + (overload.empty() ? "" : "." + overload));
  }
  auto box = std::make_unique<OpBox>(OpBox{*found, name + (overload.empty() ? "" : "." + overload)});
  auto external = Napi::External<OpBox>::New(env, box.get(), [](Napi::Env, OpBox* p) { delete p; });
  box.release();
  external.TypeTag(&kOpTag);
  return external;
}

static OpBox& UnwrapOp(const Napi::Value& v) {
  if (!v.IsExternal() || !v.As<Napi::External<OpBox>>().CheckTypeTag(&kOpTag)) {
    ThrowType(v.Env(), "expected an operator handle from opHandle() but got " + DescribeJs(v));
  }
  return *v.As<Napi::External<OpBox>>().Data();
}

CT_ENTRY(CallOp) {
  Napi::Env env = info.Env();
  OpBox& op = UnwrapOp(info[0]);
  if (!info[1].IsArray()) ThrowType(env, op.name + ": expected an array of arguments");
  auto args = info[1].As<Napi::Array>();
  const auto& schema = op.handle.schema();
  const auto& params = schema.arguments();
  uint32_t given = args.Length();
  if (given > params.size()) {
    ThrowType(env, op.name + ": expected at most " + std::to_string(params.size()) +
                       " arguments but got " + std::to_string(given));
  }
  torch::jit::Stack stack;
  stack.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const c10::Argument& arg = params[i];
    Napi::Value v = i < given ? args.Get(static_cast<uint32_t>(i)) : env.Undefined();
    if (v.IsUndefined() && arg.default_value()) {
      stack.push_back(*arg.default_value());
    } else if (v.IsUndefined() && arg.real_type()->kind() != c10::TypeKind::OptionalType) {
      ThrowType(env, op.name + ": missing required argument '" + arg.name() + "'");
    } else {
      stack.push_back(ToIValue(v, arg.real_type(), op, arg));
    }
  }
  try {
    op.handle.callBoxed(stack);
  } catch (const c10::Error& e) {
    // Name the operator, as tfjs does ("Error in conv2d: ..."): libtorch's text alone does not.
    throw Napi::Error::New(env, "Error in " + op.name + ": " + e.what_without_backtrace());
  }
  if (stack.empty()) return env.Undefined();
  if (stack.size() == 1) return ToJs(env, stack[0]);
  auto out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); ++i) out.Set(i, ToJs(env, stack[i]));
  return out;
}

CT_ENTRY(OpSchema) {
  OpBox& op = UnwrapOp(info[0]);
  std::ostringstream os;
  os << op.handle.schema();
  return Napi::String::New(info.Env(), os.str());
}

}  // namespace ct
