/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep
 * Networks via Gradient-based Localization", ICCV 2017) and Grad-CAM++
 * (Chattopadhay et al., WACV 2018), computed with libtorch's autograd from a
 * module: one forward with the target layer's output A captured as an
 * autograd leaf, one backward of the target classes' scores, then per image
 *
 *   Grad-CAM    w_c = mean_ij dS/dA_cij
 *   Grad-CAM++  w_c = sum_ij relu(g_cij) · g²/(2g² + sum_ij(A_c) · g³)   (g = dS/dA, 0 where g = 0)
 *
 * and the map relu(sum_c w_c A_c), upsampled bilinearly (align_corners
 * false) to the input size and scaled to [0, 1]. These are the formulas of
 * pytorch-grad-cam, so its maps and these agree; scripts/fixtures/grad_cam.py
 * computes the same with PyTorch hooks for the tests.
 *
 * Batched: in evaluation mode each image's score depends on that image only,
 * so one backward of the summed scores gives every image its own gradient.
 * The module runs in evaluation mode and its parameters compute no gradient
 * during the call; both are restored afterwards.
 *
 * @example
 * const { cams, targets } = gradCam(model, images); // cams [N, H, W] in [0, 1]; targets: the predicted classes
 * const plus = gradCam(model, images, { method: 'gradcam++', layer: 'layer3', targets: [0, 0] });
 */
import { ConfigError } from '../errors.js';
import type { CamLayer } from '../models/backbone.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { captureActivation } from './cam-capture.js';
import { camFeatureMap } from './cam-feature-map.js';
import { resolveCamLayer } from './cam-layer.js';

/** The two weightings. */
export const CAM_METHODS = ['gradcam', 'gradcam++'] as const;
export type CamMethod = (typeof CAM_METHODS)[number];

/** Options of `gradCam`. */
export interface GradCamOptions {
  /** 'gradcam' (default) or 'gradcam++'. */
  method?: CamMethod;
  /** A module path under the backbone (e.g. 'layer3'), or a full CamLayer; default: the model's declared `camLayer`. */
  layer?: string | CamLayer;
  /** The class each image's map explains; default: the predicted one. */
  targets?: readonly number[];
}

/** The maps and what they explain. */
export interface GradCamResult {
  /** [N, H, W] float32 in [0, 1], at the input's size. */
  cams: Tensor;
  /** The class each map explains. */
  targets: number[];
  /** The model's logits [N, classes], detached. */
  logits: Tensor;
}

/** Runs `fn` with `model` in evaluation mode and its parameters frozen, restoring both. */
function asProbe<T>(model: Module, fn: () => T): T {
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  const trainable = model.parameters().filter((p) => p.requiresGrad);
  model.eval();
  for (const p of trainable) p.requiresGrad = false;
  try {
    return torch.enableGrad(fn);
  } finally {
    for (const p of trainable) p.requiresGrad = true;
    for (const [m, training] of modes) m.training = training;
  }
}

function checkedTargets(targets: readonly number[] | undefined, logits: Tensor): number[] {
  const [n, classes] = logits.shape;
  if (targets === undefined) return Array.from(logits.argmax({ dim: 1 }).data() as BigInt64Array, Number);
  if (targets.length !== n || targets.some((t) => !Number.isInteger(t) || t < 0 || t >= classes))
    throw new ConfigError(
      `gradCam: expected one target class per image (${n}), each an integer in [0, ${classes}), but got [${targets.join(', ')}]`,
    );
  return [...targets];
}

/** Per-channel weights [N, C, 1, 1] from activations and gradients [N, C, h, w]. */
function channelWeights(method: CamMethod, a: Tensor, g: Tensor): Tensor {
  if (method === 'gradcam') return g.mean({ dim: [2, 3], keepdim: true });
  const g2 = g.square();
  const g3 = g2.mul(g);
  const sumA = a.sum({ dim: [2, 3], keepdim: true });
  const alpha = g2.div(g2.mul(2).add(sumA.mul(g3)).add(1e-6));
  const masked = torch.where(g.ne(0), alpha, 0);
  return g
    .relu()
    .mul(masked)
    .sum({ dim: [2, 3], keepdim: true });
}

/** relu(sum_c w_c A_c), upsampled to `size` and scaled to [0, 1] per image: [N, H, W]. */
function camMaps(weights: Tensor, a: Tensor, size: [number, number]): Tensor {
  const cam = weights.mul(a).sum({ dim: 1, keepdim: true }).relu();
  const up = torch.interpolate(cam, { size, mode: 'bilinear', alignCorners: false }).squeeze(1);
  const flat = up.flatten(1);
  const low = flat.min(1, true).values.unsqueeze(2);
  const range = flat.max(1, true).values.unsqueeze(2).sub(low);
  // A flat map (no evidence anywhere) stays 0 rather than dividing by 0.
  return up.sub(low).div(range.clamp(1e-7));
}

/**
 * Grad-CAM or Grad-CAM++ maps of `images` [N, C, H, W] for `model` (a zoo
 * backbone, or a module whose `backbone` is one).
 *
 * @example
 * const { cams } = gradCam(module, torch.randn([2, 3, 32, 32]), { method: 'gradcam++' });
 */
export function gradCam(model: Module, images: Tensor, options: GradCamOptions = {}): GradCamResult {
  const method = options.method ?? 'gradcam';
  if (!(CAM_METHODS as readonly string[]).includes(method))
    throw new ConfigError(`gradCam: expected method among ${CAM_METHODS.join(', ')}, but got '${String(method)}'`);
  if (images.ndim !== 4) throw new ConfigError(`gradCam: expected images [N, C, H, W], but got [${images.shape.join(', ')}]`);
  const target = resolveCamLayer(model, options.layer);
  const size: [number, number] = [images.shape[2], images.shape[3]];
  return asProbe(model, () =>
    torch.tidy(() => {
      const { result: logits, activation } = captureActivation(target.module, () => model.forward(images));
      const targets = checkedTargets(options.targets, logits);
      const index = torch.tensor(BigInt64Array.from(targets, BigInt), { shape: [targets.length, 1], device: logits.device });
      logits.gather(1, index).sum().backward();
      return torch.noGrad(() => {
        const a = camFeatureMap(activation, target);
        const g = camFeatureMap(activation.grad!, target);
        return { cams: camMaps(channelWeights(method, a, g), a, size), targets, logits: logits.detach() };
      });
    }),
  );
}
