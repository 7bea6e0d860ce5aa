/**
 * Fine-tuning a backbone through its layout (backbone.ts): the layer groups
 * the optimizer gets (the head at lr, the backbone's groups at lr ×
 * backboneLrScale × layerDecay^(n − i)), the backbone frozen for the first
 * `freezeEpochs` epochs (Lightning's `BackboneFinetuning`) and BatchNorm
 * layers held in eval mode. It lives in the module rather than in a callback
 * because the optimizer's groups are the module's to configure, and because
 * the frozen state follows from the epoch alone: a run resumed mid-freeze
 * restores it from the checkpoint's epoch, with no state of its own to save.
 * Only the `Backbone` contract is used, so every zoo family gets it.
 *
 * @example
 * const ft = new Finetuning(resnet18({ numClasses: 10 }), finetuneOptionsSchema.parse({ freezeEpochs: 1, layerDecay: 0.75 }));
 * configureOptimizers(ft.layerGroups(), hp, run); // head, group0 … group5
 * ft.startEpoch(0); // backbone frozen; ft.startEpoch(1) unfreezes it
 */
import { ConfigError } from '../errors.js';
import type { Tensor } from '../torch/index.js';
import { BatchNorm2d } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import { groupOf, isHead } from './backbone.js';
import type { BackboneLayout } from './backbone.js';
import type { LayerGroup } from './configure-optimizers.js';
import { needsLayout } from './finetune-options.js';
import type { FinetuneOptions } from './finetune-options.js';

/** The model's name for messages: its registry name when built by name, else its class. */
function modelName(model: Module): string {
  const info = (model as { modelInfo?: { name?: string } | null }).modelInfo;
  return info?.name ?? model.constructor.name;
}

/**
 * The model's head and layer groups; a model that declares none is a
 * ConfigError naming it (fine-tuning needs to know which layers are the head).
 *
 * @example
 * layoutOf(resnet18()).head; // ['fc']
 */
export function layoutOf(model: Module, why = 'finetune'): BackboneLayout {
  const layout = (model as { layout?: BackboneLayout }).layout;
  if (layout === undefined || layout === null || !Array.isArray(layout.head) || !Array.isArray(layout.groups)) {
    throw new ConfigError(
      `${why}: expected a model that declares its head and layer groups (a \`layout\`, as the model zoo's do), but got ${modelName(model)} without one`,
      [{ path: 'finetune', message: `model ${modelName(model)} has no layout` }],
    );
  }
  return layout;
}

/**
 * Fine-tuning state of one backbone: which parameters it froze, and which BatchNorm layers stay in eval mode.
 *
 * @example
 * const ft = new Finetuning(model, finetuneOptionsSchema.parse({ freezeEpochs: 2 }));
 * model.train(); ft.startEpoch(0); // only the head trains; model.train() later calls ft.holdBatchNorm()
 */
export class Finetuning {
  readonly options: FinetuneOptions;
  readonly #model: Module;
  readonly #layout: BackboneLayout | null;
  /** The parameters this froze (a parameter the user froze stays frozen after unfreezing). */
  readonly #frozen = new Set<Tensor>();
  #backboneFrozen = false;

  constructor(model: Module, options: FinetuneOptions) {
    this.#model = model;
    this.options = options;
    this.#layout = needsLayout(options) ? layoutOf(model) : null;
  }

  /** True while the backbone is frozen (the first `freezeEpochs` epochs). */
  get backboneFrozen(): boolean {
    return this.#backboneFrozen;
  }

  /**
   * The optimizer's layer groups, the head first (so the first param group's
   * lr is the run's lr): null when the options keep one lr for all. Parameters
   * this froze are included, so the optimizer holds every group from the start.
   *
   * @example
   * new Finetuning(model, finetuneOptionsSchema.parse({ layerDecay: 0.5 })).layerGroups()?.map((g) => g.lrScale); // [1, 0.015625, …, 0.5]
   */
  layerGroups(): LayerGroup[] | null {
    const layout = this.#layout;
    if (layout === null || (this.options.backboneLrScale === 1 && this.options.layerDecay === null && this.options.freezeEpochs === 0)) {
      return null;
    }
    const n = layout.groups.length;
    const byGroup: Tensor[][] = Array.from({ length: n + 1 }, () => []);
    for (const [name, p] of this.#model.namedParameters()) {
      if (p.requiresGrad || this.#frozen.has(p)) byGroup[groupOf(layout, name)].push(p);
    }
    const { backboneLrScale, layerDecay } = this.options;
    const groups: LayerGroup[] = [{ name: 'head', params: byGroup[n], lrScale: 1 }];
    for (let i = 0; i < n; i++)
      groups.push({ name: `group${i}`, params: byGroup[i], lrScale: backboneLrScale * (layerDecay ?? 1) ** (n - i) });
    return groups.filter((g) => g.params.length > 0);
  }

  /**
   * Freezes the backbone during the first `freezeEpochs` epochs and unfreezes
   * it after; call at the start of each training epoch (a resumed run calls
   * it with the epoch it resumes in), after the module's `train()`.
   */
  startEpoch(epoch: number): void {
    const freeze = epoch < this.options.freezeEpochs;
    if (freeze !== this.#backboneFrozen) {
      if (freeze) this.#freeze();
      else this.#unfreeze();
      this.#backboneFrozen = freeze;
      // The epoch's train() ran before: BatchNorm layers it held for the frozen backbone train again.
      if (this.#model.training) this.#model.train();
    }
    if (this.#model.training) this.holdBatchNorm();
  }

  /**
   * Puts back in eval mode the BatchNorm layers that must not train: all of
   * them with `freezeBatchNorm`, the backbone's while it is frozen (unless
   * `trainBatchNormWhenFrozen`). Call after every `train()`.
   */
  holdBatchNorm(): void {
    const { freezeBatchNorm } = this.options;
    if (!freezeBatchNorm && !this.#backboneFrozen) return;
    for (const m of this.#heldBatchNorms(freezeBatchNorm)) if (m.training) m.eval();
  }

  /** BatchNorm layers: every one (`all`), or those of the backbone that freezing holds. */
  *#heldBatchNorms(all: boolean): Generator<Module> {
    const { trainBatchNormWhenFrozen } = this.options;
    for (const [name, m] of this.#model.namedModules()) {
      if (!(m instanceof BatchNorm2d)) continue;
      if (all || (!trainBatchNormWhenFrozen && this.#layout !== null && !isHead(this.#layout, name))) yield m;
    }
  }

  #freeze(): void {
    const layout = this.#layout!;
    const keep = new Set<Tensor>();
    if (this.options.trainBatchNormWhenFrozen) {
      for (const m of this.#model.modules()) if (m instanceof BatchNorm2d) for (const p of m.parameters()) keep.add(p);
    }
    for (const [name, p] of this.#model.namedParameters()) {
      if (isHead(layout, name) || !p.requiresGrad || keep.has(p)) continue;
      p.requiresGrad = false;
      // A gradient left from before would be applied by the optimizer while frozen.
      p.grad = null;
      this.#frozen.add(p);
    }
  }

  #unfreeze(): void {
    for (const p of this.#frozen) p.requiresGrad = true;
    this.#frozen.clear();
  }
}
