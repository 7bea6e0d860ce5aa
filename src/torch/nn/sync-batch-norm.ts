/**
 * `SyncBatchNorm`: `torch.nn.SyncBatchNorm` for this project. In training
 * mode the batch statistics cover the batches of every rank of a process
 * group (forward and backward), and the running statistics are updated as one
 * BatchNorm over the concatenated batch would update them (the unbiased
 * variance uses the global count), so every rank keeps the same ones. In
 * evaluation mode, or without a group of more than one rank, it is
 * BatchNorm2d. Parameters and buffers keep BatchNorm2d's names, so state
 * records, checkpoints and exports do not change.
 *
 * The computation is native (native/sync-batch-norm.h): one all-gather of
 * per-rank mean, squared deviations and count in forward, combined with Chan
 * et al.'s pairwise formula; one all-reduce of sum(dy) and sum(dy * xhat) in
 * backward.
 *
 * @example
 * const model = SyncBatchNorm.convertSyncBatchnorm(resnet18(), group); // every BatchNorm2d, same tensors
 * // ... data-parallel training ...
 * SyncBatchNorm.revertSyncBatchnorm(model);                             // plain BatchNorm2d again
 */
import { ShapeError, TrainingError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import { distributedNative } from '../distributed/native-distributed.js';
import type { ProcessGroupGloo } from '../distributed/process-group.js';
import { ones, zeros } from '../ops/creation.js';
import { Tensor } from '../tensor.js';
import { BatchNorm2d } from './batch-norm2d.js';
import type { BatchNorm2dOptions } from './batch-norm2d.js';
import type { Module } from './module.js';

/** Options of `SyncBatchNorm`: BatchNorm2d's, and the group whose ranks share statistics. */
export interface SyncBatchNormOptions extends BatchNorm2dOptions {
  /** null: no group yet (behaves as BatchNorm2d until one is set). */
  processGroup?: ProcessGroupGloo | null;
}

const stateNames = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'] as const;

/** Moves `from`'s parameters, buffers and mode onto `to` (the same tensor objects, so optimizers and hooks stay valid). */
function moveState(from: BatchNorm2d, to: BatchNorm2d): void {
  for (const name of stateNames) {
    const tensor = from[name];
    to[name]?.dispose();
    if (name === 'weight' || name === 'bias') {
      const frozen = tensor !== null && !tensor.requiresGrad;
      to.registerParameter(name, tensor);
      if (frozen) tensor.requiresGrad_(false);
    } else {
      to.registerBuffer(name, tensor);
    }
  }
  to.training = from.training;
}

function layerOptions(bn: BatchNorm2d): BatchNorm2dOptions {
  return { eps: bn.eps, momentum: bn.momentum, affine: bn.affine, trackRunningStats: bn.trackRunningStats };
}

/** BatchNorm2d with statistics over all ranks of `processGroup` in training mode. */
export class SyncBatchNorm extends BatchNorm2d {
  processGroup: ProcessGroupGloo | null;

  constructor(numFeatures: number, options: SyncBatchNormOptions = {}) {
    const { processGroup = null, ...layer } = options;
    super(numFeatures, layer);
    this.processGroup = processGroup;
  }

  /**
   * Replaces every BatchNorm2d inside `module` (and `module` itself when it is
   * one) by a SyncBatchNorm on `processGroup` holding the same tensors; returns the converted module.
   *
   * @example
   * model = SyncBatchNorm.convertSyncBatchnorm(model, ddp.group);
   */
  static convertSyncBatchnorm<M extends Module>(module: M, processGroup: ProcessGroupGloo): M | SyncBatchNorm {
    const convert = (bn: BatchNorm2d): SyncBatchNorm => {
      const sync = new SyncBatchNorm(bn.numFeatures, { ...layerOptions(bn), processGroup });
      moveState(bn, sync);
      return sync;
    };
    return replaceLayers(module, (m) => (m.constructor === BatchNorm2d ? convert(m as BatchNorm2d) : null));
  }

  /**
   * Replaces every SyncBatchNorm inside `module` (and `module` itself) by a
   * BatchNorm2d holding the same tensors; returns the reverted module (Lightning's `LayerSync.revert`).
   *
   * @example
   * model = SyncBatchNorm.revertSyncBatchnorm(model);
   */
  static revertSyncBatchnorm<M extends Module>(module: M): M | BatchNorm2d {
    const revert = (sync: SyncBatchNorm): BatchNorm2d => {
      const bn = new BatchNorm2d(sync.numFeatures, layerOptions(sync));
      moveState(sync, bn);
      return bn;
    };
    return replaceLayers(module, (m) => (m instanceof SyncBatchNorm ? revert(m) : null));
  }

  override forward(x: Tensor): Tensor {
    const group = this.processGroup;
    if (!this.training || group === null || group.worldSize < 2) return super.forward(x);
    if (x.ndim !== 4) throw new ShapeError(`SyncBatchNorm: expected 4-D input [N, C, H, W], but got shape [${x.shape.join(', ')}]`);
    let factor = this.momentum ?? 0;
    if (this.trackRunningStats) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.num_batches_tracked!.item();
    }
    const [output, mean, unbiasedVar] = this.#syncForward(x, group);
    noGrad(() => {
      if (this.trackRunningStats) {
        // PyTorch's update: running = (1 - momentum) * running + momentum * batch statistic.
        for (const [running, stat] of [
          [this.running_mean!, mean],
          [this.running_var!, unbiasedVar],
        ] as const) {
          const update = stat.to(running.dtype);
          running.mul_(1 - factor).add_(update, factor);
          update.dispose();
        }
      }
    });
    mean.dispose();
    unbiasedVar.dispose();
    return output;
  }

  #syncForward(x: Tensor, group: ProcessGroupGloo): [Tensor, Tensor, Tensor] {
    const channels = x.shape[1];
    if (channels !== this.numFeatures) {
      throw new ShapeError(`SyncBatchNorm: expected ${this.numFeatures} channels, but got input shape [${x.shape.join(', ')}]`);
    }
    const weight = this.weight ?? ones([channels], { device: x.device });
    const bias = this.bias ?? zeros([channels], { device: x.device });
    try {
      const handles = distributedNative.syncBatchNorm(group.handle, x.handle, weight.handle, bias.handle, this.eps);
      return handles.map((h) => new Tensor(h)) as [Tensor, Tensor, Tensor];
    } catch (cause) {
      throw new TrainingError(
        `SyncBatchNorm: expected all ${group.worldSize} ranks to share batch statistics within ${group.timeoutMs} ms (this is rank ${group.rank}), but got: ${(cause as Error).message}`,
        { cause },
      );
    } finally {
      if (weight !== this.weight) weight.dispose();
      if (bias !== this.bias) bias.dispose();
    }
  }
}

/** Replaces each module that `swap` maps to a new one, at any depth; returns the (possibly swapped) root. */
function replaceLayers<M extends Module, R extends Module>(module: M, swap: (m: Module) => R | null): M | R {
  const root = swap(module);
  if (root !== null) return root;
  for (const parent of [...module.modules()]) {
    for (const [name, child] of [...parent.namedChildren()]) {
      const replacement = swap(child);
      if (replacement !== null) parent.registerModule(name, replacement);
    }
  }
  return module;
}
