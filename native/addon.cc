// Registers the native entry points; each lives in its own file and is
// documented there. Nothing else happens here.
#include "autograd.h"
#include "distributed.h"
#include "ops.h"
#include "optim.h"
#include "runtime.h"
#include "tensor.h"

namespace ct {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Function::Callback> entries[] = {
      {"opHandle", OpHandle},         {"callOp", CallOp},
      {"opSchema", OpSchema},         {"fromBuffer", FromBuffer},
      {"toBuffer", ToBuffer},         {"sharedBuffer", SharedBuffer},
      {"memoryLease", MemoryLeaseOf}, {"releaseMemoryLease", ReleaseMemoryLease},
      {"storageUseCount", StorageUseCount},
      {"meta", Meta},                 {"strides", Strides},
      {"isContiguous", IsContiguous},
      {"item", Item},                 {"dispose", Dispose},
      {"isDisposed", IsDisposed},     {"nbytes", Nbytes},
      {"liveHandles", LiveHandles},   {"requiresGrad", RequiresGrad},
      {"setRequiresGrad", SetRequiresGrad}, {"grad", Grad},
      {"setGrad", SetGrad},           {"backward", Backward},
      {"retainGrad", RetainGrad},     {"isLeaf", IsLeaf},
      {"gradFn", GradFn},             {"setGradEnabled", SetGradEnabled},
      {"isGradEnabled", IsGradEnabled}, {"manualSeed", ManualSeed}, {"getRngState", GetRngState}, {"setRngState", SetRngState},
      {"setNumThreads", SetNumThreads}, {"getNumThreads", GetNumThreads}, {"setDeterministic", SetDeterministic}, {"isDeterministic", IsDeterministic},
      {"version", Version},           {"showConfig", ShowConfig},
      {"parallelInfo", ParallelInfo}, {"cudaDeviceCount", CudaDeviceCount},
      {"autocastGet", AutocastGet},   {"autocastSet", AutocastSet},
      {"autocastNesting", AutocastNesting},
      {"tcpStoreCreate", TcpStoreCreate}, {"storeSet", StoreSet},
      {"storeGet", StoreGet},         {"storeAdd", StoreAdd},
      {"processGroupGlooCreate", ProcessGroupGlooCreate},
      {"groupAllreduce", GroupAllreduce}, {"groupBroadcast", GroupBroadcast},
      {"groupBarrier", GroupBarrier}, {"groupAllgather", GroupAllgather},
      {"reducerCreate", ReducerCreate}, {"reducerPrepareForBackward", ReducerPrepareForBackward},
      {"adamStep", AdamStep}, {"sgdStep", SgdStep},
      {"adamStepMany", AdamStepMany}, {"sgdStepMany", SgdStepMany},
      {"syncBatchNorm", SyncBatchNorm}, {"distributedRelease", DistributedRelease},
  };
  for (const auto& [name, fn] : entries) exports.Set(name, Napi::Function::New(env, fn, name));
  return exports;
}

}  // namespace ct

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ct::Init(env, exports); }

NODE_API_MODULE(classifier_training, InitAddon)
