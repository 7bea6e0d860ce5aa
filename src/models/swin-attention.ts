/**
 * Swin's (shifted) window attention, as torchvision 0.14 computes it: the
 * [B, H, W, C] map is padded to a multiple of the window, cyclically shifted
 * (skipped along an axis where the window covers the whole padded map),
 * split into windows, attended per window with a relative position bias
 * (V1: a learned table; V2: the continuous-position-bias MLP `cpb_mlp`, and
 * cosine attention scaled by `logit_scale`), masked where a shifted window
 * joins parts that were not neighbours, then merged, shifted back and
 * unpadded. Parameter and buffer names are torchvision's, all persistent.
 *
 * Liu et al., "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows", ICCV 2021.
 * Liu et al., "Swin Transformer V2: Scaling Up Capacity and Resolution", CVPR 2022.
 *
 * @example
 * const attn = new ShiftedWindowAttention({ dim: 96, windowSize: [7, 7], shiftSize: [3, 3], numHeads: 3 });
 * attn.forward(torch.randn([2, 14, 14, 96])); // [2, 14, 14, 96]
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { runT } from '../torch/ops/dispatch.js';
import { Linear, Module, ReLU, Sequential, init } from '../torch/nn/index.js';

/** Height and width. */
export type Pair = readonly [number, number];

/** Options of both attention versions (torchvision's arguments, camelCase). */
export interface WindowAttentionOptions {
  dim: number;
  windowSize: Pair;
  shiftSize: Pair;
  numHeads: number;
  qkvBias?: boolean;
  projBias?: boolean;
  attentionDropout?: number;
  dropout?: number;
}

/** How one padded feature map is windowed: sizes after padding and the shift actually applied. */
export interface WindowGeometry {
  padH: number;
  padW: number;
  /** torchvision's rule: no shift along an axis where the window covers the padded map. */
  shift: Pair;
}

/**
 * The padding and effective shift for an H x W map.
 *
 * @example
 * windowGeometry(8, 8, [7, 7], [3, 3]); // { padH: 14, padW: 14, shift: [3, 3] }
 */
export function windowGeometry(h: number, w: number, windowSize: Pair, shiftSize: Pair): WindowGeometry {
  const padH = h + ((windowSize[0] - (h % windowSize[0])) % windowSize[0]);
  const padW = w + ((windowSize[1] - (w % windowSize[1])) % windowSize[1]);
  const shift: Pair = [windowSize[0] >= padH ? 0 : shiftSize[0], windowSize[1] >= padW ? 0 : shiftSize[1]];
  return { padH, padW, shift };
}

/**
 * The shifted-window attention mask [numWindows, T, T] (T = window area): 0
 * between tokens of the same region before the shift, -100 otherwise, as torchvision builds it.
 *
 * @example
 * shiftedWindowMask({ padH: 14, padW: 14, shift: [3, 3] }, [7, 7]); // Float32Array of 4 * 49 * 49
 */
export function shiftedWindowMask(geometry: WindowGeometry, windowSize: Pair): Float32Array {
  const { padH, padW, shift } = geometry;
  const [wh, ww] = windowSize;
  // Region ids: three bands per axis, [0, -window), [-window, -shift), [-shift, end).
  const band = (i: number, size: number, window: number, s: number): number => (i < size - window ? 0 : i < size - s ? 1 : 2);
  const region = (y: number, x: number): number => band(y, padH, wh, shift[0]) * 3 + band(x, padW, ww, shift[1]);
  const tokens = wh * ww;
  const windowsW = padW / ww;
  const numWindows = (padH / wh) * windowsW;
  const mask = new Float32Array(numWindows * tokens * tokens);
  for (let win = 0; win < numWindows; win++) {
    const y0 = Math.floor(win / windowsW) * wh;
    const x0 = (win % windowsW) * ww;
    const ids = Array.from({ length: tokens }, (_, t) => region(y0 + Math.floor(t / ww), x0 + (t % ww)));
    for (let i = 0; i < tokens; i++) for (let j = 0; j < tokens; j++) mask[(win * tokens + i) * tokens + j] = ids[i] === ids[j] ? 0 : -100;
  }
  return mask;
}

/** torchvision's relative_position_index: for each pair of tokens in a window, the row of the bias table. */
function relativePositionIndex(windowSize: Pair): Tensor {
  const [wh, ww] = windowSize;
  const tokens = wh * ww;
  const index = new BigInt64Array(tokens * tokens);
  for (let i = 0; i < tokens; i++) {
    for (let j = 0; j < tokens; j++) {
      const dy = Math.floor(i / ww) - Math.floor(j / ww) + wh - 1;
      const dx = (i % ww) - (j % ww) + ww - 1;
      index[i * tokens + j] = BigInt(dy * (2 * ww - 1) + dx);
    }
  }
  return torch.tensor(index);
}

/** torch.nn.functional.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12). */
const normalize = (x: Tensor): Tensor => x.div(x.norm(2, { dim: -1, keepdim: true }).clamp(1e-12).expandAs(x));

/** What both versions share: the projections, the bias index, and the windowed forward. */
export abstract class WindowAttention extends Module {
  declare qkv: Linear;
  declare proj: Linear;
  declare relative_position_index: Tensor;
  readonly windowSize: Pair;
  readonly shiftSize: Pair;
  readonly numHeads: number;
  readonly attentionDropout: number;
  readonly dropout: number;

  constructor(options: WindowAttentionOptions) {
    super();
    const { dim, windowSize, shiftSize, numHeads, qkvBias = true, projBias = true } = options;
    if (windowSize.length !== 2 || shiftSize.length !== 2)
      throw new TypeError(
        `WindowAttention: expected windowSize and shiftSize of length 2, but got ${windowSize.length} and ${shiftSize.length}`,
      );
    if (dim % numHeads !== 0) throw new TypeError(`WindowAttention: expected dim divisible by numHeads ${numHeads}, but got ${dim}`);
    this.windowSize = [...windowSize] as unknown as Pair;
    this.shiftSize = [...shiftSize] as unknown as Pair;
    this.numHeads = numHeads;
    this.attentionDropout = options.attentionDropout ?? 0;
    this.dropout = options.dropout ?? 0;
    this.registerModule('qkv', new Linear(dim, dim * 3, { bias: qkvBias }));
    this.registerModule('proj', new Linear(dim, dim, { bias: projBias }));
  }

  /** Registers the index buffer last, where torchvision defines it. */
  protected defineRelativePositionIndex(): void {
    this.registerBuffer('relative_position_index', relativePositionIndex(this.windowSize));
  }

  /** The bias added to every window's attention logits: [1, numHeads, T, T]. */
  abstract relativePositionBias(): Tensor;

  /** Gathers the bias table's rows for every token pair: [1, numHeads, T, T]. */
  protected gatherBias(table: Tensor): Tensor {
    const tokens = this.windowSize[0] * this.windowSize[1];
    return table.indexSelect(0, this.relative_position_index).view([tokens, tokens, -1]).permute([2, 0, 1]).contiguous().unsqueeze(0);
  }

  /** Attention logits [windows, heads, T, T] from q, k (V1: scaled dot product). */
  protected logits(q: Tensor, k: Tensor): Tensor {
    return q.mul(q.size(-1) ** -0.5).matmul(k.transpose(-2, -1));
  }

  /** The qkv bias the forward uses (V2 zeroes the key part). */
  protected qkvBias(): Tensor | null {
    return this.qkv.bias;
  }

  /**
   * Multiply-adds per image of one forward producing `out` [B, H, W, C] (read by the model summary):
   * the qkv and output projections and the two attention matmuls over the padded map; the
   * position bias (V2's cpb_mlp runs through its own layers) is counted where it runs.
   */
  forwardMacs(out: readonly number[]): number {
    const [, h, w, c] = out;
    const { padH, padW } = windowGeometry(h, w, this.windowSize, this.shiftSize);
    const tokens = padH * padW;
    const window = this.windowSize[0] * this.windowSize[1];
    return tokens * c * 3 * c + 2 * tokens * window * c + tokens * c * c;
  }

  /** [B, H, W, C] → [B, H, W, C]. */
  forward(input: Tensor): Tensor {
    return torch.tidy(() => {
      const [b, h, w, c] = input.shape;
      const [wh, ww] = this.windowSize;
      const geometry = windowGeometry(h, w, this.windowSize, this.shiftSize);
      const { padH, padW, shift } = geometry;
      const shifted = shift[0] + shift[1] > 0;
      let x = padH > h || padW > w ? torch.pad(input, [0, 0, 0, padW - w, 0, padH - h]) : input;
      if (shifted) x = torch.roll(x, [-shift[0], -shift[1]], [1, 2]);
      const numWindows = (padH / wh) * (padW / ww);
      const tokens = wh * ww;
      x = x
        .reshape([b, padH / wh, wh, padW / ww, ww, c])
        .permute([0, 1, 3, 2, 4, 5])
        .reshape([b * numWindows, tokens, c]);
      const qkv = torch
        .linear(x, this.qkv.weight, this.qkvBias())
        .reshape([b * numWindows, tokens, 3, this.numHeads, c / this.numHeads])
        .permute([2, 0, 3, 1, 4]);
      let attn = this.logits(qkv.select(0, 0), qkv.select(0, 1)).add(this.relativePositionBias());
      if (shifted) {
        const mask = torch.tensor(shiftedWindowMask(geometry, this.windowSize), {
          shape: [numWindows, tokens, tokens],
          device: input.device,
        });
        attn = attn
          .view([b, numWindows, this.numHeads, tokens, tokens])
          .add(mask.unsqueeze(1).unsqueeze(0))
          .view([-1, this.numHeads, tokens, tokens]);
      }
      // torchvision calls F.dropout with its default training=True; here both dropouts follow the
      // module's mode (the same in training, the identity in eval).
      attn = torch.dropout(torch.softmax(attn, -1), this.attentionDropout, this.training);
      x = attn
        .matmul(qkv.select(0, 2))
        .transpose(1, 2)
        .reshape([b * numWindows, tokens, c]);
      x = torch.dropout(torch.linear(x, this.proj.weight, this.proj.bias), this.dropout, this.training);
      x = x
        .reshape([b, padH / wh, padW / ww, wh, ww, c])
        .permute([0, 1, 3, 2, 4, 5])
        .reshape([b, padH, padW, c]);
      if (shifted) x = torch.roll(x, [shift[0], shift[1]], [1, 2]);
      return padH > h || padW > w ? x.slice(1, 0, h).slice(2, 0, w).contiguous() : x.contiguous();
    });
  }
}

/** Swin V1's window attention: a learned bias table [(2Wh-1)(2Ww-1), heads]. */
export class ShiftedWindowAttention extends WindowAttention {
  declare relative_position_bias_table: Tensor;

  constructor(options: WindowAttentionOptions) {
    super(options);
    const [wh, ww] = this.windowSize;
    this.registerParameter('relative_position_bias_table', torch.zeros([(2 * wh - 1) * (2 * ww - 1), this.numHeads]));
    init.truncNormal_(this.relative_position_bias_table, { std: 0.02 });
    this.defineRelativePositionIndex();
  }

  relativePositionBias(): Tensor {
    return this.gatherBias(this.relative_position_bias_table);
  }
}

/** The log-spaced relative coordinates V2's cpb_mlp reads: [1, 2Wh-1, 2Ww-1, 2], computed with torch's float32 ops. */
function relativeCoordsTable(windowSize: Pair): Tensor {
  return torch.tidy(() => {
    const [wh, ww] = windowSize;
    const hs = torch.arange(-(wh - 1), wh, 1, { dtype: 'float32' }).div(wh - 1);
    const ws = torch.arange(-(ww - 1), ww, 1, { dtype: 'float32' }).div(ww - 1);
    const grid = torch.stack([hs.view([-1, 1]).expand([2 * wh - 1, 2 * ww - 1]), ws.view([1, -1]).expand([2 * wh - 1, 2 * ww - 1])], -1);
    const scaled = grid.mul(8);
    const log2 = runT('aten::log2', '', [scaled.abs().add(1)]);
    return scaled.sign().mul(log2).div(3).unsqueeze(0).contiguous();
  });
}

/** Swin V2's window attention: cosine attention with a learned per-head scale and a continuous position bias. */
export class ShiftedWindowAttentionV2 extends WindowAttention {
  declare relative_coords_table: Tensor;
  declare logit_scale: Tensor;
  declare cpb_mlp: Sequential;

  constructor(options: WindowAttentionOptions) {
    super(options);
    this.registerBuffer('relative_coords_table', relativeCoordsTable(this.windowSize));
    this.defineRelativePositionIndex();
    this.registerParameter(
      'logit_scale',
      torch.tidy(() => torch.ones([this.numHeads, 1, 1]).mul(10).log()),
    );
    this.registerModule(
      'cpb_mlp',
      new Sequential(new Linear(2, 512), new ReLU({ inplace: true }), new Linear(512, this.numHeads, { bias: false })),
    );
    const bias = this.qkv.bias;
    if (bias !== null) torch.noGrad(() => bias.slice(0, bias.size(0) / 3, (2 * bias.size(0)) / 3).zero_());
  }

  relativePositionBias(): Tensor {
    const table = this.cpb_mlp.forward(this.relative_coords_table).reshape([-1, this.numHeads]);
    return torch.sigmoid(this.gatherBias(table)).mul(16);
  }

  protected override logits(q: Tensor, k: Tensor): Tensor {
    const scale = this.logit_scale.clamp(null, Math.log(100)).exp();
    return normalize(q).matmul(normalize(k).transpose(-2, -1)).mul(scale);
  }

  /** The key bias is zeroed at every forward (torchvision clones and zeroes it), so it never trains. */
  protected override qkvBias(): Tensor | null {
    const bias = this.qkv.bias;
    if (bias === null) return null;
    const length = bias.size(0) / 3;
    return torch.cat([bias.slice(0, 0, length), torch.zerosLike(bias.slice(0, length, 2 * length)), bias.slice(0, 2 * length)]);
  }
}
