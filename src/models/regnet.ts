/**
 * The RegNet family (RegNetX and RegNetY, every size torchvision 0.14 has),
 * built exactly as torchvision builds it: module tree `stem`,
 * `trunk_output.block<s>.block<s>-<i>.{proj,f.{a,b,se,c}}`, `fc`, and its
 * initialisation (conv weights normal with std √(2 / fan_out), linear
 * normal(0, 0.01), zero bias), so weights move both ways and one seed gives
 * torchvision's initial weights. `inChannels` (1 for grayscale) changes only
 * the stem conv.
 *
 * Radosavovic, Kosaraju, Girshick, He, Dollár, "Designing Network Design Spaces", CVPR 2020.
 *
 * @example
 * const model = regnetY400mf({ numClasses: 10 });
 * const logits = torch.noGrad(() => model.forward(torch.randn([2, 3, 64, 64]))); // [2, 10]
 */
import { z } from 'zod';
import { register } from '../registry.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, Module, Sequential, init } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';
import type { PretrainedWeights } from './pretrained-weights.js';
import { AnyStage, SimpleStemIN, regnetBlockParams } from './regnet-blocks.js';
import type { RegNetParams } from './regnet-blocks.js';

/** Options every RegNet factory takes (torchvision's keyword arguments, in camelCase). */
export interface RegNetOptions extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Image channels of the stem conv (3 for RGB, 1 for grayscale). */
  inChannels?: number;
}

/** A RegNet: stem, four stages of residual bottleneck blocks, global average pooling and a linear head. */
export class RegNet extends Module implements Backbone {
  declare stem: SimpleStemIN;
  declare trunk_output: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;
  readonly numClasses: number;
  readonly inChannels: number;
  /** The registry name and the options that rebuild this architecture (without pretrained weights). */
  readonly modelInfo: { name: string; options: Record<string, unknown> } | null;

  constructor(architecture: RegNetParams & { name?: string }, options: RegNetOptions = {}) {
    super();
    const { numClasses = 1000, inChannels = 3 } = options;
    this.numClasses = numClasses;
    this.inChannels = inChannels;
    this.modelInfo = architecture.name === undefined ? null : { name: architecture.name, options: { numClasses, inChannels } };
    const params = regnetBlockParams(architecture);
    const stemWidth = 32;
    this.registerModule('stem', new SimpleStemIN(inChannels, stemWidth));
    const trunk = new Sequential();
    let width = stemWidth;
    params.widths.forEach((widthOut, i) => {
      const stage = new AnyStage({
        widthIn: width,
        widthOut,
        stride: params.strides[i],
        depth: params.depths[i],
        groupWidth: params.groupWidths[i],
        bottleneckMultiplier: params.bottleneckMultipliers[i],
        seRatio: params.seRatio,
        stageIndex: i + 1,
      });
      trunk.registerModule(`block${i + 1}`, stage);
      width = widthOut;
    });
    this.registerModule('trunk_output', trunk);
    this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.registerModule('fc', new Linear(width, numClasses));
    this.#initialise();
    applyPretrained(this, options);
  }

  readonly camLayer: CamLayer = { path: 'trunk_output', layout: 'nchw' };
  /** Head `fc`; groups: the stem, then each stage (trunk_output.block1-4). */
  get layout(): BackboneLayout {
    const stages = [...this.trunk_output.namedChildren()].map(([name]) => [`trunk_output.${name}`]);
    return { head: ['fc'], stemWeight: 'stem.0.weight', groups: [['stem'], ...stages] };
  }

  /** torchvision's "ResNet-style" init, in module order (the same draws as torchvision's loop). */
  #initialise(): void {
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        const fanOut = m.kernelSize[0] * m.kernelSize[1] * m.outChannels;
        init.normal_(m.weight, 0, Math.sqrt(2 / fanOut));
      } else if (m instanceof BatchNorm2d && m.weight !== null && m.bias !== null) {
        init.ones_(m.weight);
        init.zeros_(m.bias);
      } else if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.01);
        if (m.bias !== null) init.zeros_(m.bias);
      }
    }
  }

  /**
   * The layers before the head in forward order, then the flatten: read by
   * `forwardFeatures` and by the ONNX writer. The stages run block by block,
   * so each activation can be freed during backward.
   */
  get featureSteps(): readonly ForwardStep[] {
    return [this.stem, this.trunk_output, this.avgpool, 'flatten'];
  }

  /** Features before the head: [N, width of the last stage]. */
  forwardFeatures(x: Tensor): Tensor {
    return runSteps(x, this.featureSteps);
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W]. */
  forward(x: Tensor): Tensor {
    const features = this.forwardFeatures(x);
    const logits = this.fc.forward(features);
    features.dispose();
    return logits;
  }
}

/** torchvision's RegNet parameters per model; Y models add squeeze-excitation with ratio 0.25. */
const regnetParams = {
  regnet_y_400mf: { depth: 16, w0: 48, wa: 27.89, wm: 2.09, groupWidth: 8, seRatio: 0.25 },
  regnet_y_800mf: { depth: 14, w0: 56, wa: 38.84, wm: 2.4, groupWidth: 16, seRatio: 0.25 },
  regnet_y_1_6gf: { depth: 27, w0: 48, wa: 20.71, wm: 2.65, groupWidth: 24, seRatio: 0.25 },
  regnet_y_3_2gf: { depth: 21, w0: 80, wa: 42.63, wm: 2.66, groupWidth: 24, seRatio: 0.25 },
  regnet_y_8gf: { depth: 17, w0: 192, wa: 76.82, wm: 2.19, groupWidth: 56, seRatio: 0.25 },
  regnet_y_16gf: { depth: 18, w0: 200, wa: 106.23, wm: 2.48, groupWidth: 112, seRatio: 0.25 },
  regnet_y_32gf: { depth: 20, w0: 232, wa: 115.89, wm: 2.53, groupWidth: 232, seRatio: 0.25 },
  regnet_y_128gf: { depth: 27, w0: 456, wa: 160.83, wm: 2.52, groupWidth: 264, seRatio: 0.25 },
  regnet_x_400mf: { depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16 },
  regnet_x_800mf: { depth: 16, w0: 56, wa: 35.73, wm: 2.28, groupWidth: 16 },
  regnet_x_1_6gf: { depth: 18, w0: 80, wa: 34.01, wm: 2.25, groupWidth: 24 },
  regnet_x_3_2gf: { depth: 25, w0: 88, wa: 26.31, wm: 2.25, groupWidth: 48 },
  regnet_x_8gf: { depth: 23, w0: 80, wa: 49.56, wm: 2.88, groupWidth: 120 },
  regnet_x_16gf: { depth: 22, w0: 216, wa: 55.59, wm: 2.1, groupWidth: 128 },
  regnet_x_32gf: { depth: 23, w0: 320, wa: 69.86, wm: 2.0, groupWidth: 168 },
} as const satisfies Record<string, RegNetParams>;

/** A RegNet model name, as torchvision names it. */
export type RegNetName = keyof typeof regnetParams;

const factory =
  (name: RegNetName) =>
  (options: RegNetOptions = {}): RegNet =>
    new RegNet({ ...regnetParams[name], name }, options);

/** RegNetY-400MF. @example regnetY400mf({ numClasses: 10 }); */
export const regnetY400mf = factory('regnet_y_400mf');
/** RegNetY-800MF. @example regnetY800mf({ numClasses: 10 }); */
export const regnetY800mf = factory('regnet_y_800mf');
/** RegNetY-1.6GF. @example regnetY1_6gf({ numClasses: 10 }); */
export const regnetY1_6gf = factory('regnet_y_1_6gf');
/** RegNetY-3.2GF. @example regnetY3_2gf({ numClasses: 10 }); */
export const regnetY3_2gf = factory('regnet_y_3_2gf');
/** RegNetY-8GF. @example regnetY8gf({ numClasses: 10 }); */
export const regnetY8gf = factory('regnet_y_8gf');
/** RegNetY-16GF. @example regnetY16gf({ numClasses: 10 }); */
export const regnetY16gf = factory('regnet_y_16gf');
/** RegNetY-32GF. @example regnetY32gf({ numClasses: 10 }); */
export const regnetY32gf = factory('regnet_y_32gf');
/** RegNetY-128GF (644M parameters). @example regnetY128gf({ numClasses: 10 }); */
export const regnetY128gf = factory('regnet_y_128gf');
/** RegNetX-400MF. @example regnetX400mf({ numClasses: 10 }); */
export const regnetX400mf = factory('regnet_x_400mf');
/** RegNetX-800MF. @example regnetX800mf({ numClasses: 10 }); */
export const regnetX800mf = factory('regnet_x_800mf');
/** RegNetX-1.6GF. @example regnetX1_6gf({ numClasses: 10 }); */
export const regnetX1_6gf = factory('regnet_x_1_6gf');
/** RegNetX-3.2GF. @example regnetX3_2gf({ numClasses: 10 }); */
export const regnetX3_2gf = factory('regnet_x_3_2gf');
/** RegNetX-8GF. @example regnetX8gf({ numClasses: 10 }); */
export const regnetX8gf = factory('regnet_x_8gf');
/** RegNetX-16GF. @example regnetX16gf({ numClasses: 10 }); */
export const regnetX16gf = factory('regnet_x_16gf');
/** RegNetX-32GF. @example regnetX32gf({ numClasses: 10 }); */
export const regnetX32gf = factory('regnet_x_32gf');

/** The factories by torchvision's names, as registered in group 'model'. */
export const regnetFactories: Readonly<Record<RegNetName, (options?: RegNetOptions) => RegNet>> = {
  regnet_y_400mf: regnetY400mf,
  regnet_y_800mf: regnetY800mf,
  regnet_y_1_6gf: regnetY1_6gf,
  regnet_y_3_2gf: regnetY3_2gf,
  regnet_y_8gf: regnetY8gf,
  regnet_y_16gf: regnetY16gf,
  regnet_y_32gf: regnetY32gf,
  regnet_y_128gf: regnetY128gf,
  regnet_x_400mf: regnetX400mf,
  regnet_x_800mf: regnetX800mf,
  regnet_x_1_6gf: regnetX1_6gf,
  regnet_x_3_2gf: regnetX3_2gf,
  regnet_x_8gf: regnetX8gf,
  regnet_x_16gf: regnetX16gf,
  regnet_x_32gf: regnetX32gf,
};

/** The options schema the registry validates RegNet configs with. */
export const regnetOptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    inChannels: z.number().int().positive().default(3),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const [name, build] of Object.entries(regnetFactories)) {
  register({
    group: 'model',
    name,
    schema: regnetOptionsSchema,
    build: (options: RegNetOptions) => build(options),
    description: `torchvision's ${name}`,
  });
}

/** torchvision 0.14's weights of a RegNet: V1 and V2 (resize 232) files by hash, SWAG ones at their own sizes. */
function regnetWeights(model: RegNetName, v1: string, v2: string): Record<string, PretrainedWeights> {
  return {
    [`${model}.imagenet1k_v1`]: weightsEntry(model, `${model}-${v1}.pth`),
    [`${model}.imagenet1k_v2`]: weightsEntry(model, `${model}-${v2}.pth`, { resizeSize: 232 }),
  };
}

/** The SWAG weights: end-to-end fine-tuned at 384 (bicubic), or a linear classifier at 224 (bicubic). */
function swagWeights(model: RegNetName, e2e: string, linear: string): Record<string, PretrainedWeights> {
  return {
    [`${model}.imagenet1k_swag_e2e_v1`]: weightsEntry(model, `${model}_swag-${e2e}.pth`, {
      resizeSize: 384,
      cropSize: 384,
      interpolation: 'bicubic',
    }),
    [`${model}.imagenet1k_swag_linear_v1`]: weightsEntry(model, `${model}_lc_swag-${linear}.pth`, {
      resizeSize: 224,
      interpolation: 'bicubic',
    }),
  };
}

registerPretrainedWeights({
  ...regnetWeights('regnet_y_400mf', 'c65dace8', 'e6988f5f'),
  ...regnetWeights('regnet_y_800mf', '1b27b58c', '58fc7688'),
  ...regnetWeights('regnet_y_1_6gf', 'b11a554e', '0d7bc02a'),
  ...regnetWeights('regnet_y_3_2gf', 'b5a9779c', '9180c971'),
  ...regnetWeights('regnet_y_8gf', 'd0d0e4a8', 'dc2b1b54'),
  ...regnetWeights('regnet_y_16gf', '9e6ed7dd', '3e4a00f9'),
  ...swagWeights('regnet_y_16gf', '43afe44d', 'f3ec0043'),
  ...regnetWeights('regnet_y_32gf', '4dee3f7a', '8db6d4b5'),
  ...swagWeights('regnet_y_32gf', '04fdfa75', 'e1583746'),
  ...swagWeights('regnet_y_128gf', 'c8ce3e52', 'cbe8ce12'),
  ...regnetWeights('regnet_x_400mf', 'adf1edd5', '62229a5f'),
  ...regnetWeights('regnet_x_800mf', 'ad17e45c', '94a99ebd'),
  ...regnetWeights('regnet_x_1_6gf', 'e3633e7f', 'a12f2b72'),
  ...regnetWeights('regnet_x_3_2gf', 'f342aeae', '7071aa85'),
  ...regnetWeights('regnet_x_8gf', '03ceed89', '2b70d774'),
  ...regnetWeights('regnet_x_16gf', '2007eb11', 'ba3796d7'),
  ...regnetWeights('regnet_x_32gf', '9d47f8d0', '6eb8fdc6'),
});
