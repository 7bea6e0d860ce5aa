/**
 * The per-sample image pipeline: decode, then the transform list, driven by
 * the sample's `Rng`. What is fused into the decode and what runs on the
 * batch is what each transform declares (`decodeRole`, `batchRole`; see
 * `transform.ts`): the pipeline names no transform class. When the list
 * starts with a crop/resize (Resize / RandomResizedCrop / CenterCrop), the
 * pipeline reads the header size first, draws the crop, and runs crop +
 * resize while decoding. A CenterCrop right after a Resize
 * joins it (only the kept pixels are resized, and only the source rows and
 * columns they read decoded: the same bytes). A RandomHorizontalFlip right
 * after them is folded into that resize. JPEGs (the common case) go to the native
 * decoder (`native-image.ts`: libjpeg-turbo, only the crop's rows and
 * columns decoded, Pillow's exact bilinear, and a ColorJitter that follows
 * run in the same call on libuv's thread pool; a Resize of a JPEG much bigger
 * than its target decodes it smaller first, see `scale-on-load.ts`); other formats, EXIF-rotated
 * and damaged JPEGs go to sharp (extract in libvips, then the same
 * Pillow bilinear resize). The file is read
 * once: the size comes from the JPEG/PNG header bytes. Normalize and
 * RandomErasing work on the float batch: the loader reads them from
 * `normalize` and `erasing`.
 *
 * @example
 * const pipeline = new ImagePipeline({ transforms: buildTransforms(config.train.transforms), decode: { channels: 3 } });
 * const image = await pipeline.run('cat.jpg', Rng.forSample(seed, epoch, index));
 */
import { readFile, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import sharp from 'sharp';
import { ConfigError } from '../../errors.js';
import { decodeError, decodeImage, decodesNatively, defaultMaxPixels, finishDecode, openImage } from '../decode.js';
import type { DecodeOptions } from '../decode.js';
import { readImageSize } from '../image-header.js';
import type { RawImage } from '../image.js';
import type { Rng } from '../random.js';
import { crop, hflip, resize } from './functional/geometry.js';
import type { BatchRole, BatchStep, DecodePlan, DecodeRole, Transform } from './transform.js';
import { transformRegistry } from './registry.js';
import { decodeJpeg } from '../native-image.js';
import { scaleOnLoadSize } from '../scale-on-load.js';

export type { BatchRole, BatchStep, DecodePlan, DecodeRole, ImageSize, Transform } from './transform.js';

/** The callback `readFile`, promisified: fewer round trips through the event loop than `fs/promises`. */
const readFileAsync = promisify(readFile);

/** Decode + the transform list, run for one sample with that sample's Rng. */
export class ImagePipeline {
  readonly transforms: readonly Transform[];
  readonly decode: DecodeOptions;
  /** The first normalizing step's mean/std (0-1 scale) if the list has one; the loader applies it on the batch tensor. */
  readonly normalize: { mean: number[]; std: number[] } | null;
  /** The first step that runs on the normalized float batch (RandomErasing); null when absent. */
  readonly erasing: BatchStep | null;
  /** Each transform's declared decode role, by position ({} when it declares none). */
  readonly #roles: readonly DecodeRole[];
  /** Each transform's declared batch role, by position (null when it works per sample). */
  readonly #batchRoles: readonly (BatchRole | null)[];

  constructor(options: { transforms: Transform[]; decode: DecodeOptions }) {
    this.transforms = [...options.transforms];
    this.decode = options.decode;
    this.#roles = this.transforms.map((t) => t.decodeRole?.() ?? {});
    this.#batchRoles = this.transforms.map((t) => t.batchRole?.() ?? null);
    const norm = this.#batchRoles.find((r) => r?.normalize !== undefined)?.normalize;
    this.normalize = norm === undefined ? null : { mean: [...norm.mean], std: [...norm.std] };
    if (norm !== undefined && norm.mean.length !== options.decode.channels && norm.mean.length !== 1) {
      throw new ConfigError(
        `ImagePipeline: expected Normalize with ${options.decode.channels} mean/std values (one per channel of data.channels=${options.decode.channels}), ` +
          `but got ${norm.mean.length} (a Normalize without mean/std takes ImageNet's RGB values); give each Normalize in the transforms config ` +
          `its own mean and std with ${options.decode.channels} value(s), e.g. mean: [0.449] and std: [0.226] for grayscale`,
      );
    }
    this.erasing = this.#batchRoles.find((r) => r?.afterNormalize !== undefined)?.afterNormalize ?? null;
  }

  /**
   * The names of the transforms that run on the JavaScript thread, per sample:
   * neither fused into the native decode (for `'file'` sources: the declared
   * roles in their order, a leading crop/resize, a crop of a whole-image resize,
   * a mirror and colour steps, as `run` fuses them for JPEGs) nor batch-level
   * (a `batchRole`: Normalize, RandomErasing, ToTensor). For
   * `'pixels'` sources (IDX data sets) nothing is fused. The data module starts
   * worker threads when this is not empty.
   *
   * @example
   * pipeline.jsThreadSteps('file'); // ['TrivialAugmentWide']
   */
  jsThreadSteps(source: 'file' | 'pixels'): string[] {
    let fused = 0;
    const role = (i: number): DecodeRole => this.#roles[i] ?? {};
    const open = role(0).open;
    if (source === 'file' && open !== undefined) {
      fused = 1;
      if (open.resizesWhole && role(1).cropResized !== undefined) fused++;
      if (role(fused).mirror !== undefined) fused++;
      if (role(fused).colors !== undefined) fused++;
    }
    return this.transforms.filter((_, i) => i >= fused && this.#batchRoles[i] === null).map((t) => t.name);
  }

  /** Decodes (unless given pixels) and applies every transform in order. */
  async run(source: string | Buffer | RawImage, rng: Rng): Promise<RawImage> {
    let image: RawImage;
    let next = 0;
    if (typeof source === 'string' || Buffer.isBuffer(source)) {
      ({ image, next } = await this.#decode(source, rng));
    } else {
      image = source;
    }
    for (let i = next; i < this.transforms.length; i++) image = await this.transforms[i].apply(image, rng);
    return image;
  }

  /**
   * Decodes with the leading crop/resize step (and a flip right after it)
   * in the same pass. JPEGs go to the native decoder, which also runs a
   * ColorJitter that follows; sharp takes every other file and JPEGs the
   * native decoder leaves aside (EXIF-rotated, CMYK, damaged: sharp words
   * the error for those).
   */
  async #decode(source: string | Buffer, rng: Rng): Promise<{ image: RawImage; next: number }> {
    const open = this.#roles[0]?.open;
    if (open === undefined) return { image: await decodeImage(source, this.decode), next: 0 };
    // One read; the size comes from the header bytes (sharp only for formats the parser leaves out).
    const bytes = await this.#read(source);
    const header = readImageSize(bytes);
    const size = header ?? (await this.#sharpSize(bytes, source));
    let plan = open.plan(size, rng);
    if (plan === null)
      return { image: await decodeImage(bytes, { ...this.decode, name: typeof source === 'string' ? source : this.decode.name }), next: 0 };
    let next = 1;
    // A crop after a whole-image resize (it draws nothing) keeps a crop of the resize: when it lies inside.
    const cropResized = this.#roles[1]?.cropResized;
    const keep = plan.resize !== undefined && plan.crop === undefined ? (cropResized?.(plan.resize) ?? undefined) : undefined;
    if (keep !== undefined) {
      plan = { ...plan, cropAfterResize: keep };
      next = 2;
    }
    // A mirror right after the crop/resize draws now (its turn in the stream) and mirrors
    // inside the resize, which gives the bytes of a separate flip without its pass.
    const flip = this.#roles[next]?.mirror;
    const mirror = flip !== undefined && flip(rng);
    if (flip !== undefined) next++;
    // The native decoder resizes bilinear only.
    if (!decodesNatively(header) || (plan.interpolation ?? 'bilinear') !== 'bilinear') {
      return { image: await this.#sharpGeometry(bytes, source, plan, mirror), next };
    }
    const colors = this.#roles[next]?.colors;
    const steps = colors?.draw(rng) ?? [];
    if (colors !== undefined) next++;
    const out = await decodeJpeg(bytes, {
      channels: this.decode.channels,
      crop: plan.crop,
      minSize: scaleOnLoadSize(plan, this.decode),
      resize: plan.resize,
      cropAfterResize: plan.cropAfterResize,
      mirror,
      colors: steps,
      maxPixels: this.decode.maxPixels ?? defaultMaxPixels,
    });
    const ok = out.status === 'ok';
    let image = ok
      ? { data: out.data, width: out.width, height: out.height, channels: this.decode.channels }
      : await this.#sharpGeometry(bytes, source, plan, mirror);
    if (colors !== undefined && !ok) image = colors.run(image, steps);
    return { image, next };
  }

  /** sharp's decode of `plan`: crop in libvips, then PIL's exact bilinear (or libvips' nearest) resize and crop, mirrored when asked. */
  async #sharpGeometry(bytes: Buffer, source: string | Buffer, plan: DecodePlan, mirror: boolean): Promise<RawImage> {
    let pipeline = openImage(bytes, { ...this.decode, name: typeof source === 'string' ? source : this.decode.name });
    if (plan.crop !== undefined) pipeline = pipeline.extract(plan.crop);
    const to = plan.resize;
    if (to === undefined) return finishDecode(mirror ? pipeline.flop() : pipeline, source, this.decode);
    const decoded = await finishDecode(pipeline, source, this.decode);
    if (plan.cropAfterResize === undefined) return resize(decoded, to, plan.interpolation, { mirror });
    const kept = crop(await resize(decoded, to, plan.interpolation), plan.cropAfterResize);
    return mirror ? hflip(kept) : kept;
  }

  async #read(source: string | Buffer): Promise<Buffer> {
    if (typeof source !== 'string') return source;
    try {
      // In a worker thread a synchronous read blocks nothing else and costs a seventh of the async one's CPU.
      return isMainThread ? await readFileAsync(source) : readFileSync(source);
    } catch (error) {
      throw decodeError(source, this.decode, error);
    }
  }

  async #sharpSize(bytes: Buffer, source: string | Buffer): Promise<{ width: number; height: number }> {
    try {
      const meta = await sharp(bytes, { limitInputPixels: this.decode.maxPixels ?? defaultMaxPixels }).metadata();
      return meta.autoOrient ?? { width: meta.width, height: meta.height };
    } catch (error) {
      throw decodeError(source, this.decode, error);
    }
  }
}

/**
 * Builds transforms from config entries like { name: 'RandomResizedCrop', size: 224, scale: [0.08, 1] }
 * (validated with zod; unknown names list the valid ones). Every problem is
 * reported at once, each with its path (`[2].size`).
 *
 * @example
 * buildTransforms([{ name: 'RandomResizedCrop', size: 224 }, { name: 'RandomHorizontalFlip' }, { name: 'Normalize' }]);
 */
export function buildTransforms(entries: unknown[]): Transform[] {
  const issues: { path: string; message: string }[] = [];
  const out: Transform[] = [];
  const valid = Object.keys(transformRegistry).join(', ');
  entries.forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { name?: unknown }).name !== 'string') {
      issues.push({ path: `[${i}].name`, message: `expected an object with a name (one of ${valid})` });
      return;
    }
    const { name, ...options } = entry as { name: string } & Record<string, unknown>;
    const create = Object.hasOwn(transformRegistry, name) ? transformRegistry[name] : undefined;
    if (create === undefined) {
      issues.push({ path: `[${i}].name`, message: `expected one of ${valid}, but got '${name}'` });
      return;
    }
    try {
      out.push(create(options));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues)
        issues.push({ path: `[${i}]${issue.path ? `.${issue.path}` : ''}`, message: `${name}: ${issue.message}` });
    }
  });
  if (issues.length > 0) {
    throw new ConfigError(
      `transforms: expected valid transform entries, but got ${issues.length} problem(s): ${issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
      issues,
    );
  }
  return out;
}
