/**
 * One rank of the SyncBatchNorm test, started by the launcher with torchrun's
 * variables; writes what the test compares into `<outDir>`:
 *
 * - `layer-rank<r>.safetensors`: the fixture's layers `a` and `b` as
 *   SyncBatchNorm on this rank's half of each batch (rank r: rows 4r..4r+3):
 *   outputs, input gradients, this rank's weight / bias gradients, running
 *   statistics after each step, and the evaluation-mode output. Step 1's input
 *   is channels-last.
 * - `resnet-rank<r>.safetensors`: the tiny ResNet's state after SGD steps
 *   under DdpStrategy with `syncBatchnorm: true`, the loop the Trainer runs
 *   (buffers from rank 0, gradient averaging armed before each backward).
 *   Each rank starts from its own seed: setupModule must broadcast rank 0's.
 *
 * Exits 1 when the layers were not converted to SyncBatchNorm during
 * training, or not reverted to plain BatchNorm2d with the same state keys by
 * `dispose`.
 *
 * @example
 * // node --import tsx test/distributed/sync-batch-norm-worker.ts /tmp/out
 */
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { BatchNorm2d, SyncBatchNorm } from '../../src/torch/nn/index.js';
import type { Module } from '../../src/torch/nn/index.js';
import { SGD } from '../../src/torch/optim/sgd.js';
import { loadSafetensors, saveSafetensors } from '../../src/torch/serialization/safetensors.js';
import { DdpStrategy } from '../../src/training/strategies/ddp-strategy.js';
import { perRankBatch, stepBatch, steps } from './ddp-fixtures.js';
import { fixtureFile, sgdOptions, tinyResNet } from './sync-batch-norm-fixtures.js';

const [outDir] = process.argv.slice(2);
const ddp = DdpStrategy.fromEnv(process.env, { timeoutMs: 20_000, syncBatchnorm: true });
const { rank } = ddp;
const fixture = loadSafetensors(fixtureFile).tensors;
const mine = (t: Tensor): Tensor => t.narrow(0, rank * perRankBatch, perRankBatch);

function layerRun(): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of ['a', 'b']) {
    const bn = new SyncBatchNorm(3, { affine: name === 'a', momentum: name === 'a' ? 0.1 : null, processGroup: ddp.group });
    const prefix = `${name}.init.`;
    bn.loadStateDict(
      Object.fromEntries(Object.entries(fixture).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : []))),
    );
    for (let s = 0; s < 2; s++) {
      const x = mine(fixture[`x${s}`]).to({ memoryFormat: s === 1 ? 'channelsLast' : 'contiguous' });
      x.requiresGrad_(true);
      const y = bn.forward(x);
      y.mul(mine(fixture[`g${s}`]))
        .sum()
        .backward();
      const step = `${name}.step${s}`;
      out[`${step}.y`] = y.detach().clone('contiguous');
      out[`${step}.dx`] = x.grad!.clone('contiguous');
      if (bn.affine) {
        out[`${step}.dweight`] = bn.weight!.grad!.clone();
        out[`${step}.dbias`] = bn.bias!.grad!.clone();
        bn.zeroGrad({ setToNone: true });
      }
      for (const k of ['running_mean', 'running_var', 'num_batches_tracked'] as const) out[`${step}.${k}`] = bn[k]!.clone();
    }
    bn.eval();
    out[`${name}.eval.y`] = torch.noGrad(() => bn.forward(mine(fixture.x0)));
  }
  return out;
}

function bnClasses(model: Module): string[] {
  return [...model.modules()].filter((m) => m instanceof BatchNorm2d).map((m) => m.constructor.name);
}

function fail(message: string): never {
  console.error(`rank ${rank}: ${message}`);
  process.exit(1);
}

saveSafetensors(layerRun(), path.join(outDir, `layer-rank${rank}.safetensors`));

const model = tinyResNet(rank);
const keys = Object.keys(model.stateDict());
ddp.setupModule(model);
const converted = bnClasses(model);
if (converted.length !== 6 || converted.some((c) => c !== 'SyncBatchNorm'))
  fail(`expected 6 SyncBatchNorm layers, but got ${converted.join(', ')}`);
const optimizer = new SGD(model.parameters(), sgdOptions);
for (let step = 0; step < steps; step++) {
  torch.tidy(() => {
    const { x, y } = stepBatch(step, 2 * perRankBatch);
    ddp.syncBuffers(model);
    const loss = torch.crossEntropy(model.forward(mine(x)), mine(y));
    optimizer.zeroGrad();
    ddp.beforeBackward();
    loss.backward();
    optimizer.step();
  });
}
ddp.dispose();
const reverted = bnClasses(model);
if (reverted.some((c) => c !== 'BatchNorm2d')) fail(`expected plain BatchNorm2d after dispose, but got ${reverted.join(', ')}`);
const state = model.stateDict();
if (Object.keys(state).join() !== keys.join()) fail(`expected the state keys ${keys.join()}, but got ${Object.keys(state).join()}`);
saveSafetensors(state, path.join(outDir, `resnet-rank${rank}.safetensors`));
