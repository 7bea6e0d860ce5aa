import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ShapeError } from '../errors.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { LossFunction } from './components.js';
import { asymmetricLoss } from './multilabel-losses.js';

/** PyTorch's numbers (scripts/fixtures/multilabel_losses.py). */
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/multilabel/losses.json', import.meta.url), 'utf8')) as Record<
  string,
  number | number[]
>;
const shape = fx.shape as number[];
const input = (key: string, grad = false): Tensor => {
  const t = torch.tensor(fx[key], { shape, dtype: 'float32' });
  return grad ? t.requiresGrad_(true) : t;
};
const bce = (o: Record<string, unknown> = {}): LossFunction => registry.build<LossFunction>('loss', 'bce', o);
const asl = (o: Record<string, unknown> = {}): LossFunction => registry.build<LossFunction>('loss', 'asl', o);

function close(actual: Tensor | number, expected: number | number[], what: string, tol = 1e-5): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual.data() as Float32Array, Number);
  const e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) <= tol * Math.max(1, Math.abs(e[i])), `${what}[${i}]: expected ${e[i]}, but got ${v}`));
}

void test("bce equals PyTorch's binary_cross_entropy_with_logits: reductions, posWeight, label smoothing, mixed targets", () => {
  torch.tidy(() => {
    const logits = input('logits');
    for (const t of ['hard', 'mixed']) {
      for (const reduction of ['mean', 'sum', 'none'])
        close(bce({ reduction })(logits, input(t)), fx[`bce.${t}.${reduction}`], `${t} ${reduction}`);
      close(bce({ posWeight: fx.posWeight })(logits, input(t)), fx[`bce.${t}.posWeight`], `${t} posWeight`);
      close(bce({ labelSmoothing: 0.1 })(logits, input(t)), fx[`bce.${t}.smooth0.1`], `${t} smoothing`);
    }
  });
});

void test("bce's gradient with posWeight and label smoothing equals PyTorch's", () => {
  torch.tidy(() => {
    const logits = input('logits', true);
    bce({ posWeight: torch.tensor(fx.posWeight), labelSmoothing: 0.1 })(logits, input('hard')).backward();
    close(logits.grad!, fx['bce.hard.posWeight.smooth0.1.grad'], 'grad');
  });
});

void test('asl equals the reference formula (Ridnik et al.) summed, and its mean is the sum over N x C', () => {
  torch.tidy(() => {
    const logits = input('logits');
    const elements = shape[0] * shape[1];
    for (const t of ['hard', 'mixed']) {
      close(asl({ reduction: 'sum' })(logits, input(t)), fx[`asl.${t}.default`], `${t} default`);
      close(asl()(logits, input(t)), (fx[`asl.${t}.default`] as number) / elements, `${t} mean`);
      close(asl({ gammaNeg: 2, gammaPos: 0, clip: 0, reduction: 'sum' })(logits, input(t)), fx[`asl.${t}.g2-0-clip0`], `${t} g2`);
    }
  });
});

void test("asl's gradient equals the reference's, with the focusing weights detached (default) and not", () => {
  torch.tidy(() => {
    for (const [focusingGrad, key] of [
      [false, 'asl.hard.default.grad'],
      [true, 'asl.hard.default.focusingGrad.grad'],
    ] as const) {
      const logits = input('logits', true);
      asymmetricLoss(logits, input('hard'), { reduction: 'sum', focusingGrad }).backward();
      close(logits.grad!, fx[key], key);
    }
  });
});

void test('asl with no focusing and no margin is bce', () => {
  torch.tidy(() => {
    close(asl({ gammaNeg: 0, gammaPos: 0, clip: 0 })(input('logits'), input('mixed')), fx['bce.mixed.mean'], 'asl as bce');
  });
});

void test('the multi-label losses refuse class-index targets, a wrong posWeight count and an unresolved auto', () => {
  torch.tidy(() => {
    const logits = input('logits');
    const labels = torch.tensor(new BigInt64Array(shape[0]));
    assert.throws(
      () => bce()(logits, labels),
      (e: unknown) => e instanceof ShapeError && /task=multilabel/.test(e.message),
    );
    assert.throws(() => asl()(logits, labels), ShapeError);
    assert.throws(() => bce({ posWeight: [1, 2] })(logits, input('hard')), /expected 4 posWeight values/);
    assert.throws(() => bce({ posWeight: 'auto' })(logits, input('hard')), /computed from the train split/);
  });
});
