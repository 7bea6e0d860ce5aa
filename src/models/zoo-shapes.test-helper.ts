/**
 * State-dict names and shapes against torchvision 0.14 for models too big
 * to run in a test: scripts/fixtures/zoo_shapes.py builds every named model
 * in one python process without initialising its weights (seconds even for
 * regnet_y_128gf's 644M parameters), then each of ours is built, compared
 * and disposed in turn, so one big model is in memory at a time.
 *
 * @example
 * checkShapes({ regnet_y_128gf: () => regnetY128gf({ numClasses: 10 }) });
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { python } from './zoo-parity.test-helper.js';

const script = new URL('../../scripts/fixtures/zoo_shapes.py', import.meta.url).pathname;

/** Each builder's model has the state-dict names and shapes of torchvision's model of that name, built for 10 classes. */
export function checkShapes(builders: Readonly<Record<string, () => Module>>): void {
  const dir = mkdtempSync(join(tmpdir(), 'zoo-shapes-'));
  try {
    const out = join(dir, 'shapes.json');
    const result = spawnSync(python, [script, out, ...Object.keys(builders), '--num-classes', '10'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const reference = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, number[]>>;
    for (const [name, build] of Object.entries(builders)) {
      const model = build();
      try {
        const ours = torch.tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape])));
        assert.deepEqual(ours, reference[name], `${name}: state-dict names and shapes`);
      } finally {
        model.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
