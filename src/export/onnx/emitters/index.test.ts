// The emitter table's lookup: a subclass without an entry exports as its parent (Conv2d, the
// ResNet blocks), a subclass with its own entry uses it, and a model's graph follows the forward
// order the model declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicBlock, Bottleneck } from '../../../models/resnet-blocks.js';
import type { ResidualBlockOptions } from '../../../models/resnet-blocks.js';
import type { ForwardStep } from '../../../models/forward-steps.js';
import { ResNet } from '../../../models/resnet.js';
import * as torch from '../../../torch/index.js';
import { Conv2d, Dropout, Flatten, ReLU, Sequential } from '../../../torch/nn/index.js';
import type { Module } from '../../../torch/nn/index.js';
import { randomizeBatchNorm, tinyMetadata } from '../../testing.test-helper.js';
import { buildOnnxModel } from '../build-onnx-model.js';
import { exportOnnx } from '../export-onnx.js';
import { registerOnnxEmitter } from './index.js';

torch.setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'onnx-emitters-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A user's convolution that only adds a helper: its forward is Conv2d's. */
class NamedConv extends Conv2d {
  describe(): string {
    return `${this.inChannels}->${this.outChannels}`;
  }
}
class TracedBasicBlock extends BasicBlock {}
class TracedBottleneck extends Bottleneck {}
/** A block whose branch gains a layer: it declares the new order once, in `branch`, and needs no emitter. */
class DropBlock extends BasicBlock {
  declare drop: Dropout;

  constructor(options: ResidualBlockOptions) {
    super(options);
    this.registerModule('drop', new Dropout({ p: 0.2 }));
  }

  override get branch(): readonly ForwardStep[] {
    return [...super.branch, this.drop, this.relu];
  }
}
/** A ReLU subclass with an emitter of its own (an equivalent graph: Max(x, 0) is not what Relu's emitter writes). */
class ClampReLU extends ReLU {}

/** The nodes (op, inputs, output) and initializer names of `module`'s graph. */
function graphOf(module: Module, inputShape: [number, number, number], numClasses: number): { nodes: string[]; initializers: string[] } {
  const built = buildOnnxModel(module, { inputShape, numClasses, name: 'graph' });
  return {
    nodes: built.model.graph.node.map((n) => `${n.opType}(${n.input.join(',')})->${n.output.join(',')}`),
    initializers: built.initializers.map((i) => i.name),
  };
}

void test("a subclass of Conv2d exports with Conv2d's emitter and matches onnxruntime", async () => {
  torch.manualSeed(3);
  const model = new Sequential(new NamedConv(2, 3, 3, { padding: 1 }), new ReLU(), new Flatten());
  const path = join(dir, 'named-conv.onnx');
  try {
    const result = await exportOnnx(model, { path, metadata: tinyMetadata(48, [2, 4, 4]) });
    assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-4, JSON.stringify(result.parity));
    assert.deepEqual(
      graphOf(model, [2, 4, 4], 48).nodes.map((n) => n.split('(')[0]),
      ['Conv', 'Relu', 'Flatten'],
    );
  } finally {
    model.dispose();
  }
});

for (const [parent, child] of [
  [BasicBlock, TracedBasicBlock],
  [Bottleneck, TracedBottleneck],
] as const) {
  void test(`a ResNet of ${child.name} (a subclass of ${parent.name}) exports the graph of its parent's, and matches onnxruntime`, async () => {
    const build = (block: typeof parent): ResNet => {
      torch.manualSeed(4);
      const model = new ResNet({ block, layers: [1, 1, 1, 1] }, { numClasses: 3, stem: 'small' });
      randomizeBatchNorm(model);
      return model;
    };
    const ours = build(child);
    const theirs = build(parent);
    const path = join(dir, `${child.name}.onnx`);
    try {
      assert.ok(ours.layer1.at(0) instanceof child);
      const graph = graphOf(ours, [3, 8, 8], 3);
      assert.deepEqual(graph, graphOf(theirs, [3, 8, 8], 3));
      assert.ok(graph.nodes.some((n) => n.startsWith('Add(layer1.0.bn')));
      const result = await exportOnnx(ours, { path, metadata: tinyMetadata(3, [3, 8, 8]) });
      assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-4, JSON.stringify(result.parity));
    } finally {
      ours.dispose();
      theirs.dispose();
    }
  });
}

void test('a block subclass that declares a longer branch exports that branch (forward and graph from one list)', async () => {
  torch.manualSeed(5);
  const model = new ResNet({ block: DropBlock, layers: [1, 1, 1, 1] }, { numClasses: 3, stem: 'small' });
  randomizeBatchNorm(model);
  const path = join(dir, 'drop-block.onnx');
  try {
    const block = graphOf(model, [3, 8, 8], 3).nodes.filter((n) => n.includes('->layer1.0.'));
    // The branch's relu after bn2 (drop emits nothing in eval), then Add and the block's relu.
    assert.deepEqual(block.slice(-3), [
      'Relu(layer1.0.bn2)->layer1.0.relu_1',
      'Add(layer1.0.relu_1,relu)->layer1.0.add',
      'Relu(layer1.0.add)->layer1.0.relu_2',
    ]);
    const result = await exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 8, 8]) });
    assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-4, JSON.stringify(result.parity));
  } finally {
    model.dispose();
  }
});

void test("a subclass with an emitter of its own uses it, not its parent's", () => {
  registerOnnxEmitter(ClampReLU, (_relu, input, ctx) => {
    const zero = ctx.graph.addInitializer(ctx.childPath('zero'), new Float32Array([0]), []);
    return ctx.graph.addNode('Max', [input, zero], ctx.valueName());
  });
  const model = new Sequential(new Conv2d(1, 2, 1), new ClampReLU(), new ReLU(), new Flatten());
  try {
    assert.deepEqual(
      graphOf(model, [1, 2, 2], 8).nodes.map((n) => n.split('(')[0]),
      ['Conv', 'Max', 'Relu', 'Flatten'],
    );
  } finally {
    model.dispose();
  }
});
