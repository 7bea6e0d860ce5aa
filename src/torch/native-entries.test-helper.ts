// The c10d entry points of the libtorch addon, tested in native-distributed.test.ts; every
// other entry is tested in native.test.ts. Together they are the whole native surface.
export const distributedEntries: readonly string[] = [
  'tcpStoreCreate',
  'storeSet',
  'storeGet',
  'storeAdd',
  'processGroupGlooCreate',
  'groupAllreduce',
  'groupBroadcast',
  'groupBarrier',
  'groupAllgather',
  'reducerCreate',
  'reducerPrepareForBackward',
  'syncBatchNorm',
  'distributedRelease',
];
