/**
 * The model zoo's parity check against torchvision 0.14, shared by every
 * family's test: `torchvisionReference` runs scripts/fixtures/zoo_parity.py
 * into a temporary folder, `checkParity` compares a model built with the
 * same seed: state-dict names and shapes, the seeded initial weights, eval
 * logits after loading torchvision's weights, train-mode logits (dropout and
 * stochastic depth drawn after the same seed) and every parameter's gradient
 * of the cross-entropy loss.
 *
 * Pick a batch and an input size that leave every train-mode BatchNorm
 * several values per channel at its deepest stage: over 2 values its
 * gradients are ill-conditioned and differ by ~1e-3 between any two
 * summation orders (resnet18 needs batch 4 at 64x64).
 *
 * @example
 * const dir = torchvisionReference(['convnext_tiny'], { size: 32 });
 * checkParity(() => convnextTiny({ numClasses: 10 }), dir, 'convnext_tiny', { init: /\.(weight|bias)$/ });
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { loadSafetensors } from '../torch/serialization/safetensors.js';

export const python = '/usr/bin/python3';
const script = new URL('../../scripts/fixtures/zoo_parity.py', import.meta.url).pathname;

/** Whether torchvision can be imported (tests skip with this reason otherwise). */
export const torchvisionMissing: string | false =
  spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0 ? false : `${python} cannot import torchvision`;

/** Sizes of the reference run (the test builds its model for the same numClasses). */
export interface ReferenceOptions {
  numClasses?: number;
  size?: number;
  batch?: number;
  seed?: number;
  /** Only `<name>.shapes.json` (for models too big to run in a test). */
  shapesOnly?: boolean;
  /** Eval logits only, no train logits or gradients (pair with `checkParity`'s `train: false`). */
  evalOnly?: boolean;
  /** Torch threads for the reference run (default 1). */
  threads?: number;
}

/**
 * Writes torchvision's reference files for `specs` (`name` or `name:{json kwargs}`) into a new temporary folder and returns it.
 *
 * @example
 * torchvisionReference(['vit_b_16:{"image_size": 32}'], { size: 32 });
 */
export function torchvisionReference(specs: readonly string[], options: ReferenceOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'zoo-parity-'));
  const { numClasses = 10, size = 32, batch = 4, seed = 0 } = options;
  const args = [
    script,
    dir,
    ...specs,
    '--num-classes',
    String(numClasses),
    '--size',
    String(size),
    '--batch',
    String(batch),
    '--seed',
    String(seed),
  ];
  if (options.shapesOnly === true) args.push('--shapes-only');
  if (options.evalOnly === true) args.push('--eval-only');
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  const result = spawnSync(python, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return dir;
}

/** torchvision's state-dict names and shapes from a `shapesOnly` reference. */
export function referenceShapes(dir: string, name: string): Record<string, number[]> {
  return JSON.parse(readFileSync(join(dir, `${name}.shapes.json`), 'utf8')) as Record<string, number[]>;
}

/** What `checkParity` compares. */
export interface ParityOptions {
  /** The seed the reference used (default 0). */
  seed?: number;
  /** Parameters whose seeded initial values must equal torchvision's (default none). */
  init?: RegExp | null;
  /** Logits: max |diff| <= tol * max(1, max |reference|) (default 1e-4). */
  tolerance?: number;
  /** Compare train-mode logits and gradients (default true). */
  train?: boolean;
  /** Gradients: per parameter, ‖ours − reference‖₂ <= gradTolerance · ‖reference‖₂ (default 1e-3; float32 sums in another order differ by ~1e-5). */
  gradTolerance?: number;
}

/** The eval logits' max |ours − reference| and the reference's max |logit|, from a passing `checkParity`. */
export interface ParityReport {
  evalDiff: number;
  evalScale: number;
}

const maxAbs = (t: Tensor): number => torch.tidy(() => t.abs().max().item());
const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());

/**
 * Builds the model with `build` after the reference's seed and checks it against `dir`'s files for `name`.
 *
 * @example
 * checkParity(() => mobilenetV3Small({ numClasses: 10 }), dir, 'mobilenet_v3_small');
 */
export function checkParity(build: () => Module, dir: string, name: string, options: ParityOptions = {}): ParityReport {
  const { seed = 0, init = null, tolerance = 1e-4, train = true, gradTolerance = 1e-3 } = options;
  torch.manualSeed(seed);
  const model = build();
  const initial = loadSafetensors(join(dir, `${name}.init.safetensors`)).tensors;
  const weights = loadSafetensors(join(dir, `${name}.weights.safetensors`)).tensors;
  const io = loadSafetensors(join(dir, `${name}.io.safetensors`)).tensors;
  try {
    torch.tidy(() => {
      const own = model.stateDict();
      assert.deepEqual(Object.keys(own).sort(), Object.keys(initial).sort(), `${name}: state-dict names`);
      for (const [key, t] of Object.entries(own)) {
        assert.deepEqual(t.shape, initial[key].shape, `${name}: shape of ${key}`);
        if (init?.test(key) === true)
          assert.ok(maxDiff(t, initial[key]) <= 1e-6, `${name}: seeded initial ${key} differs by ${maxDiff(t, initial[key])}`);
      }
    });
    model.loadStateDict(weights);
    model.eval();
    const report = torch.tidy((): ParityReport => {
      const logits = torch.noGrad(() => model.forward(io.x));
      const [evalDiff, evalScale] = [maxDiff(logits, io.eval), maxAbs(io.eval)];
      assert.ok(evalDiff <= tolerance * Math.max(1, evalScale), `${name}: eval logits differ by ${evalDiff} (scale ${evalScale})`);
      return { evalDiff, evalScale };
    });
    if (!train) return report;
    model.train();
    torch.tidy(() => {
      torch.manualSeed(seed + 1);
      const logits = model.forward(io.x);
      const d = maxDiff(logits, io.train);
      assert.ok(d <= tolerance * Math.max(1, maxAbs(io.train)), `${name}: train logits differ by ${d} (scale ${maxAbs(io.train)})`);
      torch.crossEntropy(logits, io.target).backward();
      for (const [key, p] of model.namedParameters()) {
        const reference = io[`grad.${key}`];
        assert.ok(reference !== undefined && p.grad !== null, `${name}: a gradient for ${key} on both sides`);
        const [diff, norm] = torch.tidy(() => [p.grad!.sub(reference).norm().item(), reference.norm().item()]);
        assert.ok(diff <= gradTolerance * norm, `${name}: gradient of ${key} differs by ${diff} (relative ${diff / norm}) in L2 norm`);
      }
    });
    return report;
  } finally {
    torch.dispose([initial, weights, io]);
    model.dispose();
  }
}
