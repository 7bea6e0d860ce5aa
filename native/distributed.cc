// c10d entry points: libtorch's own TCPStore, ProcessGroupGloo and Reducer.
// All sync (a collective blocks the calling thread until it completes or the
// group's timeout passes); all throw libtorch's or Gloo's message on failure.
// Argument checking happens in TypeScript (src/torch/distributed/).
//
// tcpStoreCreate(host, port, worldSize, isServer, timeoutMs) -> store
// storeSet(store, key, Uint8Array) -> undefined
// storeGet(store, key) -> ArrayBuffer          (waits up to the store's timeout)
// storeAdd(store, key, delta) -> number        (the new value)
// processGroupGlooCreate(store, prefix, rank, worldSize, timeoutMs, device, deviceValue) -> group
//     device: 'hostname' (deviceValue: a name or address to bind), 'interface' (a NIC name),
//     'default' (Gloo's own choice: the host name, else loopback)
// groupAllreduce(group, [tensors]) -> undefined    sum, in place, one collective per tensor
// groupBroadcast(group, [tensors], rootRank) -> undefined   in place
//     both take dense tensors (contiguous, channels-last: no gaps, no overlap) and move
//     their memory as it lies, without a copy: every rank must hold the same strides
// groupBarrier(group) -> undefined
// groupAllgather(group, tensor) -> handle          the ranks' tensors concatenated along dim 0 (contiguous)
// reducerCreate(group, [params], bucketCapBytes, firstBucketCapBytes) -> reducer
//     c10d::Reducer: averages gradients in buckets all-reduced during backward
// reducerPrepareForBackward(reducer) -> undefined  call once before each backward that syncs
// syncBatchNorm(group, input, weight, bias, eps) -> [output, mean, unbiasedVar]
//     training-mode batch norm over every rank's batch (see sync-batch-norm.h): one
//     all-gather now, one all-reduce in the backward of `output`
// distributedRelease(store | group | reducer) -> boolean (false when already released)
#include "distributed.h"
#include "sync-batch-norm.h"

#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace ct {
namespace {

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
};
struct GroupBox {
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::chrono::milliseconds timeout{0};
};
struct ReducerBox {
  std::unique_ptr<c10d::Reducer> reducer;
};

const napi_type_tag kStoreTag = {0x8d1c6a4e2f7b4a13ULL, 0x9e2b5c7d1a3f4e60ULL};
const napi_type_tag kGroupTag = {0x3f6e9a2c5b1d4e87ULL, 0xb4c1d7e2a9f03b52ULL};
const napi_type_tag kReducerTag = {0x6b2d8f1e4c7a4953ULL, 0xc7e3a1b5d2f84e19ULL};

template <typename Box>
Napi::Value WrapBox(Napi::Env env, std::unique_ptr<Box> box, const napi_type_tag* tag) {
  auto external = Napi::External<Box>::New(env, box.get(), [](Napi::Env, Box* b) { delete b; });
  box.release();  // now owned by the External's finalizer
  external.TypeTag(tag);
  return external;
}

template <typename Box>
Box* UnwrapBox(const Napi::Value& value, const napi_type_tag* tag, const char* what) {
  if (!value.IsExternal() || !value.As<Napi::External<Box>>().CheckTypeTag(tag)) {
    ThrowType(value.Env(), std::string("expected a ") + what + " handle but got " + DescribeJs(value));
  }
  return value.As<Napi::External<Box>>().Data();
}

c10d::Store& StoreOf(const Napi::Value& value) {
  auto* box = UnwrapBox<StoreBox>(value, &kStoreTag, "store");
  if (!box->store) throw Napi::Error::New(value.Env(), "store: it was released");
  return *box->store;
}

GroupBox& GroupOf(const Napi::Value& value) {
  auto* box = UnwrapBox<GroupBox>(value, &kGroupTag, "process group");
  if (!box->group) throw Napi::Error::New(value.Env(), "process group: it was released");
  return *box;
}

int64_t IntArg(const Napi::Value& value, const char* what) {
  if (!value.IsNumber() || !IsInt64(value.As<Napi::Number>().DoubleValue())) {
    ThrowType(value.Env(), std::string("expected an integer for ") + what + " but got " + DescribeJs(value));
  }
  return static_cast<int64_t>(value.As<Napi::Number>().DoubleValue());
}

std::string StringArg(const Napi::Value& value, const char* what) {
  if (!value.IsString()) ThrowType(value.Env(), std::string("expected a string for ") + what + " but got " + DescribeJs(value));
  return value.As<Napi::String>().Utf8Value();
}

std::vector<at::Tensor> TensorList(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) ThrowType(value.Env(), std::string("expected an array of tensors for ") + what + " but got " + DescribeJs(value));
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> tensors;
  tensors.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) tensors.push_back(UnwrapTensor(array.Get(i), what));
  return tensors;
}

// A dense tensor's memory as a contiguous 1-D tensor on the same storage. Gloo
// moves a tensor's bytes in memory order, so a channels-last weight (or any
// permuted dense layout) travels in place, without a contiguous copy; throws on
// a tensor with gaps or overlaps (TypeScript checks first).
at::Tensor MemoryView(const at::Tensor& tensor, const char* what) {
  if (tensor.is_contiguous()) return tensor;
  TORCH_CHECK(tensor.is_non_overlapping_and_dense(), what, ": expected a dense tensor (no gaps, no overlap), but got sizes ",
              tensor.sizes(), " and strides ", tensor.strides());
  return tensor.detach().as_strided({tensor.numel()}, {1}, tensor.storage_offset());
}

// Starts every collective first, then waits for all: Gloo runs them on its own threads.
void WaitAll(const std::vector<c10::intrusive_ptr<c10d::Work>>& works, std::chrono::milliseconds timeout) {
  for (const auto& work : works) work->wait(timeout);
}

}  // namespace

CT_ENTRY(TcpStoreCreate) {
  std::string host = StringArg(info[0], "tcpStoreCreate host");
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(IntArg(info[1], "tcpStoreCreate port"));
  options.numWorkers = static_cast<std::size_t>(IntArg(info[2], "tcpStoreCreate worldSize"));
  options.isServer = info[3].ToBoolean().Value();
  options.waitWorkers = false;  // the process group's rendezvous waits for every rank
  options.timeout = std::chrono::milliseconds(IntArg(info[4], "tcpStoreCreate timeoutMs"));
  auto box = std::make_unique<StoreBox>();
  box->store = c10::make_intrusive<c10d::TCPStore>(host, options);
  return WrapBox(info.Env(), std::move(box), &kStoreTag);
}

CT_ENTRY(StoreSet) {
  c10d::Store& store = StoreOf(info[0]);
  std::string key = StringArg(info[1], "storeSet key");
  if (!info[2].IsTypedArray()) ThrowType(info.Env(), "storeSet: expected a Uint8Array value but got " + DescribeJs(info[2]));
  auto bytes = info[2].As<Napi::Uint8Array>();
  std::vector<uint8_t> value(bytes.Data(), bytes.Data() + bytes.ByteLength());
  store.set(key, value);
  return info.Env().Undefined();
}

CT_ENTRY(StoreGet) {
  c10d::Store& store = StoreOf(info[0]);
  std::vector<uint8_t> value = store.get(StringArg(info[1], "storeGet key"));
  auto buffer = Napi::ArrayBuffer::New(info.Env(), value.size());
  if (!value.empty()) std::memcpy(buffer.Data(), value.data(), value.size());
  return buffer;
}

CT_ENTRY(StoreAdd) {
  c10d::Store& store = StoreOf(info[0]);
  int64_t result = store.add(StringArg(info[1], "storeAdd key"), IntArg(info[2], "storeAdd delta"));
  return Napi::Number::New(info.Env(), static_cast<double>(result));
}

CT_ENTRY(ProcessGroupGlooCreate) {
  auto* storeBox = UnwrapBox<StoreBox>(info[0], &kStoreTag, "store");
  if (!storeBox->store) throw Napi::Error::New(info.Env(), "processGroupGlooCreate: the store was released");
  std::string prefix = StringArg(info[1], "processGroupGlooCreate prefix");
  int rank = static_cast<int>(IntArg(info[2], "processGroupGlooCreate rank"));
  int worldSize = static_cast<int>(IntArg(info[3], "processGroupGlooCreate worldSize"));
  std::chrono::milliseconds timeout(IntArg(info[4], "processGroupGlooCreate timeoutMs"));
  std::string device = StringArg(info[5], "processGroupGlooCreate device");
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  if (device == "hostname") {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(StringArg(info[6], "hostname")));
  } else if (device == "interface") {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(StringArg(info[6], "interface")));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  auto store = c10::make_intrusive<c10d::PrefixStore>(prefix, storeBox->store);
  auto box = std::make_unique<GroupBox>();
  box->group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, worldSize, options);
  box->timeout = timeout;
  return WrapBox(info.Env(), std::move(box), &kGroupTag);
}

CT_ENTRY(GroupAllreduce) {
  GroupBox& box = GroupOf(info[0]);
  std::vector<at::Tensor> tensors = TensorList(info[1], "groupAllreduce");
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  options.timeout = box.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& tensor : tensors) {
    std::vector<at::Tensor> one{MemoryView(tensor, "groupAllreduce")};
    works.push_back(box.group->allreduce(one, options));
  }
  WaitAll(works, box.timeout);
  return info.Env().Undefined();
}

CT_ENTRY(GroupBroadcast) {
  GroupBox& box = GroupOf(info[0]);
  std::vector<at::Tensor> tensors = TensorList(info[1], "groupBroadcast");
  c10d::BroadcastOptions options;
  options.rootRank = IntArg(info[2], "groupBroadcast rootRank");
  options.timeout = box.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& tensor : tensors) {
    std::vector<at::Tensor> one{MemoryView(tensor, "groupBroadcast")};
    works.push_back(box.group->broadcast(one, options));
  }
  WaitAll(works, box.timeout);
  return info.Env().Undefined();
}

CT_ENTRY(GroupBarrier) {
  GroupBox& box = GroupOf(info[0]);
  c10d::BarrierOptions options;
  options.timeout = box.timeout;
  box.group->barrier(options)->wait(box.timeout);
  return info.Env().Undefined();
}

CT_ENTRY(GroupAllgather) {
  GroupBox& box = GroupOf(info[0]);
  // In logical order, so a channels-last tensor gathers like its contiguous copy (a no-op for a contiguous one).
  std::vector<at::Tensor> input{UnwrapTensor(info[1], "groupAllgather").contiguous()};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < box.group->getSize(); ++r) outputs[0].push_back(at::empty_like(input[0]));
  c10d::AllgatherOptions options;
  options.timeout = box.timeout;
  box.group->allgather(outputs, input, options)->wait(box.timeout);
  return WrapTensor(info.Env(), at::cat(outputs[0], 0));
}

CT_ENTRY(ReducerCreate) {
  GroupBox& group = GroupOf(info[0]);
  std::vector<at::Tensor> params = TensorList(info[1], "reducerCreate params");
  auto bucketCap = static_cast<size_t>(IntArg(info[2], "reducerCreate bucketCapBytes"));
  auto firstBucketCap = static_cast<size_t>(IntArg(info[3], "reducerCreate firstBucketCapBytes"));
  std::vector<bool> sparse(params.size(), false);
  // As torch.nn.parallel.DistributedDataParallel does: same shapes on every
  // rank, buckets by size in reverse parameter order (gradients arrive roughly so).
  c10d::verify_params_across_processes(group.group, params, c10::nullopt);
  auto [indices, limits] = c10d::compute_bucket_assignment_by_size(params, {firstBucketCap, bucketCap}, sparse);
  std::reverse(indices.begin(), indices.end());
  std::reverse(limits.begin(), limits.end());
  auto box = std::make_unique<ReducerBox>();
  box->reducer = std::make_unique<c10d::Reducer>(params, indices, limits, group.group, sparse,
                                                 static_cast<int64_t>(bucketCap), /*find_unused_parameters=*/false,
                                                 /*gradient_as_bucket_view=*/false,
                                                 std::unordered_map<size_t, std::string>{},
                                                 static_cast<int64_t>(firstBucketCap));
  return WrapBox(info.Env(), std::move(box), &kReducerTag);
}

CT_ENTRY(ReducerPrepareForBackward) {
  auto* box = UnwrapBox<ReducerBox>(info[0], &kReducerTag, "reducer");
  if (!box->reducer) throw Napi::Error::New(info.Env(), "reducer: it was released");
  // After the first backward, buckets follow the order gradients arrived in (a no-op afterwards).
  box->reducer->rebuild_buckets();
  box->reducer->prepare_for_forward();
  box->reducer->prepare_for_backward({});
  return info.Env().Undefined();
}

CT_ENTRY(SyncBatchNorm) {
  GroupBox& box = GroupOf(info[0]);
  const at::Tensor& input = UnwrapTensor(info[1], "syncBatchNorm input");
  const at::Tensor& weight = UnwrapTensor(info[2], "syncBatchNorm weight");
  const at::Tensor& bias = UnwrapTensor(info[3], "syncBatchNorm bias");
  if (!info[4].IsNumber()) ThrowType(info.Env(), "syncBatchNorm: expected a number for eps but got " + DescribeJs(info[4]));
  double eps = info[4].As<Napi::Number>().DoubleValue();
  auto outputs = SyncBatchNormFunction::apply(input, weight, bias, box.group, eps, static_cast<int64_t>(box.timeout.count()));
  auto result = Napi::Array::New(info.Env(), outputs.size());
  for (uint32_t i = 0; i < outputs.size(); ++i) result.Set(i, WrapTensor(info.Env(), outputs[i]));
  return result;
}

CT_ENTRY(DistributedRelease) {
  const Napi::Value& value = info[0];
  bool released = false;
  if (value.IsExternal() && value.As<Napi::External<ReducerBox>>().CheckTypeTag(&kReducerTag)) {
    auto* box = value.As<Napi::External<ReducerBox>>().Data();
    released = box->reducer != nullptr;
    box->reducer.reset();
  } else if (value.IsExternal() && value.As<Napi::External<GroupBox>>().CheckTypeTag(&kGroupTag)) {
    auto* box = value.As<Napi::External<GroupBox>>().Data();
    released = box->group.defined();
    box->group.reset();
  } else if (value.IsExternal() && value.As<Napi::External<StoreBox>>().CheckTypeTag(&kStoreTag)) {
    auto* box = value.As<Napi::External<StoreBox>>().Data();
    released = box->store.defined();
    box->store.reset();
  } else {
    ThrowType(info.Env(), "distributedRelease: expected a store, process group or reducer handle but got " + DescribeJs(value));
  }
  return Napi::Boolean::New(info.Env(), released);
}

}  // namespace ct
