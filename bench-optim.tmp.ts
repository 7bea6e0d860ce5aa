import * as torch from '/work/main/src/torch/index.js';
import { AdamW, SGD } from '/work/main/src/torch/optim/index.js';
torch.setNumThreads(1);
// resnet18-ish: a few big convs + many small bn vectors
const shapes: number[][] = [];
shapes.push([64, 3, 7, 7], [64], [64]);
for (const c of [64, 128, 256, 512]) for (let b = 0; b < 4; b++) shapes.push([c, c, 3, 3], [c], [c]);
shapes.push([1000, 512], [1000]);
const params = shapes.map((s) => torch.randn(s, { requiresGrad: true }));
for (const p of params) p.grad = torch.randnLike(p);
const total = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
for (const [name, opt] of [['adamw', new AdamW(params, { lr: 1e-3 })], ['sgd-mom', new SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 })]] as const) {
  for (let i = 0; i < 3; i++) opt.step();
  let best = Infinity;
  for (let i = 0; i < 15; i++) { const t = performance.now(); opt.step(); best = Math.min(best, performance.now() - t); }
  console.log(name, params.length, 'tensors', total, 'params', best.toFixed(2), 'ms/step (best of 15)');
}
// small-tensor overhead: 200 tiny tensors
const tiny = Array.from({ length: 200 }, () => torch.randn([16], { requiresGrad: true }));
for (const p of tiny) p.grad = torch.randnLike(p);
const o = new AdamW(tiny, { lr: 1e-3 }); o.step();
let best = Infinity;
for (let i = 0; i < 50; i++) { const t = performance.now(); o.step(); best = Math.min(best, performance.now() - t); }
console.log('adamw 200 tiny tensors', best.toFixed(2), 'ms/step (best of 50)');
