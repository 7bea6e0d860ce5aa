/**
 * Helpers shared by the export tests: BatchNorm statistics that are not the
 * identity (so folding is really exercised and deep nets keep sane logits),
 * metadata for a tiny model, and onnx's own checker run in Debian's Python.
 *
 * @example
 * randomizeBatchNorm(model); checkOnnxFile('model.onnx'); // null when it passes
 */
import { spawnSync } from 'node:child_process';
import { BasicBlock, Bottleneck } from '../models/resnet-blocks.js';
import * as torch from '../torch/index.js';
import { BatchNorm2d } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import type { OnnxExportMetadata } from './onnx/metadata.js';

/** The Python with torch, torchvision and onnx (never the `python3` on PATH). */
export const PYTHON = '/usr/bin/python3';

/** Whether `PYTHON` can import every module named. */
export function pythonHas(...modules: string[]): boolean {
  return spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' }).status === 0;
}

/**
 * Running stats and affine parameters drawn at random (torch's generator); the last BN of each
 * residual branch is scaled down so 50-block nets keep logits of order 1, as trained ones do.
 */
export function randomizeBatchNorm(model: Module): void {
  torch.noGrad(() =>
    torch.tidy(() => {
      for (const m of model.modules()) {
        if (!(m instanceof BatchNorm2d)) continue;
        const n = m.numFeatures;
        m.running_mean!.copy_(torch.randn([n]).mul(0.2));
        m.running_var!.copy_(torch.rand([n]).mul(1.5).add(0.5));
        m.weight!.copy_(torch.rand([n]).add(0.5));
        m.bias!.copy_(torch.randn([n]).mul(0.2));
      }
      for (const m of model.modules()) {
        const last = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        last?.weight!.mul_(0.2);
      }
    }),
  );
}

/** Metadata of a tiny model with `numClasses` classes. */
export function tinyMetadata(numClasses: number, inputSize: readonly [number, number, number], modelName = 'resnet18'): OnnxExportMetadata {
  return {
    classNames: Array.from({ length: numClasses }, (_, i) => `class-${i}`),
    mean: Array.from({ length: inputSize[0] }, (_, i) => 0.4 + 0.05 * i),
    std: Array.from({ length: inputSize[0] }, (_, i) => 0.2 + 0.01 * i),
    inputSize,
    resize: null,
    crop: null,
    modelName,
    modelOptions: { numClasses, stem: 'small' },
    frameworkVersion: '0.1.0-test',
  };
}

/** Runs onnx.checker.check_model(full_check=True) on `path`; returns null when it passes, else its stderr. */
export function checkOnnxFile(path: string): string | null {
  const code = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
  const result = spawnSync(PYTHON, ['-c', code, path], { encoding: 'utf8' });
  return result.status === 0 ? null : `${result.stderr}${result.error?.message ?? ''}`;
}
