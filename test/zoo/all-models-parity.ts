/**
 * `npm run test:zoo-parity`: eval-logit parity with torchvision 0.14 for
 * every model registered in the 'model' group, the check `npm test` makes
 * for the smallest model of each family only (the rest by names and shapes,
 * to keep the suite a few minutes). Each model is built through the registry
 * after the reference's seed and checked by the shared harness
 * (src/models/zoo-parity.test-helper.ts): state-dict names and shapes, then
 * eval logits after loading torchvision's weights with randomised norm
 * statistics, within 1e-4 of the logits' scale. One model at a time, its
 * reference files deleted before the next (the biggest are GBs); the huge
 * ones run last.
 *
 * Eval mode has no batch statistics, so a batch of 2 at the smallest input
 * each model takes is enough: 32x32, 48x48 for Swin (windows padded and
 * shifted), 64x64 for EfficientNet, and ViTs built for that size
 * (`imageSize`, torchvision's `image_size`).
 *
 * Options: --models a,b (default every registered model), --skip-huge
 * (leaves out the models listed in `huge`), --threads 2. Exits 1 when a model
 * fails.
 *
 * @example
 * npm run test:zoo-parity -- --models convnext_tiny,vit_b_16
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import '../../src/models/index.js';
import { registry } from '../../src/registry.js';
import * as torch from '../../src/torch/index.js';
import type { Module } from '../../src/torch/nn/index.js';
import { checkParity, torchvisionMissing, torchvisionReference } from '../../src/models/zoo-parity.test-helper.js';

/** Over ~190M parameters: minutes each, GBs of reference files. */
const huge = new Set(['convnext_large', 'vit_l_16', 'vit_l_32', 'vit_h_14', 'regnet_y_128gf']);
const numClasses = 10;
const batch = 2;

interface Setup {
  size: number;
  /** torchvision's kwargs, as the reference spec's json. */
  reference: Record<string, unknown>;
  /** Our options beside numClasses. */
  ours: Record<string, unknown>;
}

function setupOf(name: string): Setup {
  if (name.startsWith('vit_')) {
    // The smallest multiple of the patch size that is at least 32.
    const patch = Number(/_(\d+)$/.exec(name)![1]);
    const size = Math.ceil(32 / patch) * patch;
    return { size, reference: { image_size: size }, ours: { imageSize: size } };
  }
  if (name.startsWith('swin_')) return { size: 48, reference: {}, ours: {} };
  if (name.startsWith('efficientnet_')) return { size: 64, reference: {}, ours: {} };
  return { size: 32, reference: {}, ours: {} };
}

interface Row {
  name: string;
  size: number;
  diff: number | null;
  scale: number | null;
  ok: boolean;
  seconds: number;
  error?: string;
}

function check(name: string, threads: number): Row {
  const { size, reference, ours } = setupOf(name);
  const spec = Object.keys(reference).length === 0 ? name : `${name}:${JSON.stringify(reference)}`;
  const start = performance.now();
  const seconds = (): number => (performance.now() - start) / 1000;
  let dir: string | undefined;
  try {
    dir = torchvisionReference([spec], { numClasses, size, batch, evalOnly: true, threads });
    const build = (): Module => registry.build<Module>('model', name, { numClasses, ...ours });
    const { evalDiff, evalScale } = checkParity(build, dir, name, { train: false });
    return { name, size, diff: evalDiff, scale: evalScale, ok: true, seconds: seconds() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const found = /differ by ([\d.e+-]+) \(scale ([\d.e+-]+)\)/.exec(message);
    const [diff, scale] = found === null ? [null, null] : [Number(found[1]), Number(found[2])];
    return { name, size, diff, scale, ok: false, seconds: seconds(), error: message.split('\n')[0] };
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

const format = (row: Row): string =>
  [
    row.name.padEnd(20),
    `${row.size}x${row.size}`.padEnd(7),
    (row.diff === null ? '-' : row.diff.toExponential(2)).padStart(9),
    (row.scale === null ? '-' : row.scale.toFixed(3)).padStart(9),
    (row.ok ? 'pass' : 'FAIL').padEnd(5),
    `${row.seconds.toFixed(1)}s`.padStart(7),
    row.error ?? '',
  ].join('  ');

function main(): void {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      'skip-huge': { type: 'boolean', default: false },
      threads: { type: 'string', default: '2' },
    },
  });
  if (torchvisionMissing !== false) {
    console.error(`zoo parity: ${torchvisionMissing}`);
    process.exit(1);
  }
  const registered = registry.list('model');
  const chosen = values.models === undefined ? registered : values.models.split(',').map((s) => s.trim());
  const unknown = chosen.filter((name) => !registered.includes(name));
  if (unknown.length > 0) {
    console.error(`zoo parity: expected registered model names, but got ${unknown.join(', ')}`);
    process.exit(1);
  }
  const names = chosen.filter((name) => !(values['skip-huge'] && huge.has(name)));
  names.sort((a, b) => Number(huge.has(a)) - Number(huge.has(b)));
  const threads = Number(values.threads);
  torch.setNumThreads(threads);
  console.log(
    ['model'.padEnd(20), 'input'.padEnd(7), 'max|diff|'.padStart(9), 'scale'.padStart(9), 'ok'.padEnd(5), 'time'.padStart(7)].join('  '),
  );
  const rows = names.map((name) => {
    const row = check(name, threads);
    console.log(format(row));
    return row;
  });
  const failed = rows.filter((row) => !row.ok);
  console.log(`${rows.length - failed.length}/${rows.length} models match torchvision's eval logits within 1e-4 of their scale`);
  if (failed.length > 0) process.exit(1);
}

main();
