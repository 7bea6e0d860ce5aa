/**
 * A target layer's output as the [N, C, h, w] feature map Grad-CAM weighs:
 * as is for a convolutional stage, permuted from NHWC for Swin, and for a
 * ViT's tokens [N, 1 + h·w, D] without the class token, the patches put back
 * on their square grid (pytorch-grad-cam's `reshape_transform`). The same
 * reshape applies to the gradient.
 *
 * @example
 * camFeatureMap(tokens, { path: 'encoder.layers.encoder_layer_0.ln_1', layout: 'tokens' }); // [N, D, h, w]
 */
import { ShapeError } from '../errors.js';
import type { CamLayer } from '../models/backbone.js';
import type { Tensor } from '../torch/index.js';

/**
 * The feature map [N, C, h, w] of a layer's output `t`; a 3-D output is read
 * as tokens whatever the declared layout.
 *
 * @example
 * camFeatureMap(swinNormOutput, { path: 'norm', layout: 'nhwc' }); // [N, C, H, W]
 */
export function camFeatureMap(t: Tensor, layer: CamLayer): Tensor {
  if (t.ndim === 3) {
    const [n, count, d] = t.shape;
    const side = Math.round(Math.sqrt(count - 1));
    if (side * side !== count - 1)
      throw new ShapeError(
        `gradCam: expected ${layer.path} to output a class token and a square grid of patch tokens, but got ${count} tokens`,
      );
    return t
      .narrow(1, 1, count - 1)
      .reshape([n, side, side, d])
      .permute([0, 3, 1, 2]);
  }
  if (t.ndim !== 4)
    throw new ShapeError(
      `gradCam: expected ${layer.path} to output a 4-D feature map or 3-D tokens, but got [${t.shape.join(', ')}]; choose another layer`,
    );
  return layer.layout === 'nhwc' ? t.permute([0, 3, 1, 2]) : t;
}
