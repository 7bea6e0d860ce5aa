/**
 * Grad-CAM's target layer: the model's declared `camLayer` (each family says
 * which in its own file), or a module path the user names (`--cam-layer
 * layer3`), resolved under the backbone so the same paths work on a bare
 * zoo model and on a `ClassificationModule` wrapping one. An unknown path
 * lists the modules that exist where it went wrong.
 *
 * @example
 * const target = resolveCamLayer(module);            // { root: backbone, path: 'layer4', layout: 'nchw', module }
 * const third = resolveCamLayer(module, 'layer3');
 */
import { ConfigError } from '../errors.js';
import type { CamLayer } from '../models/backbone.js';
import type { Module } from '../torch/nn/index.js';

/** A resolved target: the module, its path under `root`, and how to read its output. */
export interface CamTarget extends CamLayer {
  /** The module paths are resolved under: the backbone. */
  readonly root: Module;
  readonly module: Module;
}

const hasCamLayer = (m: unknown): m is Module & { camLayer: CamLayer } =>
  typeof m === 'object' && m !== null && 'camLayer' in m && typeof m.camLayer === 'object';

/**
 * Whether `model` declares a Grad-CAM layer (a zoo model, or a module whose
 * `backbone` is one); a custom module needs an explicit CamLayer.
 *
 * @example
 * declaresCamLayer(new ClassificationModule(resnet18(), { numClasses: 1000 })); // true
 */
export function declaresCamLayer(model: Module): boolean {
  return hasCamLayer(model) || hasCamLayer((model as { backbone?: unknown }).backbone);
}

/** The module that declares `camLayer`: the model itself, or its `backbone`. */
function camRoot(model: Module): Module & { camLayer: CamLayer } {
  if (hasCamLayer(model)) return model;
  const backbone = (model as { backbone?: unknown }).backbone;
  if (hasCamLayer(backbone)) return backbone;
  throw new ConfigError(
    `gradCam: expected a zoo model (or a module with a zoo backbone) that declares camLayer, but got ${model.constructor.name}; name the layer with camLayer: { path, layout }`,
  );
}

/**
 * The module at a dotted path under `root`; an unknown path is a ConfigError
 * listing the children of the deepest module the path reached.
 *
 * @example
 * moduleAt(resnet, 'layer4.1.conv2'); // Conv2d
 */
export function moduleAt(root: Module, path: string): Module {
  const modules = new Map(root.namedModules());
  const found = modules.get(path);
  if (found !== undefined && path !== '') return found;
  const parts = path.split('.');
  let parent = '';
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('.');
    if (modules.has(prefix)) {
      parent = prefix;
      break;
    }
  }
  const children = [...modules.get(parent)!.namedChildren()].map(([name]) => (parent === '' ? name : `${parent}.${name}`));
  throw new ConfigError(`gradCam: expected a module path such as ${children.join(', ')}, but got '${path}'`);
}

/**
 * The target layer of `model`: `layer` (a path under the backbone, or a full
 * CamLayer), or the family's declared one. A named path keeps the family's
 * layout when that is channels-last (Swin's stages and norms are NHWC); a
 * 3-D output is read as tokens whatever the layout (see `camActivations`).
 *
 * @example
 * resolveCamLayer(vit).path; // 'encoder.layers.encoder_layer_11.ln_1'
 */
export function resolveCamLayer(model: Module, layer?: string | CamLayer): CamTarget {
  if (typeof layer === 'object') return { ...layer, root: model, module: moduleAt(model, layer.path) };
  const root = camRoot(model);
  const declared = root.camLayer;
  const path = layer ?? declared.path;
  const layout = layer === undefined || declared.layout === 'nhwc' ? declared.layout : 'nchw';
  return { path, layout, root, module: moduleAt(root, path) };
}
