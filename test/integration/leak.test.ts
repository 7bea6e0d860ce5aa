/**
 * Leak test: 200 training steps of a small CNN (forward, cross-entropy,
 * backward, AdamW, metrics) must leave the number of live native tensors and
 * the process RSS flat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { nn } from '../../src/torch/index.js';
import { AdamW } from '../../src/torch/optim/index.js';
import { MulticlassAccuracy } from '../../src/metrics/index.js';

test('200 train steps of a small CNN leak no tensors and no memory', () => {
  torch.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.MaxPool2d({ kernelSize: 2 }),
    new nn.Conv2d(8, 16, 3, { padding: 1 }),
    new nn.BatchNorm2d(16),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(16, 4),
  );
  const optimizer = new AdamW(model.parameters(), { lr: 1e-3 });
  const accuracy = new MulticlassAccuracy({ numClasses: 4, average: 'micro' });
  const step = () =>
    torch.tidy(() => {
      const x = torch.randn([8, 3, 16, 16]);
      const y = torch.randint(0, 4, [8]);
      const logits = model.forward(x);
      const loss = torch.crossEntropy(logits, y, { labelSmoothing: 0.1 });
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      accuracy.update(logits.detach(), y);
      return loss.item();
    });
  const samples: { live: number; rss: number }[] = [];
  for (let i = 1; i <= 200; i++) {
    step();
    if (i % 25 === 0) {
      torch.tidy(() => {
        accuracy.compute().item();
      });
      accuracy.reset();
      samples.push({ live: torch.memory().liveTensors, rss: torch.memory().rssBytes });
    }
  }
  const [first, ...rest] = samples.slice(1); // after warm-up (optimizer state exists from step 1)
  for (const s of rest) assert.equal(s.live, first.live, `live tensors grew: ${samples.map((x) => x.live).join(', ')}`);
  const growthMb = (samples[samples.length - 1].rss - first.rss) / 2 ** 20;
  assert.ok(
    growthMb < 24,
    `RSS grew by ${growthMb.toFixed(1)} MB over 150 steps: ${samples.map((x) => (x.rss / 2 ** 20).toFixed(0)).join(', ')} MB`,
  );
  optimizer.dispose();
  accuracy.dispose();
  model.dispose();
});
