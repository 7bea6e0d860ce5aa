/**
 * `Transform`: one step on decoded pixels, and the contract it may declare to
 * take part in the fused decode (`decodeRole`) or to run on the float batch
 * (`batchRole`). `ImagePipeline` reads only these declarations, never
 * a transform's class, so a new transform or a user's subclass joins by
 * returning a role: a subclass of `Resize` keeps its parent's role, and a
 * transform of its own that declares what `CenterCrop` declares is fused the
 * same way.
 *
 * The fused decode runs its stages in one order, each taken by the next
 * transform in the list when it declares that stage: `open` (the first
 * transform: a crop and/or resize drawn from the header size), `cropResized`
 * (a crop of a whole-image resize, only the kept pixels made), `mirror`
 * (folded into the resize) and `colors` (run inside the native JPEG decode).
 * Every stage must draw from the sample's `Rng` exactly as the transform's
 * `apply` would, so fused and separate runs give the same bytes.
 *
 * @example
 * class Mirror implements Transform {
 *   readonly name = 'Mirror';
 *   apply(image: RawImage): RawImage { return hflip(image); }
 *   decodeRole(): DecodeRole { return { mirror: () => true }; } // folded into a resize before it
 * }
 */
import type { Tensor } from '../../torch/index.js';
import type { RawImage } from '../image.js';
import type { Rng } from '../random.js';
import type { ColorStep } from './functional/fused-color.js';
import type { Box } from './functional/geometry.js';

/**
 * One step on decoded pixels; `rng` is the sample's stream. The pipeline knows
 * a transform only through this interface: the roles it declares decide what
 * is fused into the decode and what runs on the batch (see `DecodeRole`, `BatchRole`).
 */
export interface Transform {
  readonly name: string;
  /** Transforms one decoded image (sync or async), drawing every random choice from `rng` so that reruns give the same pixels. */
  apply(image: RawImage, rng: Rng): RawImage | Promise<RawImage>;
  /** Optional: its part in the fused decode. */
  decodeRole?(): DecodeRole;
  /** Optional: its part on the float batch (the loader runs it; per sample `apply` passes the image through). */
  batchRole?(): BatchRole;
}

/** An image size in pixels. */
export interface ImageSize {
  width: number;
  height: number;
}

/** A crop and/or resize fused into decoding. */
export interface DecodePlan {
  crop?: Box;
  resize?: ImageSize;
  /** A crop of the resized image (a CenterCrop after a Resize): only these pixels are made. */
  cropAfterResize?: Box;
  interpolation?: 'nearest' | 'bilinear' | 'bicubic';
}

/** What a transform contributes to the fused decode; every member is optional. */
export interface DecodeRole {
  /**
   * As the first transform: the plan for an image of `size` (null: not fused
   * for this size, the transform then runs on the decoded image).
   * `resizesWhole` says its plans resize the whole image without a crop, so a
   * `cropResized` may join them.
   */
  open?: { resizesWhole: boolean; plan: (size: ImageSize, rng: Rng) => DecodePlan | null };
  /** Right after a whole-image resize, drawing nothing: the crop of `resized` it keeps (null: it reaches outside, so it runs on its own). */
  cropResized?: (resized: ImageSize) => Box | null;
  /** Right after the crop/resize: whether this sample is mirrored. */
  mirror?: (rng: Rng) => boolean;
  /** Next, for the native JPEG decode: this sample's colour steps, and how to run them when the decode falls back to sharp. */
  colors?: { draw: (rng: Rng) => ColorStep[]; run: (image: RawImage, steps: readonly ColorStep[]) => RawImage };
}

/** A step the loader runs on the normalized float batch [B, C, H, W], one `Rng` per image (in place; returns `images`). */
export interface BatchStep {
  applyToBatch(images: Tensor, rngs: readonly Rng[]): Tensor;
}

/**
 * What a transform does on the float batch rather than per sample (its
 * `apply` then passes the image through). An empty role marks a step the
 * collate itself does (ToTensor).
 */
export interface BatchRole {
  /** Per-channel statistics (0-1 scale) the loader normalizes the batch with. */
  normalize?: { mean: readonly number[]; std: readonly number[] };
  /** Runs after normalization (RandomErasing). */
  afterNormalize?: BatchStep;
}
