// The graph builder's bookkeeping: unique names, folding only into an unread Conv output, and a
// Conv used twice keeping its weights for the other use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxGraphBuilder } from './graph-builder.js';

function convGraph(withBias: boolean): { g: OnnxGraphBuilder; y: string } {
  const g = new OnnxGraphBuilder();
  const x = g.addInput('images');
  const w = g.addInitializer('conv.weight', Float32Array.of(1, 2, 3, 4), [2, 2, 1, 1]);
  const inputs = [x, w];
  if (withBias) inputs.push(g.addInitializer('conv.bias', Float32Array.of(10, 20), [2]));
  const y = g.addNode('Conv', inputs, 'conv');
  g.markConvOutput(y, 2);
  return { g, y };
}

void test('folding scales each output channel and adds the shift to the bias, in place', () => {
  const { g, y } = convGraph(true);
  const out = g.foldAffineIntoConv(y, Float64Array.of(2, 0.5), Float64Array.of(1, -1), 'bn');
  assert.equal(out, 'bn');
  assert.deepEqual([...g.initializers.keys()], ['conv.weight', 'conv.bias']);
  assert.deepEqual([...g.initializers.get('conv.weight')!.data], [2, 4, 1.5, 2]);
  assert.deepEqual([...g.initializers.get('conv.bias')!.data], [21, 9]);
  assert.deepEqual(g.nodes[0].input, ['images', 'conv.weight', 'conv.bias']);
  assert.deepEqual(g.nodes[0].output, ['bn']);
  assert.throws(() => g.addNode('Relu', [y], 'relu'), /no reader of 'conv' after its BatchNorm was folded/);
});

void test('a conv without bias gets one named after its weight', () => {
  const { g, y } = convGraph(false);
  g.foldAffineIntoConv(y, Float64Array.of(1, 1), Float64Array.of(3, 4), 'bn');
  assert.deepEqual([...g.initializers.get('conv.bias')!.data], [3, 4]);
  assert.deepEqual(g.nodes[0].input, ['images', 'conv.weight', 'conv.bias']);
});

void test('no fold once the conv output has a reader, or for a value no conv made', () => {
  const { g, y } = convGraph(false);
  g.addNode('Relu', [y], 'relu');
  assert.equal(g.foldAffineIntoConv(y, Float64Array.of(1, 1), Float64Array.of(0, 0), 'bn'), null);
  assert.equal(g.foldAffineIntoConv('images', Float64Array.of(1, 1), Float64Array.of(0, 0), 'bn'), null);
});

void test('a weight read by two convs keeps its values; the folded copy gets a new name', () => {
  const { g, y } = convGraph(false);
  const y2 = g.addNode('Conv', [y, 'conv.weight'], 'conv');
  g.markConvOutput(y2, 2);
  assert.equal(y2, 'conv_1');
  g.foldAffineIntoConv(y2, Float64Array.of(2, 2), Float64Array.of(0, 0), 'bn');
  assert.deepEqual([...g.initializers.get('conv.weight')!.data], [1, 2, 3, 4]);
  assert.deepEqual(g.nodes[1].input, ['conv', 'conv.weight_1', 'conv.bias']);
  assert.deepEqual([...g.initializers.get('conv.weight_1')!.data], [2, 4, 6, 8]);
});

void test('the graph output is renamed in place, or through an Identity when it is the input', () => {
  const g = new OnnxGraphBuilder();
  const x = g.addInput('images');
  g.renameOutput(x, 'logits');
  assert.deepEqual(
    g.nodes.map((n) => [n.opType, n.input, n.output]),
    [['Identity', ['images'], ['logits']]],
  );
});
