import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeRunConfig } from '../../cli/compose-run-config.js';
import { loadComponents, validateRunConfig } from '../../cli/run-builder.js';
import { ConfigError } from '../../errors.js';
import type { RawImage } from '../image.js';
import { Rng } from '../random.js';
import { AugMix, augMixWeights } from './aug-mix.js';
import type { AugMixDraws, AugMixOptions } from './aug-mix.js';
import { augMixSpace } from './functional/augment-ops.js';
import { buildTransforms } from './pipeline.js';

await loadComponents();

const N = 20000;
const drawMany = (options: AugMixOptions, n = N): AugMixDraws[] => {
  const aug = new AugMix(options);
  return Array.from({ length: n }, (_, k) => aug.draw(Rng.forSample(11, 0, k), 224, 224));
};
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]): number => {
  const m = mean(xs);
  return mean(xs.map((x) => (x - m) ** 2));
};
/** |observed - expected| within 4 standard errors of the mean of n draws with this standard deviation. */
const near = (observed: number, expected: number, sd: number, n: number, what: string): void =>
  assert.ok(Math.abs(observed - expected) < (4 * sd) / Math.sqrt(n), `${what}: ${observed} vs ${expected}`);
/** Pearson's chi-square of counts against equal probabilities, below the 0.999 quantile for `dof` (table values). */
const CHI2_999: Record<number, number> = { 2: 13.82, 8: 26.12, 12: 32.91 };
const uniformCounts = (counts: number[], what: string): void => {
  const total = counts.reduce((s, c) => s + c, 0);
  const e = total / counts.length;
  const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
  assert.ok(chi2 < CHI2_999[counts.length - 1], `${what}: chi2 ${chi2.toFixed(1)} over ${JSON.stringify(counts)}`);
};

void test('the weights: Beta(alpha, alpha) and Dirichlet(alpha) moments, all >= 0, summing to 1 in float32', () => {
  for (const alpha of [1, 0.5, 1e-3]) {
    const draws = drawMany({ alpha }, alpha < 0.1 ? 2000 : N);
    for (const d of draws) {
      const w = augMixWeights(d.beta, d.dirichlet);
      const all = [w.original, ...w.chains];
      assert.ok(all.every((x) => x >= 0 && x <= 1));
      assert.ok(Math.abs(all.reduce((s, x) => s + x, 0) - 1) < 1e-6, JSON.stringify(all));
      assert.ok(Math.abs(d.dirichlet.reduce((s, x) => s + x, 0) - 1) < 1e-12);
    }
    // Tiny alphas: Gamma draws underflow to 0 together at times; the weights stay finite (a vertex).
    if (alpha < 0.1) continue;
    // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); a Dirichlet(a, a, a) entry: mean 1/3, variance 2 / (9 (3a + 1)).
    const b = draws.map((d) => d.beta[0]);
    const betaVar = 1 / (4 * (2 * alpha + 1));
    near(mean(b), 0.5, Math.sqrt(betaVar), N, `alpha ${alpha} beta mean`);
    near(variance(b), betaVar, 0.5 * betaVar, N, `alpha ${alpha} beta variance`);
    for (let i = 0; i < 3; i++) {
      const x = draws.map((d) => d.dirichlet[i]);
      const dirVar = 2 / (9 * (3 * alpha + 1));
      near(mean(x), 1 / 3, Math.sqrt(dirVar), N, `alpha ${alpha} dirichlet[${i}] mean`);
      near(variance(x), dirVar, 0.5 * dirVar, N, `alpha ${alpha} dirichlet[${i}] variance`);
    }
  }
});

void test('the chains: depth uniform on 1..3, ops uniform over the space, bins uniform below severity, signs fair', () => {
  const draws = drawMany({});
  const chains = draws.flatMap((d) => d.chains);
  assert.equal(chains.length, 3 * N);
  const depths = [1, 2, 3].map((k) => chains.filter((c) => c.length === k).length);
  assert.equal(
    depths.reduce((s, c) => s + c, 0),
    chains.length,
    'every depth in 1..3',
  );
  uniformCounts(depths, 'depths');
  const space = augMixSpace(10, 224, 224, true);
  const steps = chains.flat();
  uniformCounts(
    space.map(([op]) => steps.filter((s) => s.op === op).length),
    'ops',
  );
  const rotate = space.find(([op]) => op === 'Rotate')![1].magnitudes!;
  const rotations = steps.filter((s) => s.op === 'Rotate').map((s) => s.magnitude);
  uniformCounts(
    rotate.slice(0, 3).map((m) => rotations.filter((r) => Math.abs(r) === m).length),
    'Rotate bins 0..2',
  );
  assert.ok(
    rotations.every((r) => rotate.slice(0, 3).includes(Math.abs(r))),
    'severity 3: bins 0..2 only',
  );
  const nonZero = rotations.filter((r) => r !== 0);
  near(nonZero.filter((r) => r < 0).length / nonZero.length, 0.5, 0.5, nonZero.length, 'negative share');
  assert.ok(steps.every((s) => s.op !== 'AutoContrast' || s.magnitude === 0));
  // Without allOps, the 9 ops of the short space only; a fixed depth and width.
  const short = drawMany({ allOps: false, chainDepth: 2, mixtureWidth: 4, severity: 10 }, 4000);
  assert.ok(short.every((d) => d.chains.length === 4 && d.dirichlet.length === 4 && d.chains.every((c) => c.length === 2)));
  const shortSteps = short.flatMap((d) => d.chains.flat());
  uniformCounts(
    augMixSpace(10, 224, 224, false).map(([op]) => shortSteps.filter((s) => s.op === op).length),
    'ops without allOps',
  );
  assert.ok(
    shortSteps.some((s) => s.op === 'Posterize' && s.magnitude === 0),
    'severity 10 reaches the last bin',
  );
});

void test('the sample seed gives the same image; other seeds give others; apply is draw then applyDraws', () => {
  const data = Buffer.from(Array.from({ length: 24 * 20 * 3 }, (_, i) => (i * 37 + (i >> 4) * 11) % 256));
  const img: RawImage = { data, width: 24, height: 20, channels: 3 };
  const aug = new AugMix();
  assert.deepEqual(aug.apply(img, new Rng(9, 1)).data, aug.apply(img, new Rng(9, 1)).data);
  assert.deepEqual(aug.apply(img, new Rng(9, 1)).data, aug.applyDraws(img, aug.draw(new Rng(9, 1), 20, 24)).data);
  const outputs = new Set(Array.from({ length: 30 }, (_, s) => aug.apply(img, new Rng(s)).data.toString('base64')));
  assert.equal(outputs.size, 30);
  assert.deepEqual(data, img.data, 'the input is not changed');
});

void test('AugMix is built by name from a transform list and from the config, and bad options name their key', () => {
  const [built] = buildTransforms([{ name: 'AugMix', severity: 5, mixtureWidth: 2, allOps: false, interpolation: 'nearest', fill: 128 }]);
  assert.ok(built instanceof AugMix);
  assert.deepEqual(built.options, {
    severity: 5,
    mixtureWidth: 2,
    chainDepth: -1,
    alpha: 1,
    allOps: false,
    interpolation: 'nearest',
    fill: 128,
  });
  assert.deepEqual(new AugMix().options, {
    severity: 3,
    mixtureWidth: 3,
    chainDepth: -1,
    alpha: 1,
    allOps: true,
    interpolation: 'bilinear',
    fill: null,
  });
  const bad = { name: 'AugMix', severity: 11, mixtureWidth: 0, chainDepth: 0, alpha: 0, mixture_width: 2 };
  assert.throws(
    () => buildTransforms([bad]),
    (e: Error) =>
      e instanceof ConfigError &&
      ['[0].severity', '[0].mixtureWidth', '[0].chainDepth', '[0].alpha', 'mixture_width'].every((key) => e.message.includes(key)),
  );
  const run = composeRunConfig({ overrides: ['transforms.train=[{name:AugMix,severity:5}]'] });
  const options = validateRunConfig(run.config, run.sources);
  assert.deepEqual((options.transforms as { train: unknown[] }).train, [{ name: 'AugMix', ...new AugMix({ severity: 5 }).options }]);
  const wrong = composeRunConfig({ overrides: ['transforms.train=[{name:AugMix,chainDepth:0}]'] });
  assert.throws(
    () => validateRunConfig(wrong.config, wrong.sources),
    (e: Error) => e instanceof ConfigError && /transforms\.train\[0\]\.chainDepth: expected -1/.test(e.message),
  );
});
