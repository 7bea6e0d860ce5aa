/**
 * Test-time augmentation (TTA): a batch is shown to the model in several
 * views and the softmax probabilities are averaged (fastai's `tta`, timm's
 * and torchvision's five- / ten-crop evaluation). One implementation of the
 * views serves `validate` / `test` (`ttaProbs` on tensors), `predict` (the
 * `Predictor` runs each view through its runtime) and `analyze`.
 *
 * The views, from `--tta` ('flip', 'crops' or 'flip,crops'):
 * - flip: the batch and its horizontal mirror (2 views).
 * - crops: the batch itself, plus the 4 corner crops and the centre crop at
 *   the batch's own size from the batch enlarged by 1 / 0.875 (timm's
 *   `crop_pct`; 28 -> 32, 224 -> 256) with bilinear interpolation (6 views).
 *   The batch is already at the evaluation size when it arrives (resized,
 *   cropped and normalised by the data pipeline), so the larger image is an
 *   upsampling of it, not a fresh resize of the original file: the crops
 *   zoom in by 1 / 0.875 rather than reveal border pixels the eval crop cut
 *   off. Interpolating after the normalisation is the same as before it
 *   (bilinear weights sum to 1; the normalisation is affine per channel).
 *   The plain view stays in, as fastai keeps it, so the border the crops
 *   drop still counts.
 * - flip,crops: every view of 'crops' and its mirror (12 views).
 *
 * @example
 * const plan = parseTta('flip');
 * const probs = ttaProbs((x) => module.forward(x), images, plan); // [B, C], the mean of 2 softmaxes
 */
import type { DataLoader } from '../data/data-loader.js';
import { ConfigError, DataError, ShapeError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';

/** The view kinds `--tta` accepts. */
export const TTA_VIEW_KINDS = ['flip', 'crops'] as const;
export type TtaViewKind = (typeof TTA_VIEW_KINDS)[number];

/** timm's default `crop_pct`: the crops cover 87.5% of the enlarged image's side. */
export const TTA_CROP_PCT = 0.875;

/** Which views a TTA run averages. */
export interface TtaPlan {
  flip: boolean;
  crops: boolean;
  /** The spelling it came from ('flip,crops'). */
  label: string;
  /** How many views each image is shown in. */
  views: number;
}

/**
 * The plan a `--tta` value names: comma-separated view kinds ('flip', 'crops'); an unknown
 * kind is a ConfigError listing the choices.
 *
 * @example
 * parseTta('flip,crops'); // { flip: true, crops: true, label: 'flip,crops', views: 12 }
 */
export function parseTta(value: string, component = 'tta'): TtaPlan {
  const kinds = value.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(TTA_VIEW_KINDS as readonly string[]).includes(kind))
      throw new ConfigError(`${component}: expected --tta views among ${TTA_VIEW_KINDS.join(', ')} (comma-separated), but got '${kind}'`);
  }
  const flip = kinds.includes('flip');
  const crops = kinds.includes('crops');
  const label = TTA_VIEW_KINDS.filter((k) => kinds.includes(k)).join(',');
  return { flip, crops, label, views: (crops ? 6 : 1) * (flip ? 2 : 1) };
}

/** Python's round(): halves go to the even neighbour, as torchvision's center_crop places its box. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The plain batch, then its 4 corner crops and centre crop from the enlarged batch (torchvision's FiveCrop order). */
function cropViews(images: Tensor): Tensor[] {
  const [, , h, w] = images.shape;
  const bigH = Math.floor(h / TTA_CROP_PCT);
  const bigW = Math.floor(w / TTA_CROP_PCT);
  const big = torch.interpolate(images, { size: [bigH, bigW], mode: 'bilinear', alignCorners: false });
  const at = (top: number, left: number): Tensor => big.narrow(2, top, h).narrow(3, left, w).contiguous();
  const [bottom, right] = [bigH - h, bigW - w];
  return [images, at(0, 0), at(0, right), at(bottom, 0), at(bottom, right), at(roundHalfEven(bottom / 2), roundHalfEven(right / 2))];
}

/**
 * The views of a batch [B, C, H, W], each [B, C, H, W] (the first is `images` itself). Tensors
 * made here belong to the caller's `tidy` scope.
 *
 * @example
 * const [plain, mirrored] = ttaViews(images, parseTta('flip'));
 */
export function ttaViews(images: Tensor, plan: TtaPlan): Tensor[] {
  if (images.ndim !== 4) throw new ShapeError(`tta: expected images [B, C, H, W], but got [${images.shape.join(', ')}]`);
  const base = plan.crops ? cropViews(images) : [images];
  return plan.flip ? base.flatMap((v) => [v, v.flip([3])]) : base;
}

/** softmax(forward(view) / temperature) of every view, the plain image's first. */
function viewProbs(forward: (images: Tensor) => Tensor, images: Tensor, plan: TtaPlan, temperature: number): Tensor[] {
  return ttaViews(images, plan).map((view) => forward(view).float().div(temperature).softmax(1));
}

/**
 * The mean over the views of softmax(forward(view) / temperature): probabilities [B, C], float32.
 *
 * @example
 * const probs = torch.noGrad(() => ttaProbs((x) => module.forward(x), images, parseTta('flip')));
 */
export function ttaProbs(
  forward: (images: Tensor) => Tensor,
  images: Tensor,
  plan: TtaPlan,
  options: { temperature?: number } = {},
): Tensor {
  return torch.tidy(() => torch.stack(viewProbs(forward, images, plan, options.temperature ?? 1), 0).mean({ dim: 0 }));
}

/** Top-1 accuracy of a labelled split without and with TTA, from one pass. */
export interface TtaAccuracy {
  samples: number;
  /** The plain image alone (the first view). */
  accuracy: number;
  /** The mean of the views' probabilities. */
  ttaAccuracy: number;
}

/**
 * Runs `module` (eval mode, no gradients, fp32, on its own device) over every batch of `loader`
 * and counts the top-1 hits of the plain view and of the TTA average.
 *
 * @example
 * const { accuracy, ttaAccuracy } = await evaluateTta(module, dm.valLoader(), parseTta('flip'));
 */
export async function evaluateTta(module: Module, loader: DataLoader, plan: TtaPlan): Promise<TtaAccuracy> {
  const device = module.parameters()[0]?.device ?? 'cpu';
  const wasTraining = module.training;
  let samples = 0;
  let plainHits = 0;
  let ttaHits = 0;
  module.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      const [plain, tta] = torch.tidy(() =>
        torch.noGrad(() => {
          const labels = batch.labels.to({ device });
          const views = viewProbs((x) => module.forward(x), batch.images.to({ device }), plan, 1);
          const hits = (probs: Tensor): number => probs.argmax({ dim: 1 }).eq(labels).sum().item();
          return [hits(views[0]), hits(torch.stack(views, 0).mean({ dim: 0 }))];
        }),
      );
      samples += batch.labels.shape[0];
      plainHits += plain;
      ttaHits += tta;
      torch.dispose(batch);
    }
  } finally {
    module.train(wasTraining);
  }
  if (samples === 0) throw new DataError('tta: expected a split with samples, but got an empty one');
  return { samples, accuracy: plainHits / samples, ttaAccuracy: ttaHits / samples };
}
