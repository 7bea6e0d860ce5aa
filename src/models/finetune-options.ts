/**
 * The `finetune` section: how a pretrained backbone is fine-tuned, with the
 * semantics of Lightning's `BackboneFinetuning` (freeze the backbone for the
 * first epochs, its BatchNorm statistics too), timm's `--layer-decay` and
 * fastai's discriminative learning rates. The defaults change nothing: one
 * learning rate for every parameter, nothing frozen.
 *
 * @example
 * const options = finetuneOptionsSchema.parse({ freezeEpochs: 1, layerDecay: 0.75 });
 * needsLayout(options); // true: the model must declare its head and layer groups
 */
import { z } from 'zod';

/** Options of the `finetune` section; every key has its default. @example finetuneOptionsSchema.parse({}); */
export const finetuneOptionsSchema = z.strictObject({
  /** Epochs that train the head only: the backbone's parameters get no gradient and its BatchNorm layers stay in eval mode. */
  freezeEpochs: z.number().int().min(0).default(0),
  /** The backbone's learning rate relative to the head's (discriminative LR); 1 keeps one learning rate. */
  backboneLrScale: z.number().positive().default(1),
  /** timm's layer-wise decay: layer group i of n gets lr × layerDecay^(n − i), the head lr; null: off. */
  layerDecay: z.number().positive().max(1).nullable().default(null),
  /** Every BatchNorm layer stays in eval mode for the whole run (running statistics frozen, affine weights still trained): for small batches. */
  freezeBatchNorm: z.boolean().default(false),
  /** While the backbone is frozen its BatchNorm layers still train (affine weights and statistics), as Lightning's `train_bn`. */
  trainBatchNormWhenFrozen: z.boolean().default(false),
});

/** Validated `finetune` options. @example const o: FinetuneOptions = finetuneOptionsSchema.parse({}); */
export type FinetuneOptions = z.output<typeof finetuneOptionsSchema>;

/** The `finetune` options as a user writes them (every key optional). @example const o: FinetuneOptionsInput = { freezeEpochs: 2 }; */
export type FinetuneOptionsInput = z.input<typeof finetuneOptionsSchema>;

/**
 * Whether the options need the model's head and layer groups (its `layout`):
 * freezing the backbone and per-group learning rates do, frozen BatchNorm does not.
 *
 * @example
 * needsLayout(finetuneOptionsSchema.parse({ backboneLrScale: 0.1 })); // true
 */
export function needsLayout(options: FinetuneOptions): boolean {
  return options.freezeEpochs > 0 || options.backboneLrScale !== 1 || options.layerDecay !== null;
}
