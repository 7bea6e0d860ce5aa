/**
 * `torch.distributed` for this project: libtorch's c10d (TCPStore,
 * ProcessGroupGloo, Reducer) bound through the addon.
 *
 * @example
 * import { TcpStore, ProcessGroupGloo, Reducer } from './distributed/index.js';
 */
export { TcpStore } from './tcp-store.js';
export type { TcpStoreOptions } from './tcp-store.js';
export { ProcessGroupGloo } from './process-group.js';
export type { ProcessGroupOptions } from './process-group.js';
export { Reducer } from './reducer.js';
export type { ReducerOptions } from './reducer.js';
export type { GlooDevice } from './native-distributed.js';
