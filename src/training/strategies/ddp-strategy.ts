/**
 * `DdpStrategy`: data-parallel training over libtorch's c10d, what
 * Lightning's `strategy="ddp"` does on torch.distributed. Each worker joins a
 * Gloo process group (rendezvous on rank 0's TCPStore), starts from rank 0's
 * weights, reads its own shard of every epoch, and averages gradients in
 * buckets during backward (c10d's Reducer). Evaluation splits are sharded
 * without padding and metric states summed (or gathered) over ranks before
 * compute; only rank 0 writes files.
 *
 * @example
 * const ddp = DdpStrategy.fromEnv();            // torchrun's MASTER_ADDR, RANK, ... variables
 * ddp.setupModule(model);                        // rank 0's weights everywhere, gradient hooks armed
 *                                                // (and SyncBatchNorm layers with `syncBatchnorm: true`)
 * const sampler = ddp.sampler(dataset.length, { seed: 42 });
 * for (const batch of batches) {
 *   ddp.syncBuffers(model);                      // BatchNorm statistics from rank 0
 *   const loss = lossOf(model, batch);
 *   ddp.beforeBackward();
 *   loss.backward();                             // grads are now the mean over ranks
 *   optimizer.step();
 * }
 * ddp.dispose();                                 // SyncBatchNorm layers become BatchNorm2d again
 */
import { ConfigError, TrainingError } from '../../errors.js';
import { DistributedSampler } from '../../data/samplers/distributed-sampler.js';
import type { Sampler } from '../../data/samplers/sampler.js';
import { ProcessGroupGloo, Reducer, TcpStore } from '../../torch/distributed/index.js';
import type { GlooDevice } from '../../torch/distributed/index.js';
import type { Module } from '../../torch/nn/module.js';
import { SyncBatchNorm } from '../../torch/nn/sync-batch-norm.js';
import type { Tensor } from '../../torch/tensor.js';
import { noGrad } from '../../torch/index.js';
import type { MetricReducer } from '../../metrics/metric.js';
import { EvalShardSampler } from './eval-shard-sampler.js';
import { readRunId, RUN_ID_ENV } from './ddp-env.js';
import { assertSameLayouts } from './same-layouts.js';
import { readTorchrunEnv } from './torchrun-env.js';
import type { TorchrunEnv } from './torchrun-env.js';

/** Options for `DdpStrategy`. */
export interface DdpStrategyOptions {
  /** How long a rendezvous or collective waits for the other ranks (default 60 s; `trainer.distributedTimeout`). */
  timeoutMs?: number;
  /** Gradient bucket size in MiB (default 25). */
  bucketCapMb?: number;
  /** Gloo's network device; default: `GLOO_SOCKET_IFNAME`'s interface, loopback when MASTER_ADDR is local, else Gloo's choice. */
  device?: GlooDevice;
  /** Lightning's `sync_batchnorm`: every BatchNorm2d of the module computes its batch statistics over all ranks (default false). */
  syncBatchnorm?: boolean;
  /** The run this rank belongs to (torchrun's `rdzv_id`; default 'none'): a rank of another run is refused. */
  runId?: string;
}

/** The store key under which rank 0 leaves its run id, beside c10d's own keys. */
const RUN_ID_KEY = 'classifier_training/run_id';

/**
 * Rank 0 puts its run id in the store; every other rank reads it before it
 * writes anything there, and leaves when it differs: a rank of a second run
 * that found the first run's store on a shared MASTER_PORT must not join it.
 */
function checkRunId(store: TcpStore, env: TorchrunEnv, runId: string): void {
  if (env.rank === 0) {
    store.set(RUN_ID_KEY, runId);
    return;
  }
  const theirs = store.get(RUN_ID_KEY);
  if (theirs === runId) return;
  throw new TrainingError(
    `DdpStrategy: expected the store at ${env.masterAddr}:${env.masterPort} to belong to run ${JSON.stringify(runId)}, ` +
      `but got run ${JSON.stringify(theirs)}: another run uses MASTER_PORT=${env.masterPort}; ` +
      `give each run its own MASTER_PORT (or leave it unset for a free one) and one ${RUN_ID_ENV} on all its ranks`,
  );
}

function defaultDevice(masterAddr: string, env: NodeJS.ProcessEnv): GlooDevice {
  if (env.GLOO_SOCKET_IFNAME) return { kind: 'interface', value: env.GLOO_SOCKET_IFNAME.split(',')[0] };
  if (masterAddr === 'localhost' || masterAddr.startsWith('127.')) return { kind: 'hostname', value: '127.0.0.1' };
  return { kind: 'default' };
}

/** One worker of a data-parallel run. */
export class DdpStrategy implements Disposable {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly group: ProcessGroupGloo;
  readonly #store: TcpStore;
  readonly #options: DdpStrategyOptions;
  #reducer: Reducer | null = null;
  /** The module whose BatchNorm2d layers were converted to SyncBatchNorm (reverted by `dispose`). */
  #synced: Module | null = null;
  /** Each trainable parameter's name, tensor and strides at setup, until the first backward checked them. */
  #layouts: [string, Tensor, string][] | null = null;
  /** Run by `dispose` before the group is released. */
  readonly #beforeDispose: (() => void)[] = [];

  private constructor(env: TorchrunEnv, store: TcpStore, group: ProcessGroupGloo, options: DdpStrategyOptions) {
    this.rank = env.rank;
    this.worldSize = env.worldSize;
    this.localRank = env.localRank;
    this.#store = store;
    this.group = group;
    this.#options = options;
  }

  /**
   * Joins the run described by torchrun's environment variables (blocks until every rank joined or the
   * timeout); the run id comes from CLASSIFIER_TRAINING_RUN_ID or TORCHELASTIC_RUN_ID (`readRunId`).
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, options: DdpStrategyOptions = {}): DdpStrategy {
    const defaults = { device: defaultDevice(env.MASTER_ADDR ?? '', env), runId: readRunId(env) };
    return DdpStrategy.connect(readTorchrunEnv(env), { ...defaults, ...options });
  }

  /** Joins the run at `env.masterAddr:env.masterPort` as `env.rank` of `env.worldSize`. */
  static connect(env: TorchrunEnv, options: DdpStrategyOptions = {}): DdpStrategy {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const store = TcpStore.create({
      host: env.masterAddr,
      port: env.masterPort,
      worldSize: env.worldSize,
      isServer: env.rank === 0,
      timeoutMs,
    });
    try {
      checkRunId(store, env, options.runId ?? 'none');
      const device = options.device ?? defaultDevice(env.masterAddr, {});
      const group = ProcessGroupGloo.create(store, { rank: env.rank, worldSize: env.worldSize, timeoutMs, device });
      return new DdpStrategy(env, store, group, { ...options, timeoutMs });
    } catch (error) {
      store.dispose();
      throw error;
    }
  }

  /** True on rank 0, the one rank that logs, plots and writes checkpoints. */
  get isGlobalZero(): boolean {
    return this.rank === 0;
  }

  /**
   * With `syncBatchnorm`, first turns the BatchNorm2d layers inside `module` into SyncBatchNorm on this
   * group (the same tensors); then checks that every rank lays out each tensor as rank 0 does, copies
   * rank 0's parameters and buffers into every rank's module and hooks gradient averaging into backward.
   * Give the module its final memory format first (the Trainer does): the gradient buckets take each
   * parameter's strides, as c10d's Reducer lays them out, so gradients land in them without a strided copy.
   */
  setupModule(module: Module): void {
    if (this.#reducer !== null) throw new ConfigError('DdpStrategy.setupModule: expected one module per strategy, but got a second call');
    if (this.#options.syncBatchnorm) {
      if (SyncBatchNorm.convertSyncBatchnorm(module, this.group) !== module) {
        throw new ConfigError(
          'DdpStrategy.setupModule: expected a module that contains its BatchNorm2d layers, but got a BatchNorm2d itself',
        );
      }
      this.#synced = module;
    }
    // Tensors travel as their memory lies (a channels-last weight without a copy): same layout on every rank first.
    const named = [...module.namedParameters(), ...module.namedBuffers()];
    assertSameLayouts(this.group, named);
    noGrad(() =>
      this.group.broadcast(
        named.map(([, t]) => t),
        { src: 0 },
      ),
    );
    this.#reducer = new Reducer(this.group, module.parameters(), { bucketCapMb: this.#options.bucketCapMb });
    this.#layouts = named.flatMap(([name, t]) => (t.requiresGrad ? [[name, t, t.strides().join(', ')] as [string, Tensor, string]] : []));
  }

  /** DDP's `broadcast_buffers`: rank 0's buffers (BatchNorm running statistics) before each training forward. */
  syncBuffers(module: Module): void {
    const buffers = module.buffers();
    if (buffers.length > 0 && this.worldSize > 1) this.group.broadcast(buffers, { src: 0 });
  }

  /** Arms the gradient hooks; call right before each `loss.backward()` of a training step. */
  beforeBackward(): void {
    if (this.#reducer === null) throw new ConfigError('DdpStrategy.beforeBackward: expected setupModule(module) first, but got no module');
    if (this.#layouts !== null) this.#checkLayouts(this.#layouts);
    this.#reducer.prepareForBackward();
  }

  /**
   * Once, before the first backward: the Reducer's bucket views took each parameter's strides at setup, so a
   * module converted since (a memory format changed) would copy every gradient through mismatched strides.
   */
  #checkLayouts(layouts: readonly [string, Tensor, string][]): void {
    this.#layouts = null;
    for (const [name, t, strides] of layouts) {
      if (t.strides().join(', ') === strides) continue;
      throw new ConfigError(
        `DdpStrategy.beforeBackward: expected ${name} to keep the strides [${strides}] it had at setupModule, but got [${t.strides().join(', ')}]; convert the module (module.to({ memoryFormat })) before DdpStrategy.setupModule`,
      );
    }
  }

  /** Sums each tensor over ranks, in place (metric states, counters). */
  allReduceSum(tensors: readonly Tensor[]): void {
    this.group.allReduce(tensors);
  }

  /** The ranks' tensors (same shape) concatenated along dim 0, rank 0 first; the caller owns the result. */
  allGather(tensor: Tensor): Tensor {
    return this.group.allGather(tensor);
  }

  /** The collectives a metric's `syncStates` needs, on this run's group. */
  get metricReducer(): MetricReducer {
    return { sum: (tensors) => this.allReduceSum(tensors), gather: (t) => this.allGather(t) };
  }

  /** This rank's unpadded, strided share of an evaluation split: together the ranks visit each sample once. */
  evalSampler(length: number): EvalShardSampler {
    return new EvalShardSampler({ length, numReplicas: this.worldSize, rank: this.rank });
  }

  /** This rank's shard of a data set of `length` samples, for `trainer` loaders. */
  sampler(length: number, options: { shuffle?: boolean; seed?: number; dropLast?: boolean; base?: Sampler } = {}): DistributedSampler {
    return new DistributedSampler({ length, numReplicas: this.worldSize, rank: this.rank, ...options });
  }

  /** Waits for every rank. */
  barrier(): void {
    this.group.barrier();
  }

  /** Runs `fn` when the run ends (`dispose`), before the group is released: rank 0 reports to its launcher then. */
  beforeDispose(fn: () => void): void {
    this.#beforeDispose.push(fn);
  }

  /** Leaves the run: SyncBatchNorm layers revert to BatchNorm2d (Lightning's teardown); hooks, group and store are released. */
  dispose(): void {
    for (const fn of this.#beforeDispose.splice(0)) fn();
    if (this.#synced !== null) SyncBatchNorm.revertSyncBatchnorm(this.#synced);
    this.#synced = null;
    this.#reducer?.dispose();
    this.#reducer = null;
    this.group.dispose();
    this.#store.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
