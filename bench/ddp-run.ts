/**
 * Our side of bench:ddp, one process: the same ResNet18 (small stem, 1
 * channel, 10 classes), fixed random 1x28x28 batch, cross-entropy and SGD
 * (lr 0.01, momentum 0.9) as bench/ddp_torch.py, one intra-op thread. With
 * torchrun's variables set (the launcher's) it is one rank of a bare loop
 * over `DdpStrategy` — rank 0's weights broadcast, buffers broadcast before
 * each forward and gradients averaged by c10d's Reducer during backward, as
 * PyTorch's DDP does — otherwise the plain one-process loop.
 *
 * Usage: ddp-run.ts <batch> <steps> <warmup>; rank 0 prints ms_per_step=<float>.
 *
 * @example
 * node --import tsx bench/ddp-run.ts 16 8 2
 */
import { resnet18 } from '../src/models/resnet.js';
import * as torch from '../src/torch/index.js';
import { SGD } from '../src/torch/optim/index.js';
import { DdpStrategy } from '../src/training/strategies/ddp-strategy.js';
import { hasTorchrunEnv } from '../src/training/strategies/torchrun-env.js';

const [batch, steps, warmup] = process.argv.slice(2).map(Number);
torch.setNumThreads(1);
const ddp = hasTorchrunEnv() ? DdpStrategy.fromEnv(process.env, { timeoutMs: 300_000 }) : null;
torch.manualSeed(ddp?.rank ?? 0);
const model = resnet18({ numClasses: 10, stem: 'small', inChannels: 1 });
model.train();
ddp?.setupModule(model);
const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const x = torch.randn([batch, 1, 28, 28]);
const y = torch.randint(0, 10, [batch]);

function step(): void {
  torch.tidy(() => {
    ddp?.syncBuffers(model);
    const loss = torch.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    ddp?.beforeBackward();
    loss.backward();
    optimizer.step();
  });
}

for (let i = 0; i < warmup; i++) step();
ddp?.barrier();
const start = process.hrtime.bigint();
for (let i = 0; i < steps; i++) step();
ddp?.barrier();
const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
if ((ddp?.rank ?? 0) === 0) console.log(`ms_per_step=${(elapsedMs / steps).toFixed(3)}`);
ddp?.dispose();
