/**
 * Our side of bench:engine, run as its own process per round (as the PyTorch
 * side is): a small ResNet (BasicBlock [1, 1, 1, 1], 3x3 stem, no max-pool),
 * forward, cross-entropy, backward, AdamW step.
 *
 * Usage: engine-ours.ts --threads N --steps S --warmup W --batch B
 * Prints one line: ms_per_step=<float>
 */
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.js';
import { AdamW } from '../src/torch/optim/index.js';
import { BasicBlock } from '../src/models/resnet-blocks.js';
import { ResNet } from '../src/models/resnet.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '64' },
  },
});
if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));
const batchSize = Number(values.batch);

torch.manualSeed(0);
const model = new ResNet({ block: BasicBlock, layers: [1, 1, 1, 1] }, { numClasses: 10, stem: 'small' }).train();
const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
const x = torch.keep(torch.randn([batchSize, 3, 32, 32]));
const y = torch.keep(torch.randint(0, 10, [batchSize]));

function step(): void {
  torch.tidy(() => {
    const loss = torch.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  });
}

for (let i = 0; i < Number(values.warmup); i++) step();
const start = performance.now();
for (let i = 0; i < Number(values.steps); i++) step();
console.log(`ms_per_step=${((performance.now() - start) / Number(values.steps)).toFixed(3)}`);
